namespace HaManager.TestSupport;

/// <summary>Finds the repository and the shared conformance data from the test's output directory.</summary>
internal static class RepoPaths
{
    /// <summary>The directory holding HaManager.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Our own scenarios.</summary>
    public static string OwnScenarios => Path.Combine(Root, "tests", "scenarios");

    /// <summary>The upstream scenario directories: <c>$HAMANAGER_CONFORMANCE_DIR</c>, else
    /// <c>../shared/conformance/pve-ha-manager</c> next to the repository. May not exist.</summary>
    public static string Conformance =>
        System.Environment.GetEnvironmentVariable("HAMANAGER_CONFORMANCE_DIR") is { Length: > 0 } dir
            ? dir
            : Path.GetFullPath(Path.Combine(Root, "..", "shared", "conformance", "pve-ha-manager"));

    /// <summary>File names matching <paramref name="pattern"/> in a conformance sub-directory, ordinal; a
    /// single placeholder case when the data is absent (the test then marks itself ignored).</summary>
    public static IEnumerable<string> ConformanceFiles(string subdirectory, string pattern)
    {
        string dir = Path.Combine(Conformance, subdirectory);
        return Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, pattern).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)
            : ["(no conformance data)"];
    }

    /// <summary>The path of a conformance sub-directory. When it is absent the calling test is ignored on a
    /// developer's machine and fails in CI (<c>CI=true</c>), where a missing component is never a skip.</summary>
    public static string RequireConformance(string subdirectory)
    {
        string dir = Path.Combine(Conformance, subdirectory);
        if (!Directory.Exists(dir)) MissingConformance(dir);
        return dir;
    }

    /// <summary>Reports absent conformance data: ignore locally, fail in CI.</summary>
    public static void MissingConformance(string dir)
    {
        string message = $"no conformance data at {dir} (../shared must sit next to the repository)";
        if (System.Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail(message);
        Assert.Ignore(message);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "HaManager.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (HaManager.sln) above " + AppContext.BaseDirectory);
    }
}
