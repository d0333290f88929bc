namespace HaManager.Packaging.Tests;

/// <summary>
/// One <c>dpkg-buildpackage -us -uc -b</c> of the tree as it is (tracked and new files, no build output), on a
/// copy, niced so the timing-sensitive tests running beside it keep their CPU; shared by the package checks
/// and the container cluster, removed when the assembly's tests end.
/// </summary>
internal static class PackageBuild
{
    private static readonly Lazy<(string Work, string Deb, Repo.Result Build)> Built = new(Run);

    /// <summary>The build's working directory (the copy of the tree is its <c>hamanager</c> subdirectory).</summary>
    public static string Work => Built.Value.Work;

    /// <summary>The .deb written, or empty when the build failed.</summary>
    public static string Deb => Built.Value.Deb;

    /// <summary>The build's exit code and output.</summary>
    public static Repo.Result Result => Built.Value.Build;

    private static (string, string, Repo.Result) Run()
    {
        // A developer iterating on the container cluster may point at a package built before (never CI).
        if (Environment.GetEnvironmentVariable("HAMANAGER_TEST_DEB") is { Length: > 0 } prebuilt && File.Exists(prebuilt)
            && Environment.GetEnvironmentVariable("CI") != "true")
        {
            string copy = Directory.CreateTempSubdirectory("hamanager-deb-").FullName;
            File.Copy(prebuilt, Path.Combine(copy, Path.GetFileName(prebuilt)));
            return (copy, Path.Combine(copy, Path.GetFileName(prebuilt)), new Repo.Result(0, "", ""));
        }
        Prerequisites.Require("debhelper", "/usr/bin/dh");
        Prerequisites.Require("lintian", "/usr/bin/lintian");
        string work = Directory.CreateTempSubdirectory("hamanager-deb-").FullName;
        string src = Path.Combine(work, "hamanager");
        var files = Repo.Run("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"]).Out.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        foreach (var file in files)
        {
            string from = Path.Combine(Repo.Root, file), to = Path.Combine(src, file);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            var info = new FileInfo(from);
            if (info.LinkTarget is { } target) File.CreateSymbolicLink(to, target);
            else if (info.Exists) File.Copy(from, to);
        }
        var build = Repo.Run("nice", ["-n", "19", "dpkg-buildpackage", "-us", "-uc", "-b"], src, timeout: TimeSpan.FromMinutes(10));
        string deb = Directory.EnumerateFiles(work, "hamanager_*_amd64.deb").SingleOrDefault() ?? "";
        return (work, deb, build);
    }

    /// <summary>Removes the build, if one ran.</summary>
    public static void Clean()
    {
        if (Built.IsValueCreated && Directory.Exists(Built.Value.Work)) Directory.Delete(Built.Value.Work, recursive: true);
    }
}

/// <summary>Runs after every test of this assembly: the shared build goes.</summary>
[SetUpFixture]
public sealed class PackagingRun
{
    [OneTimeTearDown]
    public void Clean() => PackageBuild.Clean();
}
