using System.Diagnostics;
using System.Net.Sockets;

namespace HaManager.WatchdogMux.Tests;

/// <summary>
/// Goal: watchdog-mux refuses bad settings before it arms the device — with a clear message, exit code
/// 2 for a bad command line and 1 for a refused start — and never deletes or replaces what it does not
/// own: another live instance's socket, or a file that is not a socket. A FIFO device nobody reads is
/// refused instead of hanging. Method: the real executable in a scratch folder, checked before/after.
/// </summary>
public class MuxBadInputTests
{
    private string _dir = "";

    [SetUp]
    public void CreateScratch() => _dir = Directory.CreateTempSubdirectory("wdmux-bad-").FullName;

    [TearDown]
    public void RemoveScratch() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Err) Mux(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(MuxFixture.MuxDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["WATCHDOG_MUX_JOURNAL_SOCKET"] = Path.Combine(_dir, "no-journal");
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(20_000))
        {
            p.Kill();
            Assert.Fail("watchdog-mux hung instead of refusing: " + err.Result);
        }
        string all = err.Result + output.Result;
        Assert.That(all, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(all, Does.Not.Contain("Exception"), "no exception name");
        return (p.ExitCode, all);
    }

    private string[] Paths(string socket = "mux.sock", string device = "dev") =>
        ["--no-ioctl", "--socket", Path.Combine(_dir, socket), "--device", Path.Combine(_dir, device),
         "--active-marker", Path.Combine(_dir, "active")];

    [TestCase(new[] { "--socket", "" }, "--socket needs a path, got an empty one")]
    [TestCase(new[] { "--device", "" }, "--device needs a path, got an empty one")]
    [TestCase(new[] { "--active-marker", " " }, "--active-marker needs a path")]
    [TestCase(new[] { "--socket", "/tmp/dir/" }, "names a directory, not a file")]
    [TestCase(new[] { "--client-timeout", "0" }, "invalid value '0' for --client-timeout")]
    [TestCase(new[] { "--client-timeout", "99999999999" }, "invalid value '99999999999' for --client-timeout")]
    [TestCase(new[] { "--device-timeout", "ten" }, "invalid value 'ten' for --device-timeout")]
    [TestCase(new[] { "--bogus" }, "unknown option '--bogus'")]
    [TestCase(new[] { "--socket" }, "option --socket needs a value")]
    public void Bad_command_lines_exit_2(string[] args, string expected)
    {
        var (code, err) = Mux(args);
        Assert.That(code, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain(expected));
        Assert.That(Directory.EnumerateFileSystemEntries(_dir), Is.Empty, "nothing written");
    }

    [Test]
    public void An_overlong_socket_path_exits_2()
    {
        var (code, err) = Mux("--socket", "/tmp/" + new string('s', 120));
        Assert.That(code, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("--socket: the path is 125 bytes long, at most 107 fit"));
    }

    [Test]
    public void A_bad_environment_value_exits_2()
    {
        var psi = new ProcessStartInfo("dotnet", [MuxFixture.MuxDll]) { RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["WATCHDOG_MUX_CLIENT_TIMEOUT"] = "-5";
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.EqualTo(2));
        Assert.That(err, Does.Contain("invalid value '-5' for WATCHDOG_MUX_CLIENT_TIMEOUT"));
    }

    [Test]
    public void A_fifo_device_without_a_reader_is_refused_instead_of_hanging()
    {
        MuxFixture.Run("mkfifo", Path.Combine(_dir, "dev"));
        var (code, err) = Mux(Paths());
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain("is a FIFO without a reader"));
        Assert.That(File.Exists(Path.Combine(_dir, "mux.sock")), Is.False);
    }

    [Test]
    public void A_file_at_the_socket_path_that_is_not_a_socket_is_never_deleted()
    {
        File.WriteAllText(Path.Combine(_dir, "mux.sock"), "precious");
        File.WriteAllText(Path.Combine(_dir, "dev"), "");
        var (code, err) = Mux(Paths());
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain("exists and is not a socket - refusing to delete it"));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "mux.sock")), Is.EqualTo("precious"));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "dev")), Is.Empty, "the device was never written");
    }

    [Test]
    public void A_socket_another_live_instance_listens_on_is_never_replaced()
    {
        string path = Path.Combine(_dir, "mux.sock");
        using var other = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        other.Bind(new UnixDomainSocketEndPoint(path));
        other.Listen(1);
        File.WriteAllText(Path.Combine(_dir, "dev"), "");
        var (code, err) = Mux(Paths());
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain("another watchdog-mux is listening on"));
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        Assert.DoesNotThrow(() => probe.Connect(new UnixDomainSocketEndPoint(path)), "the other instance's socket still answers");
        Assert.That(File.ReadAllText(Path.Combine(_dir, "dev")), Is.Empty, "the device was never written");
    }

    [Test]
    public void A_socket_directory_that_does_not_exist_is_refused()
    {
        File.WriteAllText(Path.Combine(_dir, "dev"), "");
        var (code, err) = Mux(Paths(socket: "missing/mux.sock"));
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain("does not exist"));
    }

    [Test]
    public void A_missing_device_is_refused_with_its_path()
    {
        var (code, err) = Mux(Paths(device: "nope"));
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain("nope"));
    }
}
