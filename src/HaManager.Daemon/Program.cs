using HaManager.Agents;
using HaManager.Configuration;
using HaManager.Core.Crm;
using HaManager.Core.Environment;
using HaManager.Core.Lrm;
using HaManager.Daemon;
using HaManager.Store;
using HaManager.Store.Etcd;
using HaManager.WatchdogMux;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

// ha-crm / ha-lrm. Exit codes: 0 stopped normally; 1 failed while running; 2 bad command line or configuration.
string invokedAs = Path.GetFileNameWithoutExtension(Environment.ProcessPath ?? "");
var rest = args.ToList();
string? role = invokedAs switch { "ha-crm" => "crm", "ha-lrm" => "lrm", _ => null };
if (role is null && rest.Count > 0 && rest[0] is "crm" or "lrm")
{
    role = rest[0];
    rest.RemoveAt(0);
}
string name = role is null ? "ha-daemon" : $"ha-{role}";
const string Usage = "usage: ha-crm|ha-lrm [--config FILE]   (or: HaManager.Daemon crm|lrm [--config FILE])";
if (rest.Contains("--help") || rest.Contains("-h"))
{
    Console.Out.WriteLine(Usage);
    return 0;
}
if (role is null)
{
    Console.Error.WriteLine($"{name}: say which daemon to run (crm or lrm)");
    Console.Error.WriteLine(Usage);
    return 2;
}
string? configPath = Environment.GetEnvironmentVariable("HAMANAGER_CONFIG");
for (int i = 0; i < rest.Count; i++)
{
    if (rest[i] == "--config" && i + 1 < rest.Count) configPath = rest[++i];
    else
    {
        Console.Error.WriteLine($"{name}: unknown argument '{rest[i]}'");
        Console.Error.WriteLine(Usage);
        return 2;
    }
}

NodeConfig config;
try { config = NodeConfig.Load(configPath ?? NodeConfig.DefaultPath, Environment.GetEnvironmentVariable, mustExist: configPath is not null); }
catch (NodeConfigException e)
{
    Console.Error.WriteLine($"{name}: {e.Message}");
    return 2;
}
if (config.Budget.Problems() is { Count: > 0 } problems)
{
    Console.Error.WriteLine($"{name}: unsafe timeouts: {string.Join("; ", problems)}");
    return 2;
}

using var sink = new JournaldSink(name, Environment.GetEnvironmentVariable("HAMANAGER_JOURNAL_SOCKET") ?? JournalWriter.DefaultSocket, Console.Error);
var logger = new LoggerConfiguration().MinimumLevel.Debug()
    .Enrich.WithProperty("HA_DAEMON", role).Enrich.WithProperty("HA_NODE", config.Node)
    .WriteTo.Sink(sink).CreateLogger();
var log = new SerilogHaLog(logger);

var clock = new ScaledClock(config.TimeScale);
IHaStore store;
try
{
    store = StoreFactory.Open(config, clock, NodeShutdown.Detect, warn: w => log.Write(LogLevel.Warning, w));
    if (store is EtcdStore etcd) etcd.StartPresence($"{role}-{Environment.ProcessId}");
}
catch (HaEnvironmentException e)
{
    log.Write(LogLevel.Err, $"unable to open the store - {e.Message.TrimEnd()}");
    return 1;
}

