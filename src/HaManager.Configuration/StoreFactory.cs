using HaManager.Core.Environment;
using HaManager.Store;
using HaManager.Store.Directory;
using HaManager.Store.Etcd;

namespace HaManager.Configuration;

/// <summary>Opens the store a node configuration names, for the daemons, <c>ha-manager</c> and <c>ha-local-cluster</c>.</summary>
public static class StoreFactory
{
    /// <summary>Opens <paramref name="config"/>'s store as its node. Throws <see cref="HaEnvironmentException"/>
    /// when a directory store cannot be set up (etcd is contacted on first use).</summary>
    /// <param name="config">The node configuration.</param>
    /// <param name="clock">The node's clock (directory lock ages).</param>
    /// <param name="shutdown">Whether the host is shutting down (the daemons ask systemd).</param>
    /// <param name="warn">Where configuration warnings go.</param>
    /// <param name="requestTimeout">The deadline of one etcd request (default 2 s, the daemons' quorum test;
    /// a person at a shell, or a script starting many commands at once, may rather wait longer).</param>
    public static IHaStore Open(NodeConfig config, IClock clock, Func<NodeShutdownInfo>? shutdown = null, Action<string>? warn = null,
        TimeSpan? requestTimeout = null) =>
        config.Store switch
        {
            StoreAddress.Directory d => new DirectoryStore(d.Path, config.Node, clock, config.Budget, shutdown, warn),
            StoreAddress.Etcd e => new EtcdStore(e, config.Node, config.Budget, new EtcdStoreOptions { TimeScale = config.TimeScale, RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(2), Tls = config.EtcdTls }, shutdown, warn),
            _ => throw new ArgumentOutOfRangeException(nameof(config)),
        };
}
