namespace HaManager.Core.Environment;

/// <summary>
/// The node's watchdog as one daemon holds it (watchdog-mux on a real node): once opened it must be
/// updated within the client timeout, or the node resets. Contract: <see cref="Open"/> and
/// <see cref="Update"/> either succeed or throw <see cref="HaEnvironmentException"/>; a daemon that
/// cannot feed its watchdog must stop claiming the protection it gave.
/// </summary>
public interface IWatchdog
{
    /// <summary>Opens (arms) a watchdog and returns its handle.</summary>
    string Open();

    /// <summary>Feeds the watchdog.</summary>
    void Update(string handle);

    /// <summary>Closes the watchdog cleanly (disarms it).</summary>
    void Close(string handle);
}
