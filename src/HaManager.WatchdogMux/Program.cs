using System.Diagnostics;
using System.Runtime.InteropServices;
using HaManager.WatchdogMux;

MuxOptions options;
try
{
    if (args.Contains("--help") || args.Contains("-h"))
    {
        Console.Out.WriteLine(MuxOptions.Usage);
        return 0;
    }
    options = MuxOptions.Parse(args, Environment.GetEnvironmentVariable);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"watchdog-mux: {e.Message}");
    Console.Error.WriteLine(MuxOptions.Usage);
    return 2;
}

using var log = new JournalLog("watchdog-mux", options.JournalSocket, Console.Error);

if (Directory.Exists(options.ActiveMarkerPath))
{
    log.Write(3, "watchdog active - unable to restart watchdog-mux");
    return 1;
}

// Before the device is armed: a live instance's socket is never replaced, and nothing but a socket deleted.
if (SocketPathGuard.Check(options.SocketPath) is { } refusal)
{
    log.Write(3, refusal);
    return 1;
}

if (!options.NoIoctl && !File.Exists(options.DevicePath))
{
    string module = options.WatchdogModule ?? "softdog";
    if (options.WatchdogModule is not null) log.Write(6, $"Loading watchdog module '{module}'");
    try
    {
        using var modprobe = Process.Start(new ProcessStartInfo("modprobe", ["-q", module]) { UseShellExecute = false });
        modprobe?.WaitForExit();
    }
    catch (System.ComponentModel.Win32Exception e)
    {
        log.Write(3, $"assemble modprobe command failed: {e.Message}");
    }
}

IWatchdogDevice device;
try
{
    device = options.NoIoctl ? new PlainDevice(options.DevicePath) : new LinuxWatchdogDevice(options.DevicePath);
}
catch (Exception e) when (e is DeviceException or IOException or UnauthorizedAccessException)
{
    log.Write(3, e is DeviceException ? e.Message : $"watchdog open: {e.Message}");
    return 1;
}

try
{
    device.SetTimeout(options.DeviceTimeoutSeconds);
    var (identity, firmware) = device.GetSupport();
    log.Write(6, $"Watchdog driver '{identity}', version {firmware:x}");
}
catch (DeviceException e)
{
    log.Write(3, e.Message);
    try { device.MagicClose(); }
    catch (DeviceException) { }
    return 1;
}

var mux = new Multiplexer(options, device, log);
try
{
    mux.Listen();
}
catch (DeviceException e)
{
    // The device is armed: exiting without magic close lets it reset the node, as upstream does.
    log.Write(3, e.Message);
    device.CloseArmed();
    return 1;
}

using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerminate);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnTerminate);
using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
{
    context.Cancel = true;
    log.Write(6, "got SIGHUP - ignored");
});

SdNotify.Notify("READY=1");
return mux.Run();

void OnTerminate(PosixSignalContext context)
{
    context.Cancel = true;
    mux.RequestTermination();
}
