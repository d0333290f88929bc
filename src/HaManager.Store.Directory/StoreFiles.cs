using Mono.Unix.Native;

namespace HaManager.Store.Directory;

/// <summary>
/// Files of the store: atomic replacement (temp file, fsync, rename, fsync of the directory), so a
/// reader sees the old or the new content and a crash leaves no half-written file; and an exclusive
/// advisory lock between processes and threads (<c>flock</c>, which .NET takes for
/// <see cref="FileShare.None"/>), waited for with a deadline.
/// </summary>
public static class StoreFiles
{
    private static long _tempCounter;

    /// <summary>The file's text, or null when it does not exist.</summary>
    public static string? Read(string path)
    {
        try { return File.ReadAllText(path); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    /// <summary>Replaces the file atomically and durably.</summary>
    public static void Write(string path, string text)
    {
        string dir = Path.GetDirectoryName(path)!;
        System.IO.Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(path)}.tmp.{Environment.ProcessId}.{Interlocked.Increment(ref _tempCounter)}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(text);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        SyncDirectory(dir);
    }

    /// <summary>Makes a rename or removal in <paramref name="dir"/> durable.</summary>
    public static void SyncDirectory(string dir)
    {
        int fd = Syscall.open(dir, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (fd < 0) return;
        Syscall.fsync(fd);
        Syscall.close(fd);
    }

    /// <summary>Takes the exclusive lock of <paramref name="path"/> (created if missing), waiting at most
    /// <paramref name="timeout"/>; throws <see cref="TimeoutException"/> after that.</summary>
    public static IDisposable Lock(string path, TimeSpan timeout)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + timeout;
        for (int wait = 1; ; wait = Math.Min(wait * 2, 50))
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(wait);
            }
            catch (IOException e)
            {
                throw new TimeoutException($"'{path}' stayed locked for {timeout.TotalSeconds:0.#} s ({e.Message})");
            }
        }
    }
}
