using System.Net.Sockets;
using System.Text;

namespace HaManager.Cli.Tests;

/// <summary>
/// Goal: <c>ha-manager crm-command fence-ack</c> only speaks for a failed cluster node, asks before it does
/// (an answer other than yes queues nothing), and queues the acknowledgement with who and when while
/// recording it in the journal. Method: a directory store with node3 offline; the command in-process with
/// <c>--yes</c> and a datagram socket standing in for journald, and as its own process answering the prompt.
/// </summary>
[NonParallelizable] // It sets HAMANAGER_JOURNAL_SOCKET for the process.
public class FenceAckTests
{
    private CliFixture _c = null!;

    [SetUp]
    public void Create()
    {
        _c = new CliFixture();
        File.WriteAllText(_c.Layout.Members, new HaManager.Store.Directory.Members("test", true,
            new SortedDictionary<string, bool>(StringComparer.Ordinal) { ["node1"] = true, ["node2"] = true, ["node3"] = false }).ToJson("node1"));
    }

    [TearDown]
    public void Destroy() => _c.Dispose();

    [Test]
    public void Only_a_failed_member_can_be_acknowledged()
    {
        Assert.That(_c.Run("crm-command", "fence-ack", "node9", "--yes"), Is.EqualTo(new CliFixture.Result(255, "", "no such cluster node 'node9'\n")));
        Assert.That(_c.Run("crm-command", "fence-ack", "node2", "--yes").Err,
            Is.EqualTo("node 'node2' is online - only a failed node can be acknowledged off\n"));
        Assert.That(_c.CrmCommands, Is.Empty);
    }

    [Test]
    public void An_acknowledgement_is_queued_with_who_and_when_and_written_to_the_journal()
    {
        string socketPath = Path.Combine(_c.Root, "journal.socket");
        using var journal = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        journal.Bind(new UnixDomainSocketEndPoint(socketPath));
        Environment.SetEnvironmentVariable("HAMANAGER_JOURNAL_SOCKET", socketPath);
        try
        {
            long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var r = _c.Run("crm-command", "fence-ack", "node3", "--yes");
            Assert.That(r.Exit, Is.Zero, r.Err);
            var parts = _c.CrmCommands.TrimEnd('\n').Split(' ');
            Assert.That(parts[..2], Is.EqualTo(new[] { "fence-ack", "node3" }));
            Assert.That(long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture), Is.InRange(before, before + 5));
            Assert.That(parts[3], Is.EqualTo(Environment.GetEnvironmentVariable("SUDO_USER") ?? Environment.UserName));

            var buffer = new byte[4096];
            journal.ReceiveTimeout = 5000;
            string entry = Encoding.UTF8.GetString(buffer, 0, journal.Receive(buffer));
            Assert.That(entry, Does.Contain("SYSLOG_IDENTIFIER=ha-manager\n").And.Contain("HA_FENCE_ACK_NODE=node3\n")
                .And.Contain($"HA_REQUESTED_AT={parts[2]}\n").And.Contain($"acknowledged node 'node3' powered off"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("HAMANAGER_JOURNAL_SOCKET", null);
        }
    }

    private (int Exit, string Out, string Err) Answer(string answer)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "HaManager.Cli.dll");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        foreach (var a in new[] { dll, "crm-command", "fence-ack", "node3", "--store", _c.StoreArg }) psi.ArgumentList.Add(a);
        psi.Environment["HAMANAGER_JOURNAL_SOCKET"] = Path.Combine(_c.Root, "no-journal");
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.StandardInput.Write(answer);
        p.StandardInput.Close();
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        Assert.That(p.WaitForExit(30_000), Is.True);
        return (p.ExitCode, stdout, stderr);
    }

    [Test]
    public void It_asks_first_and_anything_but_yes_acknowledges_nothing()
    {
        var no = Answer("n\n");
        Assert.That(no.Out, Does.StartWith("Acknowledge that node 'node3' is powered off?"));
        Assert.That((no.Exit, no.Err), Is.EqualTo((255, "aborted - nothing acknowledged\n")));
        Assert.That(Answer("").Exit, Is.EqualTo(255), "no answer at all is no");
        Assert.That(_c.CrmCommands, Is.Empty);
        var yes = Answer("y\n");
        Assert.That(yes.Exit, Is.Zero, yes.Err);
        Assert.That(_c.CrmCommands, Does.StartWith("fence-ack node3 "));
    }
}
