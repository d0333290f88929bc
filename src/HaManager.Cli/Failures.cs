using HaManager.Core.Environment;

namespace HaManager.Cli;

/// <summary>How <c>ha-manager</c> and <c>ha-cluster</c> end a command that failed: the message on standard error,
/// exit status 255, never a stack trace unless <c>HAMANAGER_DEBUG=1</c> asks for one.</summary>
public static class Failures
{
    public const int ExitCode = 255;

    /// <summary>Runs <paramref name="invoke"/>; a failure is told in one message as <paramref name="program"/>.</summary>
    public static int Report(string program, TextWriter stderr, Func<int> invoke)
    {
        try
        {
            return invoke();
        }
        catch (CliFailure e)
        {
            stderr.Write(e.Message);
        }
        catch (HaEnvironmentException e)
        {
            stderr.Write(e.Message.EndsWith('\n') ? e.Message : e.Message + "\n");
        }
        catch (UnauthorizedAccessException e)
        {
            stderr.Write($"{program}: {e.Message} (run it as root)\n");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug of ours, or a failure nobody foresaw: one line, the whole story only when asked for.
            stderr.Write(Environment.GetEnvironmentVariable("HAMANAGER_DEBUG") == "1" ? $"{program}: {e}\n"
                : $"{program}: internal error ({e.GetType().Name}): {e.Message.TrimEnd()} - please report it (HAMANAGER_DEBUG=1 shows where)\n");
        }
        return ExitCode;
    }
}
