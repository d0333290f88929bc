using System.Diagnostics;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]


namespace HaManager.TestSupport;

/// <summary>
/// Real components the tests need, installed when missing: as root through apt-get (the test command
/// installs what it needs); otherwise the test is ignored with the exact apt-get line — and in CI
/// (<c>CI=true</c>) a missing component is a failure, never a skip.
/// </summary>
public static class Prerequisites
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, string?> Attempted = new(StringComparer.Ordinal);

    /// <summary>Tests that need root (network namespaces, containers): without it a failure in CI, else ignored.</summary>
    public static void RequireRoot(string why)
    {
        if (Environment.UserName == "root") return;
        string message = $"root is needed for {why}";
        if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail(message);
        Assert.Ignore(message);
    }

    /// <summary>Makes sure <paramref name="file"/> exists, installing Debian package <paramref name="package"/> if needed.</summary>
    public static void Require(string package, string file)
    {
        lock (Gate)
        {
            if (File.Exists(file)) return;
            if (!Attempted.TryGetValue(package, out var failure))
            {
                failure = Install(package);
                Attempted[package] = failure;
            }
            if (File.Exists(file)) return;
            string message = $"'{file}' is missing: run 'apt-get update && apt-get install -y {package}'" + (failure is null ? "" : $" ({failure})");
            if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail(message);
            Assert.Ignore(message);
        }
    }

    private static string? Install(string package)
    {
        if (Environment.UserName != "root") return "not root, so not installing it myself";
        // The package lists may be missing or old on a fresh machine: update once, then try again.
        if (AptGet($"install -y -q {package}").Code == 0) return null;
        AptGet("update -q");
        var (code, error) = AptGet($"install -y -q {package}");
        return code == 0 ? null : error;
    }

    private static (int Code, string Error) AptGet(string args)
    {
        var psi = new ProcessStartInfo("apt-get", args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        output.Wait();
        return (p.ExitCode, err.Trim().Split('\n').LastOrDefault() ?? "");
    }
}