var watchdog = new MuxWatchdog(config.WatchdogSocket, log);
var uids = new RandomUids();
// Lock and quorum losses go to a file of their own: after a self-fence they explain it.
var events = new NodeEvents(PostMortem.Events(config.PostMortemDir, "ha-" + role), "ha-" + role);
var locks = new RecordingLocks(store.Locks, events);
var membership = new RecordingMembership(store, events);
using var stopping = new CancellationTokenSource();
// The version is published once the store takes writes: a node that boots without quorum (or before etcd is
// reachable) must start anyway and wait for quorum in its state machine, not exit (found by a chaos campaign).
StoreWrites.RetryInBackground(() => store.PublishVersion(typeof(NodeConfig).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"),
    TimeSpan.MaxValue, stopping.Token);
HostedMachine machine;
// What wakes the loop before its round is due: a finished job (LRM), a change in etcd the daemon must act on.
SemaphoreSlim wakeEarly;
if (role == "crm")
{
    wakeEarly = new SemaphoreSlim(0);
    var early = wakeEarly;
    IClusterLocks masterLocks = locks;
    if (Environment.GetEnvironmentVariable(BrokenFencing.Variable) == "1")
    {
        log.Write(LogLevel.Err, $"{BrokenFencing.Variable}=1: this master recovers services WITHOUT fencing - a test of the chaos checker, never for use");
        masterLocks = new BrokenFencing(locks, config.Node);
    }
    // The master's fence agents; a finished fence level wakes the loop so recovery starts at once.
    var node = new HaNode(config.Node, clock, log, store, masterLocks, membership, watchdog, new NoJobs(), new NoAgents(), uids, config.Budget)
    {
        Fencing = new FenceAgentRunner(log, () => early.Release()),
    };
    var crm = new CrmMachine(node);
    machine = new HostedMachine(crm.DoOneIteration, crm.ShutdownRequest);
}
else
{
    var runner = new ThreadJobRunner(() => SafeMaxWorkers(store));
    wakeEarly = runner.Finished;
    var agents = new AgentRegistry(config.Node, log, sid => SafeConfigOf(store, sid), new StoreHomes(store), config.OcfRoot);
    var node = new HaNode(config.Node, clock, log, store, locks, membership, watchdog, runner, agents, uids, config.Budget);
    var lrm = new LrmMachine(node, new LrmStartupGate());
    PostMortem.PublishAfterBoot(config.PostMortemDir, config.Node, store, log, stopping.Token);
    machine = new HostedMachine(lrm.DoOneIteration, lrm.ShutdownRequest);
}
if (store is EtcdStore watched && config.EtcdWatch)
    watched.WatchForChanges(role == "crm" ? WakeRole.Crm : WakeRole.Lrm, () => wakeEarly.Release());

var builder = Host.CreateApplicationBuilder();
builder.Services.AddSerilog(logger);
builder.Services.AddSystemd();
// Upstream waits up to an hour for the LRM to stop its services, a minute for the CRM.
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = role == "lrm" ? TimeSpan.FromHours(1) : TimeSpan.FromMinutes(1));
DaemonLoop? loop = null;
builder.Services.AddSingleton<IHostedService>(sp =>
    loop = new DaemonLoop(machine, clock, sp.GetRequiredService<IHostApplicationLifetime>(), log, wakeEarly));
using var host = builder.Build();
await host.RunAsync();
stopping.Cancel();
store.Dispose();
return loop?.ExitCode ?? 0;

static int SafeMaxWorkers(IHaStore store)
{
    try { return store.GetDatacenterSettings().MaxWorkers ?? 4; }
    catch (HaEnvironmentException) { return 4; }
}

static HaManager.Core.Model.ServiceConfigEntry? SafeConfigOf(IHaStore store, string sid)
{
    try { return store.ReadServiceConfig().TryGetValue(sid, out var cd) ? cd : null; }
    catch (HaEnvironmentException) { return null; }
}

/// <summary>The CRM runs no resource jobs.</summary>
internal sealed class NoJobs : IJobRunner
{
    public int MaxWorkers => 0;
    public void Start(ResourceJob job, Func<int> work) => throw new InvalidOperationException("the CRM started a resource job");
    public IReadOnlyList<JobCompletion> CollectFinished() => [];
}

/// <summary>The CRM calls agents only to remove guest locks when recovering; it uses the node's agents for that.</summary>
internal sealed class NoAgents : IResourceAgents
{
    public IResourceAgent? For(string type) => null;
}
