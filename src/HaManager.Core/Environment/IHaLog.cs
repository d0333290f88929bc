namespace HaManager.Core.Environment;

/// <summary>Where the core's log lines and fence notifications go (journal, simulator log, test list).
/// Contract: never throws; may be called from a job runner's worker.</summary>
public interface IHaLog
{
    /// <summary>Writes one log line. A single trailing newline of the message is not part of it.</summary>
    void Write(LogLevel level, string message);

    /// <summary>Sends a fence notification (the simulator logs <c>prefix: subject</c> at level email).</summary>
    void SendFenceNotification(string prefix, string subject, string fencedNode);
}
