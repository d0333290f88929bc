using System.Security.Cryptography;
using HaManager.Cli;
using HaManager.Core;
using HaManager.Core.Environment;
using HaManager.Store;
using HaManager.Store.Directory;
using HaManager.Store.Etcd;

namespace HaManager.Cli.Tests;

/// <summary>A scratch store of three online, quorate nodes (node1..node3) — a directory store, or with
/// <c>"etcd"</c> a key prefix of its own on the assembly's real etcd — and ha-manager run on it in-process
/// (<see cref="Run"/>) or as its own process (<see cref="StartProcess"/>).</summary>
public sealed class CliFixture : IDisposable
{
    private sealed class FixedClock : IClock
    {
        public long WallSeconds => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        public long MonotonicSeconds => Environment.TickCount64 / 1000;
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("hamanager-cli-").FullName;
    public DirectoryLayout Layout => new(Root);

    /// <summary>The <c>--store</c> argument of this store.</summary>
    public string StoreArg { get; }

    /// <summary>The store, as node1 sees it.</summary>
    public IHaStore Store { get; }

    public CliFixture(string kind = "directory")
    {
        // The CLI speaks as node1 (otherwise the host's name, not a member here); children inherit it.
        Environment.SetEnvironmentVariable("HAMANAGER_NODE", "node1");
        Environment.SetEnvironmentVariable("HAMANAGER_CONFIG", null);
        Environment.SetEnvironmentVariable("HAMANAGER_STORE", null);
        if (kind == "etcd")
        {
            StoreArg = TestEtcd.Shared.StoreAddress(TestEtcd.NewPrefix());
            var address = (StoreAddress.Etcd)StoreAddress.Parse(StoreArg);
            foreach (var node in new[] { "node2", "node3" })
            {
                using var other = new EtcdStore(address, node, SafetyBudget.Derived(60, 10));
                other.PublishVersion("test");
            }
            Store = new EtcdStore(address, "node1", SafetyBudget.Derived(60, 10));
            Store.PublishVersion("test");
            return;
        }
        StoreArg = "directory:" + Root;
        Store = new DirectoryStore(Root, "node1", new FixedClock(), SafetyBudget.Derived(60, 10));
        var members = new Members("test", true, new SortedDictionary<string, bool>(StringComparer.Ordinal)
            { ["node1"] = true, ["node2"] = true, ["node3"] = true });
        File.WriteAllText(Layout.Members, members.ToJson("node1"));
    }

    public sealed record Result(int Exit, string Out, string Err);

    /// <summary>Runs <c>ha-manager ARGS --store directory:ROOT</c> in this process.</summary>
    public Result Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int exit = HaManagerCli.Run([.. args, "--store", StoreArg], stdout, stderr);
        return new Result(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs a command that must succeed.</summary>
    public void Ok(params string[] args)
    {
        var r = Run(args);
        Assert.That(r.Exit, Is.Zero, $"ha-manager {string.Join(' ', args)}\n{r.Err}");
    }

    /// <summary>Runs ha-manager as a separate process (its own config lock holder).</summary>
    public System.Diagnostics.Process StartProcess(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "HaManager.Cli.dll");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--store");
        psi.ArgumentList.Add(StoreArg);
        return System.Diagnostics.Process.Start(psi)!;
    }

    /// <summary>Every file of the store with a hash of its bytes: equal snapshots mean an untouched store.</summary>
    public SortedDictionary<string, string> Snapshot()
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
            files[Path.GetRelativePath(Root, f)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)));
        return files;
    }

    public string Resources => Store.ReadConfig(ConfigFile.Resources) ?? "";
    public string CrmCommands => File.Exists(Layout.CrmCommands) ? File.ReadAllText(Layout.CrmCommands) : "";

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
