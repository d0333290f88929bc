using HaManager.Core;

namespace HaManager.LocalCluster;

/// <summary>
/// The timeouts of a local cluster at time scale F. watchdog-mux runs in real seconds (whole seconds,
/// a one-second tick) and the supervisor's "device" needs a few seconds to see it fed, so the real
/// client and device timeouts are the profile's divided by F, rounded up, with floors (client 2 s,
/// device 3 s); the daemons then get exactly those, multiplied back into HA seconds, and a mux tick of
/// F HA seconds — so the safety budget they derive is the one the processes really keep.
/// </summary>
public sealed record ClusterTiming(double Scale, int ClientRealSeconds, int DeviceRealSeconds)
{
    /// <summary>Whether the cluster keeps its store on etcd (a smaller skew margin: one clock judges leases).</summary>
    public bool Etcd { get; init; }

    /// <summary>The timing of the default profile (60 s client watchdog, 10 s device) at <paramref name="scale"/>.</summary>
    public static ClusterTiming For(double scale, int clientSeconds = 60, int deviceSeconds = 10) =>
        new(scale, Math.Max(2, (int)Math.Ceiling(clientSeconds / scale)), Math.Max(3, (int)Math.Ceiling(deviceSeconds / scale)));

    /// <summary>The client timeout in HA seconds.</summary>
    public int ClientHaSeconds => (int)Math.Round(ClientRealSeconds * Scale);

    /// <summary>The device timeout in HA seconds.</summary>
    public int DeviceHaSeconds => (int)Math.Round(DeviceRealSeconds * Scale);

    /// <summary>The budget the daemons derive from it.</summary>
    public SafetyBudget Budget => Configuration.NodeConfig.DeriveBudget(ClientHaSeconds, DeviceHaSeconds, Scale, Etcd);

    /// <summary>Real seconds of a number of HA seconds.</summary>
    public double Real(double haSeconds) => haSeconds / Scale;
}
