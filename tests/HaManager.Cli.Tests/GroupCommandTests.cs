namespace HaManager.Cli.Tests;

/// <summary>
/// Goal: the deprecated group commands behave as upstream's (config-cli §9.3): refused once groups are
/// migrated to rules, working on groups.cfg before. Method: the CLI in-process on a scratch store.
/// </summary>
public class GroupCommandTests
{
    [TestCase(new[] { "groupconfig" }, "cannot index groups: ha groups have been migrated to rules")]
    [TestCase(new[] { "groupadd", "web", "--nodes", "node1" }, "cannot create group: ha groups have been migrated to rules")]
    [TestCase(new[] { "groupset", "web", "--comment", "x" }, "cannot update group: ha groups have been migrated to rules")]
    [TestCase(new[] { "groupremove", "web" }, "cannot delete group: ha groups have been migrated to rules")]
    public void After_migration_group_commands_are_refused(string[] args, string message)
    {
        using var c = new CliFixture();
        var before = c.Snapshot();
        var r = c.Run(args);
        Assert.That((r.Exit, r.Err), Is.EqualTo((255, message + "\n")));
        Assert.That(c.Snapshot(), Is.EqualTo(before));
    }

    [Test]
    public void Before_migration_groups_are_edited_in_groups_cfg()
    {
        using var c = new CliFixture();
        File.WriteAllText(c.Layout.Groups, "");
        Assert.That(c.Run("groupadd", "web", "--nodes", "node1:2,node2", "--restricted", "1").Exit, Is.Zero);
        Assert.That(c.Run("groupadd", "db", "--nodes", "node3").Exit, Is.Zero);
        Assert.That(c.Run("groupset", "web", "--comment", "front", "--delete", "restricted").Exit, Is.Zero);
        Assert.That(c.Run("groupconfig").Out, Is.EqualTo(
            "group: db\n\tnodes node3\n\ngroup: web\n\tcomment front\n\tnodes node1:2,node2\n\n"));

        Assert.That(c.Run("add", "ocf:shop", "--agent", "x:y", "--node", "node1", "--group", "web").Exit, Is.Zero);
        var before = c.Snapshot();
        var refusals = new[]
        {
            (c.Run("groupremove", "web"), "delete ha group failed: ha group is used by service 'ocf:shop'\n"),
            (c.Run("groupadd", "db", "--nodes", "node1"), "create ha group failed: ha group ID 'db' already defined\n"),
            (c.Run("groupset", "nope", "--comment", "x"), "update ha group failed: no such ha group 'nope'\n"),
            (c.Run("groupset", "web", "--delete", "nodes"), "update ha group failed: unable to delete required option 'nodes'\n"),
            (c.Run("groupadd", "odd", "--nodes", "node1", "--type", "vm"), "types does not match\n"),
        };
        foreach (var (r, message) in refusals) Assert.That((r.Exit, r.Err), Is.EqualTo((255, message)));
        Assert.That(c.Run("groupadd", "x1").Err, Does.StartWith("400 Parameter verification failed.\nnodes: property is missing"));
        Assert.That(c.Snapshot(), Is.EqualTo(before));
        Assert.That(c.Run("groupremove", "db").Exit, Is.Zero);
        Assert.That(c.Run("groupconfig").Out, Does.Not.Contain("group: db"));
    }
}
