using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace HaManager.WatchdogMux.Tests;

/// <summary>A watchdog-mux process on a FIFO device in a private directory, with the device bytes and
/// the daemon's output recorded with their times.</summary>
internal sealed class MuxFixture : IDisposable
{
    private readonly Process _process;
    private readonly List<(long Ms, byte Value)> _deviceBytes = [];
    private readonly StringBuilder _output = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Thread _reader;
    private readonly Socket? _notify;

    public string Dir { get; }
    public string Socket => Path.Combine(Dir, "mux.sock");
    public string Fifo => Path.Combine(Dir, "watchdog");
    public string Marker => Path.Combine(Dir, "active");
    public string PostMortem => Path.Combine(Dir, "post-mortem", "watchdog-mux");
    public string ClientRecord => Path.Combine(Dir, "clients");

    public static string MuxDll => Path.Combine(AppContext.BaseDirectory, "watchdog-mux.dll");

    public MuxFixture(int clientTimeout = 3, Dictionary<string, string>? environment = null, bool createMarker = false)
    {
        Dir = Directory.CreateTempSubdirectory("wdmux-").FullName;
        // World-traversable, like /run: access to the socket itself is what must be refused.
        File.SetUnixFileMode(Dir, (UnixFileMode)0b111_101_101);
        Run("mkfifo", Fifo);
        if (createMarker) Directory.CreateDirectory(Marker);
        _reader = new Thread(ReadDevice) { IsBackground = true };
        _reader.Start();

        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (var a in new[] { MuxDll, "--no-ioctl", "--device", Fifo, "--socket", Socket, "--active-marker", Marker,
                     "--post-mortem", PostMortem, "--client-record", ClientRecord, "--client-timeout", clientTimeout.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        psi.Environment["WATCHDOG_MUX_JOURNAL_SOCKET"] = Path.Combine(Dir, "no-journal");
        // Readiness as systemd sees it: the daemon sends READY=1 once it listens. A test that wants to
        // watch the notification itself passes its own NOTIFY_SOCKET and waits on it.
        if (environment?.ContainsKey("NOTIFY_SOCKET") != true)
        {
            _notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            _notify.Bind(new UnixDomainSocketEndPoint(Path.Combine(Dir, "notify")));
            psi.Environment["NOTIFY_SOCKET"] = Path.Combine(Dir, "notify");
        }
        foreach (var (k, v) in environment ?? []) psi.Environment[k] = v;
        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public static void Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { UseShellExecute = false })!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} failed with {p.ExitCode}");
    }

    private void ReadDevice()
    {
        try
        {
            // Blocks until the daemon opens the FIFO for writing; ends at its close.
            using var fifo = new FileStream(Fifo, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            int b;
            while ((b = fifo.ReadByte()) >= 0)
                lock (_deviceBytes) _deviceBytes.Add((_clock.ElapsedMilliseconds, (byte)b));
        }
        catch (IOException)
        {
        }
    }

    public long NowMs => _clock.ElapsedMilliseconds;

    public List<(long Ms, byte Value)> DeviceBytes()
    {
        lock (_deviceBytes) return [.. _deviceBytes];
    }

    public int KeepAlivesBetween(long fromMs, long toMs) =>
        DeviceBytes().Count(b => b.Value == 0 && b.Ms >= fromMs && b.Ms < toMs);

    public long LastKeepAliveMs => DeviceBytes().Where(b => b.Value == 0).Select(b => b.Ms).DefaultIfEmpty(-1).Max();

    public bool WroteMagicClose => DeviceBytes().Any(b => b.Value == (byte)'V');

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public bool WaitForExit(int ms) => _process.WaitForExit(ms);

    public int ExitCode => _process.ExitCode;

    public int Pid => _process.Id;

    /// <summary>Waits until the daemon says it is ready (sd_notify READY=1, sent once it listens); fails
    /// the test if it exits or stays silent for 20 s.</summary>
    public void WaitReady()
    {
        if (_notify is null) throw new InvalidOperationException("the test owns NOTIFY_SOCKET: wait for READY=1 there");
        var buffer = new byte[4096];
        var deadline = NowMs + 20_000;
        while (NowMs < deadline && !_process.HasExited)
        {
            if (!_notify.Poll(200_000, SelectMode.SelectRead)) continue;
            string message = Encoding.UTF8.GetString(buffer, 0, _notify.Receive(buffer));
            if (message.Split('\n').Contains("READY=1")) return;
        }
        Assert.Fail("watchdog-mux did not become ready: " + Output);
    }

    public void Signal(string name) => Run("kill", "-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
        _notify?.Dispose();
        try { Directory.Delete(Dir, recursive: true); }
        catch (IOException) { }
    }
}
