using System.Net.Sockets;

namespace HaManager.WatchdogMux.Tests;

/// <summary>
/// Goal: watchdog-mux feeds the device exactly while every client is healthy, and lets the node reset
/// (stops feeding, no magic close) otherwise. Method: the real executable with <c>--no-ioctl</c> on a FIFO
/// whose bytes are recorded with their times (a keep-alive is one <c>\0</c>, magic close a <c>V</c>), a
/// client timeout of 3 s, and clients made of plain Unix sockets or <see cref="WatchdogClient"/>.
/// </summary>
[Parallelizable(ParallelScope.Children)]
public class MultiplexerTests
{
    private static Socket Connect(MuxFixture mux)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Connect(new UnixDomainSocketEndPoint(mux.Socket));
        return s;
    }

    /// <summary>Sends updates; stops quietly once the daemon has gone (it exits when it stops feeding).</summary>
    private static void Feed(Socket client, int times, int intervalMs = 500)
    {
        for (int i = 0; i < times; i++)
        {
            try { client.Send([0]); }
            catch (SocketException) { return; }
            Thread.Sleep(intervalMs);
        }
    }

    [Test]
    public void A_healthy_client_keeps_the_device_fed_once_per_second()
    {
        using var mux = new MuxFixture();
        mux.WaitReady();
        using var client = Connect(mux);
        long from = mux.NowMs;
        Feed(client, 10);
        long to = mux.NowMs;
        int keepAlives = mux.KeepAlivesBetween(from, to);
        Assert.That(keepAlives, Is.InRange((to - from) / 1000 - 1, (to - from) / 1000 + 1), mux.Output);
        Assert.That(mux.Output, Does.Contain("added new client (PID "));
    }

    [Test]
    public void A_client_that_disconnects_without_goodbye_stops_the_feeding_within_2_s_and_no_V_is_written()
    {
        using var mux = new MuxFixture();
        mux.WaitReady();
        var client = Connect(mux);
        Feed(client, 2);
        long gone = mux.NowMs;
        client.Dispose();
        Assert.That(mux.WaitForExit(5000), Is.True, "the daemon must end its loop: " + mux.Output);
        Thread.Sleep(200);
        Assert.That(mux.LastKeepAliveMs, Is.LessThan(gone + 2000));
        Assert.That(mux.WroteMagicClose, Is.False);
        Assert.That(mux.Output, Does.Contain("did not stop watchdog - disable watchdog updates"));
        Assert.That(mux.Output, Does.Contain("exit watchdog-mux with active connections"));
        var record = PostMortemRecord.Read(mux.PostMortem);
        Assert.That((record?.Reason, record?.ClientPid), Is.EqualTo(("disconnected", Environment.ProcessId)), "the post-mortem names the client");
        Assert.That(File.ReadAllLines(mux.ClientRecord).Select(l => l.Split(' ')[1]), Is.EqualTo(new[] { "open", "vanished" }));
    }

    [Test]
    public void A_client_that_stops_sending_stops_the_feeding_after_its_timeout()
    {
        using var mux = new MuxFixture(clientTimeout: 3);
        mux.WaitReady();
        using var client = Connect(mux);
        client.Send([0]);
        long last = mux.NowMs;
        Assert.That(mux.WaitForExit(8000), Is.True, mux.Output);
        Thread.Sleep(200);
        Assert.That(mux.LastKeepAliveMs - last, Is.InRange(2000, 5500), "fed until the 3 s timeout, then stopped");
        Assert.That(mux.Output, Does.Contain("watchdog is about to expire"));
        Assert.That(mux.Output, Does.Contain("watchdog expired - disable watchdog updates"));
        Assert.That(mux.WroteMagicClose, Is.False);
        var record = PostMortemRecord.Read(mux.PostMortem)!;
        Assert.That((record.Reason, record.ClientPid), Is.EqualTo(("expired", Environment.ProcessId)), "who went silent");
        Assert.That(record.SilentSeconds, Is.InRange(4, 5), "and for how long: just past the 3 s timeout");
        Assert.That(record.Time, Is.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 10, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        Assert.That(record.Client, Does.Contain("testhost").Or.Contain("dotnet"));
        Assert.That(File.ReadAllLines(mux.ClientRecord).Select(l => l.Split(' ')[1]), Is.EqualTo(new[] { "open", "expired" }));
    }

    [Test]
    public void Of_two_clients_one_dying_stops_the_feeding()
    {
        using var mux = new MuxFixture();
        mux.WaitReady();
        using var healthy = Connect(mux);
        var dying = Connect(mux);
        Feed(healthy, 2);
        dying.Dispose();
        long gone = mux.NowMs;
        Feed(healthy, 6);
        Assert.That(mux.LastKeepAliveMs, Is.LessThan(gone + 2000), mux.Output);
        Assert.That(mux.WroteMagicClose, Is.False);
    }

    [Test]
    public void A_clean_goodbye_keeps_the_feeding_and_sigterm_then_disarms_with_V()
    {
        using var mux = new MuxFixture();
        mux.WaitReady();
        var client = WatchdogClient.Open(mux.Socket);
        Assert.That(client.Update(), Is.Null);
        Assert.That(client.Close(), Is.Null);
        long gone = mux.NowMs;
        Thread.Sleep(3500);
        Assert.That(mux.KeepAlivesBetween(gone, mux.NowMs), Is.GreaterThanOrEqualTo(2), mux.Output);
        Assert.That(mux.Output, Does.Contain("has disconnected cleanly. Removing it gracefully from the watch"));
        Assert.That(Directory.Exists(mux.Marker), Is.False, "the marker goes with the last client");

        mux.Signal("TERM");
        Assert.That(mux.WaitForExit(5000), Is.True);
        Thread.Sleep(200);
        Assert.That(mux.ExitCode, Is.Zero);
        Assert.That(mux.WroteMagicClose, Is.True, "no client left: magic close");
        Assert.That(mux.Output, Does.Contain("clean exit"));
        Assert.That(File.Exists(mux.PostMortem), Is.False, "a clean goodbye is no self-fence");
        var record = File.ReadAllLines(mux.ClientRecord);
        Assert.That(record, Has.Length.EqualTo(2));
        Assert.That(record[0], Does.Match($@"^\d{{13}} open {Environment.ProcessId} .*(dotnet|testhost)"), "when, who, and its command line");
        Assert.That(record[1], Does.Match($@"^\d{{13}} close {Environment.ProcessId} "));
    }

    [Test]
    public void Sigterm_with_an_active_client_exits_without_V()
    {
        using var mux = new MuxFixture();
        mux.WaitReady();
        using var client = Connect(mux);
        Feed(client, 2);
        Assert.That(Directory.Exists(mux.Marker), Is.True, "the marker exists while clients are connected");
        mux.Signal("TERM");
        Assert.That(mux.WaitForExit(5000), Is.True);
        Thread.Sleep(200);
        Assert.That(mux.WroteMagicClose, Is.False);
        Assert.That(mux.Output, Does.Contain("got terminate request"));
        Assert.That(mux.Output, Does.Contain("exit watchdog-mux with active connections"));
    }

    [Test]
    public void Sighup_is_ignored()
    {
        using var mux = new MuxFixture();
        mux.WaitReady();
        mux.Signal("HUP");
        Thread.Sleep(1500);
        Assert.That(mux.WaitForExit(0), Is.False);
        Assert.That(mux.Output, Does.Contain("got SIGHUP - ignored"));
    }

    [Test]
    public void A_second_instance_refuses_to_start_while_the_marker_exists()
    {
        using var mux = new MuxFixture(createMarker: true);
        Assert.That(mux.WaitForExit(5000), Is.True);
        Assert.That(mux.ExitCode, Is.EqualTo(1));
        Assert.That(mux.Output, Does.Contain("watchdog active - unable to restart watchdog-mux"));
        Assert.That(File.Exists(mux.Socket), Is.False);
    }

    [Test]
    public void A_non_root_peer_cannot_connect()
    {
        using var mux = new MuxFixture();
        mux.WaitReady();
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("setpriv",
        [
            "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/perl", "-MIO::Socket::UNIX", "-e",
            "IO::Socket::UNIX->new(Peer => $ARGV[0]) or do { print qq(refused: $!\\n); exit 3 }; print qq(connected\\n)", mux.Socket,
        ]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        string text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.EqualTo(3), text);
        Assert.That(text, Does.Contain("Permission denied"));
        Assert.That(mux.Output, Does.Not.Contain("added new client"));
    }

    [Test]
    public void Journal_entries_carry_the_identifier_priority_and_client_pid_and_readiness_is_notified()
    {
        string dir = Directory.CreateTempSubdirectory("wdmux-journal-").FullName;
        using var journal = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        journal.Bind(new UnixDomainSocketEndPoint(Path.Combine(dir, "journal")));
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(Path.Combine(dir, "notify")));
        using var mux = new MuxFixture(environment: new()
        {
            ["WATCHDOG_MUX_JOURNAL_SOCKET"] = Path.Combine(dir, "journal"), ["NOTIFY_SOCKET"] = Path.Combine(dir, "notify"),
        });
        var buffer = new byte[65536];
        notify.ReceiveTimeout = 20000;
        Assert.That(System.Text.Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer)), Is.EqualTo("READY=1"));

        using var client = Connect(mux);
        journal.ReceiveTimeout = 5000;
        string entry = "";
        for (int i = 0; i < 5 && !entry.Contains("added new client", StringComparison.Ordinal); i++)
            entry = System.Text.Encoding.UTF8.GetString(buffer, 0, journal.Receive(buffer));
        Assert.That(entry, Does.Contain("SYSLOG_IDENTIFIER=watchdog-mux\n"));
        Assert.That(entry, Does.Contain("PRIORITY=6\n"));
        Assert.That(entry, Does.Contain($"WATCHDOG_CLIENT_PID={Environment.ProcessId}\n"));
        Directory.Delete(dir, recursive: true);
    }
}

