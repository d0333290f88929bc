namespace HaManager.Scenarios.Tests;

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

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "HaManager.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (HaManager.sln) above " + AppContext.BaseDirectory);
    }
}
