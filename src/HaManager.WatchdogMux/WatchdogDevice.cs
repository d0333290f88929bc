using System.Runtime.InteropServices;
using System.Text;

namespace HaManager.WatchdogMux;

/// <summary>Failure of a device operation, with upstream's message context (e.g. <c>watchdog open</c>).</summary>
public sealed class DeviceException(string context, string error) : Exception($"{context}: {error}");

/// <summary>The watchdog device the multiplexer feeds (platform §6.2).</summary>
public interface IWatchdogDevice : IDisposable
{
    /// <summary>Sets the reset timeout; returns the one the driver actually set.</summary>
    int SetTimeout(int seconds);

    /// <summary>The driver's identity and firmware version.</summary>
    (string Identity, uint FirmwareVersion) GetSupport();

    /// <summary>Pings the device.</summary>
    void KeepAlive();

    /// <summary>Writes <c>V</c> and closes: disarms drivers that support magic close.</summary>
    void MagicClose();

    /// <summary>Closes without <c>V</c>: the countdown keeps running and the node resets.</summary>
    void CloseArmed();
}

/// <summary>A real watchdog device driven with <c>WDIOC_*</c> ioctls.</summary>
public sealed unsafe class LinuxWatchdogDevice : IWatchdogDevice
{
    private const nuint WdiocGetSupport = 0x80285700;
    private const nuint WdiocKeepAlive = 0x80045705;
    private const nuint WdiocSetTimeout = 0xC0045706;

    [StructLayout(LayoutKind.Sequential)]
    private struct WatchdogInfo
    {
        public uint Options;
        public uint FirmwareVersion;
        public fixed byte Identity[32];
    }

    private int _fd;

    /// <summary>Opens (and so arms) the device write-only.</summary>
    public LinuxWatchdogDevice(string path)
    {
        _fd = Libc.open(path, Libc.O_WRONLY | Libc.O_CLOEXEC);
        if (_fd < 0) throw new DeviceException("watchdog open", Libc.LastError());
    }

    /// <inheritdoc/>
    public int SetTimeout(int seconds)
    {
        int value = seconds;
        if (Libc.ioctl(_fd, WdiocSetTimeout, &value) < 0) throw new DeviceException("watchdog set timeout", Libc.LastError());
        return value;
    }

    /// <inheritdoc/>
    public (string Identity, uint FirmwareVersion) GetSupport()
    {
        WatchdogInfo info;
        if (Libc.ioctl(_fd, WdiocGetSupport, &info) < 0) throw new DeviceException("read watchdog info", Libc.LastError());
        var identity = new ReadOnlySpan<byte>(info.Identity, 32);
        int end = identity.IndexOf((byte)0);
        return (Encoding.ASCII.GetString(end < 0 ? identity[..31] : identity[..end]), info.FirmwareVersion);
    }

    /// <inheritdoc/>
    public void KeepAlive()
    {
        int dummy = 0;
        if (Libc.ioctl(_fd, WdiocKeepAlive, &dummy) < 0) throw new DeviceException("watchdog update failed", Libc.LastError());
    }

    /// <inheritdoc/>
    public void MagicClose()
    {
        byte v = (byte)'V';
        if (Libc.write(_fd, &v, 1) != 1) throw new DeviceException("write magic watchdog close", Libc.LastError());
        CloseArmed();
    }

    /// <inheritdoc/>
    public void CloseArmed()
    {
        if (_fd < 0) return;
        int rc = Libc.close(_fd);
        _fd = -1;
        if (rc < 0) throw new DeviceException("close watchdog fd", Libc.LastError());
    }

    /// <inheritdoc/>
    public void Dispose() => CloseArmed();
}

/// <summary>
/// <c>--no-ioctl</c>: the device is a plain file or FIFO, for tests and local multi-node demos. A keep-alive
/// is one written byte (<c>\0</c>), magic close writes <c>V</c>; the timeout and identity ioctls are skipped.
/// </summary>
public sealed class PlainDevice : IWatchdogDevice
{
    private FileStream? _stream;

    /// <summary>Opens the file or FIFO for writing. A FIFO nobody reads is refused at once: opening it
    /// would block for ever, and keep-alives nobody reads protect nothing.</summary>
    public PlainDevice(string path)
    {
        int fd = Libc.open(path, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC | Libc.O_NOCTTY);
        if (fd < 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            throw errno == Libc.ENXIO
                ? new DeviceException("watchdog open", $"'{path}' is a FIFO without a reader")
                : new DeviceException("watchdog open", $"'{path}': {Libc.LastError()}");
        }
        // Keep this descriptor (reopening could block if the reader let go meanwhile), but make writes
        // blocking again, as on a real device.
        int flags = Libc.fcntl(fd, Libc.F_GETFL, 0);
        if (flags < 0 || Libc.fcntl(fd, Libc.F_SETFL, flags & ~Libc.O_NONBLOCK) < 0)
        {
            string error = Libc.LastError();
            Libc.close(fd);
            throw new DeviceException("watchdog open", $"'{path}': {error}");
        }
        _stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
    }

    /// <inheritdoc/>
    public int SetTimeout(int seconds) => seconds;

    /// <inheritdoc/>
    public (string Identity, uint FirmwareVersion) GetSupport() => ("plain file (--no-ioctl)", 0);

    /// <inheritdoc/>
    public void KeepAlive() => Write(0, "watchdog update failed");

    /// <inheritdoc/>
    public void MagicClose()
    {
        Write((byte)'V', "write magic watchdog close");
        CloseArmed();
    }

    private void Write(byte value, string context)
    {
        try
        {
            _stream?.WriteByte(value);
            _stream?.Flush();
        }
        catch (IOException e)
        {
            throw new DeviceException(context, e.Message);
        }
    }

    /// <inheritdoc/>
    public void CloseArmed()
    {
        _stream?.Dispose();
        _stream = null;
    }

    /// <inheritdoc/>
    public void Dispose() => CloseArmed();
}
