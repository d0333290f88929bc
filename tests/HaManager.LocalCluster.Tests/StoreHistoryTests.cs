using HaManager.Configuration;
using HaManager.Core.Environment;
using HaManager.Core.Model;
using HaManager.Store;

namespace HaManager.LocalCluster.Tests;

/// <summary>
/// Goal: the chaos runner's store check tells an unreachable store (no finding) from a manager status that does
/// not parse (a violation), and catches a torn status on a real directory store — proof that it can fail.
/// </summary>
public class StoreHistoryTests
{
    [Test]
    public void An_unreachable_store_is_no_finding_but_an_unparsable_status_is()
    {
        var answers = new Queue<Func<ManagerStatus>>([
            () => new ManagerStatus(),
            () => throw new HaEnvironmentException("cluster not quorate - no store access"),
            () => new ManagerStatus(),
        ]);
        var history = new StoreHistory(() => answers.Dequeue()());
        for (int i = 0; i < 3; i++) history.Sample();
        Assert.That((history.Parsed, history.Unavailable, history.Violation), Is.EqualTo((2, 1, (string?)null)));
    }

    [Test]
    public void A_torn_manager_status_on_a_directory_store_is_caught()
    {
        string dir = Directory.CreateTempSubdirectory("hamanager-history-").FullName;
        try
        {
            var store = StoreFactory.Open(new NodeConfig { Node = "node1", Store = StoreAddress.Parse("directory:" + dir) }, new ScaledClock(1));
            var history = new StoreHistory(store.ReadManagerStatus);
            history.Sample();
            Assert.That(history.Violation, Is.Null, "an empty store has an empty status");
            Directory.CreateDirectory(Path.Combine(dir, "ha"));
            File.WriteAllText(Path.Combine(dir, "ha", "manager_status"), "{\"master_node\":\"node1\",\"service_st");
            history.Sample();
            Assert.That(history.Violation, Does.StartWith("store history: the manager status did not parse at "));
            Assert.That(history.Violation, Does.Contain(StoreHistory.Unparsable));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
