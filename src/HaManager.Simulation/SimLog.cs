using System.Globalization;
using System.Text;

namespace HaManager.Simulator;

/// <summary>
/// The one log stream of a simulation (simulator §4): every line, from the simulator itself and from
/// all daemons, in emission order, formatted as <c>%-5s %5d %12s: %s</c>.
/// </summary>
public sealed class SimLog(TextWriter? echo = null)
{
    private readonly StringBuilder _text = new();

    /// <summary>Everything logged so far.</summary>
    public string Text => _text.ToString();

    /// <summary>Appends one line; exactly one trailing newline of the message is dropped.</summary>
    public void Write(string level, long time, string id, string message)
    {
        if (message.EndsWith('\n')) message = message[..^1];
        int start = _text.Length;
        _text.Append(level.PadRight(5)).Append(' ')
            .Append(time.ToString(CultureInfo.InvariantCulture).PadLeft(5)).Append(' ')
            .Append(id.PadLeft(12)).Append(": ").Append(message).Append('\n');
        echo?.Write(_text.ToString(start, _text.Length - start));
    }
}

/// <summary>A fatal error inside the main loop: the run ends with <c>exit simulation - &lt;message&gt; </c>.</summary>
public sealed class SimulationFatalException(string message) : Exception(message);

/// <summary>A daemon fed or closed a watchdog that had already expired. Upstream's simulator treats that as
/// a fatal error; a real watchdog resets the node at that point, and so does this simulator.</summary>
public sealed class WatchdogExpiredException(string node) : Exception("watchdog expired")
{
    /// <summary>The node whose watchdog expired.</summary>
    public string Node { get; } = node;
}
