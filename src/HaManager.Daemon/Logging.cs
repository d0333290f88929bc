using System.Globalization;
using System.Text.RegularExpressions;
using HaManager.Core.Environment;
using HaManager.WatchdogMux;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace HaManager.Daemon;

/// <summary>
/// A Serilog sink for journald's native protocol (<see cref="JournalWriter"/>): MESSAGE, PRIORITY,
/// SYSLOG_IDENTIFIER, SYSLOG_PID and every <c>HA_*</c> property as its own field, so
/// <c>journalctl -u ha-lrm HA_SID=vm:100</c> finds one service's lines. Without a journal the lines go
/// to stderr with a <c>&lt;priority&gt;</c> prefix (which systemd reads when it captures stderr).
/// </summary>
public sealed class JournaldSink(string identifier, string socketPath, TextWriter fallback) : ILogEventSink, IDisposable
{
    private readonly JournalWriter _journal = new(socketPath);
    private readonly string _pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    /// <summary>syslog priority of a Serilog level, unless the event carries its own <c>PRIORITY</c>.</summary>
    private static int PriorityOf(LogEvent e) =>
        e.Properties.TryGetValue("PRIORITY", out var p) && p is ScalarValue { Value: int explicitPriority } ? explicitPriority
        : e.Level switch
        {
            LogEventLevel.Verbose or LogEventLevel.Debug => 7,
            LogEventLevel.Information => 6,
            LogEventLevel.Warning => 4,
            LogEventLevel.Error => 3,
            LogEventLevel.Fatal => 2,
            _ => 6,
        };

    /// <inheritdoc/>
    public void Emit(LogEvent logEvent)
    {
        string message = logEvent.RenderMessage(CultureInfo.InvariantCulture);
        if (logEvent.Exception is { } ex) message += " - " + ex.Message;
        int priority = PriorityOf(logEvent);
        var fields = new List<(string, string)>
        {
            ("MESSAGE", message), ("PRIORITY", priority.ToString(CultureInfo.InvariantCulture)),
            ("SYSLOG_IDENTIFIER", identifier), ("SYSLOG_PID", _pid),
        };
        foreach (var (name, value) in logEvent.Properties)
            if (name.StartsWith("HA_", StringComparison.Ordinal) && value is ScalarValue { Value: { } v })
                fields.Add((name, Convert.ToString(v, CultureInfo.InvariantCulture) ?? ""));
        if (_journal.Send(fields)) return;
        lock (fallback) fallback.WriteLine($"<{priority}>{message}");
    }

    /// <inheritdoc/>
    public void Dispose() => _journal.Dispose();
}

/// <summary>
/// The core's log on Serilog: the core's levels as syslog priorities (notice included, which Serilog
/// lacks), and the service id and new state a line is about as <c>HA_SID</c> and <c>HA_STATE</c>.
/// </summary>
public sealed partial class SerilogHaLog(ILogger logger) : IHaLog
{
    [GeneratedRegex(@"\b(?:vm|ct|ocf|service|fa):[^\s'"",)]+")]
    private static partial Regex Sid();

    [GeneratedRegex(@"(?:to '(\w+)'|=> (\w+))\s*(?:\(|$)")]
    private static partial Regex NewState();

    /// <inheritdoc/>
    public void Write(LogLevel level, string message)
    {
        message = message.TrimEnd('\n');
        var (serilogLevel, priority) = level switch
        {
            LogLevel.Debug => (LogEventLevel.Debug, 7),
            LogLevel.Info => (LogEventLevel.Information, 6),
            LogLevel.Notice => (LogEventLevel.Information, 5),
            LogLevel.Warning => (LogEventLevel.Warning, 4),
            LogLevel.Err => (LogEventLevel.Error, 3),
            LogLevel.Email => (LogEventLevel.Warning, 1),
        };
        var log = logger.ForContext("PRIORITY", priority);
        if (Sid().Match(message) is { Success: true } sid) log = log.ForContext("HA_SID", sid.Value);
        if (NewState().Match(message) is { Success: true } state)
            log = log.ForContext("HA_STATE", state.Groups[1].Success ? state.Groups[1].Value : state.Groups[2].Value);
        log.Write(serilogLevel, "{Message:l}", message);
    }

    /// <inheritdoc/>
    public void SendFenceNotification(string prefix, string subject, string fencedNode) =>
        logger.ForContext("PRIORITY", 1).ForContext("HA_FENCE", prefix).ForContext("HA_FENCED_NODE", fencedNode)
            .Warning("{Message:l}", $"{prefix}: {subject}");
}