/// <summary>Goal: options and the client library reject misuse with clear messages.</summary>
public class OptionsAndClientTests
{
    [Test]
    public void Environment_sets_options_and_the_command_line_wins()
    {
        var env = new Dictionary<string, string> { ["WATCHDOG_MUX_CLIENT_TIMEOUT"] = "30", ["WATCHDOG_MUX_NO_IOCTL"] = "1" };
        var options = MuxOptions.Parse(["--client-timeout", "12", "--socket", "/tmp/x.sock"], k => env.GetValueOrDefault(k));
        Assert.That(options.ClientTimeoutSeconds, Is.EqualTo(12));
        Assert.That(options.ClientWarningSeconds, Is.EqualTo(10));
        Assert.That(options.NoIoctl, Is.True);
        Assert.That(options.SocketPath, Is.EqualTo("/tmp/x.sock"));
        Assert.That(options.DeviceTimeoutSeconds, Is.EqualTo(10));
    }

    [TestCase("--client-timeout", "0")]
    [TestCase("--device-timeout", "ten")]
    [TestCase("--bogus", "1")]
    public void Bad_options_are_refused_with_a_message(string option, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => MuxOptions.Parse([option, value], _ => null));
        Assert.That(e!.Message, Does.Contain(option));
    }

    [Test]
    public void A_missing_daemon_and_a_second_open_give_upstreams_messages()
    {
        var e = Assert.Throws<WatchdogClientException>(() => WatchdogClient.Open("/nonexistent/mux.sock"));
        Assert.That(e!.Message, Does.StartWith("unable to open watchdog socket - "));
    }
}
