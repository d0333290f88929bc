using HaManager.Configuration;
using HaManager.Core;
using HaManager.Core.Environment;
using HaManager.Core.Formats;
using HaManager.Core.Rules;
using HaManager.Store;

namespace HaManager.Cli;

/// <summary>A failure the user is told about in one message (which ends with a newline), exit 255.</summary>
public sealed class CliFailure(string message) : Exception(message);

/// <summary>
/// The store the CLI works on: <c>--store directory:PATH|etcd:URL[,URL…]</c>, else <c>HAMANAGER_STORE</c>,
/// else the node configuration's <c>store</c>, else <c>/var/lib/hamanager</c>. A directory store must exist:
/// the CLI never sets one up (a typo in a path must not create an empty cluster).
/// </summary>
public sealed class CliContext
{
    public required IHaStore Store { get; init; }
    public required string Node { get; init; }
    public required IClock Clock { get; init; }

    /// <summary>The timeouts of this node's profile (what-if simulates with them).</summary>
    public required SafetyBudget Budget { get; init; }

    /// <summary>How long an edit waits for the config lock: longer than the daemons' 10 s, since a queue
    /// of edits (a script, many shells) should wait its turn rather than fail.</summary>
    public static readonly TimeSpan EditWait = TimeSpan.FromSeconds(60);

    /// <summary>ha/resources.cfg as written (the raw sections, not the runtime view).</summary>
    public SectionConfigFile Resources() => ResourcesConfig.Parse(Store.ReadConfig(ConfigFile.Resources) ?? "");

    /// <summary>ha/rules.cfg (no file: no rules).</summary>
    public RuleSet Rules() => RulesConfig.Parse(Store.ReadRulesConfig());

    /// <summary>Read-modify-write of a config file, never losing a concurrent edit (see <see cref="IHaStore.EditConfig"/>).</summary>
    public void Edit(ConfigFile file, Func<string?, string> edit) => Store.EditConfig(file, edit, EditWait);

    /// <summary>Whether a config file exists.</summary>
    public bool Exists(ConfigFile file) => Store.ReadConfig(file) is not null;

    public static CliContext Open(string? storeOption, string? node = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["HAMANAGER_STORE"] = storeOption ?? Environment.GetEnvironmentVariable("HAMANAGER_STORE"),
            ["HAMANAGER_NODE"] = node ?? Environment.GetEnvironmentVariable("HAMANAGER_NODE"),
        };
        string? configPath = Environment.GetEnvironmentVariable("HAMANAGER_CONFIG");
        NodeConfig config;
        try
        {
            config = NodeConfig.Load(configPath ?? NodeConfig.DefaultPath,
                key => env.TryGetValue(key, out var v) ? v : Environment.GetEnvironmentVariable(key), mustExist: configPath is not null);
        }
        catch (NodeConfigException e) { throw new CliFailure(e.Message + "\n"); }
        if (config.Store is StoreAddress.Directory d && !Directory.Exists(Path.Combine(d.Path, "ha")))
            throw new CliFailure($"no HaManager store at '{d.Path}' (--store directory:PATH|etcd:URL, HAMANAGER_STORE or /etc/hamanager/hamanager.yaml)\n");
        // The cluster's clock, time scale included (HAMANAGER_TIME_SCALE), so status ages read right.
        var clock = new ScaledClock(config.TimeScale);
        try
        {
            return new CliContext
            {
                Store = StoreFactory.Open(config, clock, requestTimeout: EditWait), Node = config.Node, Clock = clock, Budget = config.Budget,
            };
        }
        catch (HaEnvironmentException e) { throw new CliFailure(e.Message.TrimEnd() + "\n"); }
    }
}
