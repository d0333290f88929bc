using System.Net.Sockets;
using System.Text;
using HaManager.Core.Environment;
using HaManager.Daemon;
using Serilog;

namespace HaManager.LocalCluster.Tests;

/// <summary>
/// Goal: the daemons' log lines reach journald with the fields an operator filters on — PRIORITY,
/// SYSLOG_IDENTIFIER, HA_DAEMON, HA_NODE, HA_SID, HA_STATE — and without a journal go to stderr with
/// their priority. Method: the real sink on a datagram socket standing in for journald.
/// </summary>
public class JournalTests
{
    [Test]
    public void A_state_change_line_carries_its_service_and_new_state()
    {
        string dir = Directory.CreateTempSubdirectory("hamanager-journal-").FullName;
        string path = Path.Combine(dir, "socket");
        using var journal = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        journal.Bind(new UnixDomainSocketEndPoint(path));
        journal.ReceiveTimeout = 5000;
        using var sink = new JournaldSink("ha-crm", path, TextWriter.Null);
        var logger = new LoggerConfiguration().MinimumLevel.Debug().Enrich.WithProperty("HA_DAEMON", "crm")
            .Enrich.WithProperty("HA_NODE", "node1").WriteTo.Sink(sink).CreateLogger();
        new SerilogHaLog(logger).Write(LogLevel.Notice, "service 'vm:100': state changed from 'started' to 'fence'");

        var buffer = new byte[65536];
        string entry = Encoding.UTF8.GetString(buffer, 0, journal.Receive(buffer));
        Assert.That(entry, Does.Contain("MESSAGE=service 'vm:100': state changed from 'started' to 'fence'\n"));
        Assert.That(entry, Does.Contain("PRIORITY=5\n"), "notice");
        Assert.That(entry, Does.Contain("SYSLOG_IDENTIFIER=ha-crm\n"));
        Assert.That(entry, Does.Contain("HA_DAEMON=crm\n"));
        Assert.That(entry, Does.Contain("HA_NODE=node1\n"));
        Assert.That(entry, Does.Contain("HA_SID=vm:100\n"));
        Assert.That(entry, Does.Contain("HA_STATE=fence\n"));
        Directory.Delete(dir, recursive: true);
    }

    [Test]
    public void Without_a_journal_lines_go_to_stderr_with_their_priority()
    {
        var stderr = new StringWriter();
        using var sink = new JournaldSink("ha-lrm", "/nonexistent/journal", stderr);
        var logger = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();
        new SerilogHaLog(logger).Write(LogLevel.Err, "unable to start service ocf:web\n");
        Assert.That(stderr.ToString(), Is.EqualTo("<3>unable to start service ocf:web" + Environment.NewLine));
    }
}
