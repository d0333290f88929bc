using HaManager.Core.Formats;

namespace HaManager.Scenarios.Tests;

/// <summary>
/// Goal: fence.cfg parsing and fence-command generation match upstream (crm-manager §12.3). Method: each
/// ../shared/conformance/pve-ha-manager/fence_cfgs/*.cfg is reported for node1..node3 and compared with
/// its .cfg.expect byte for byte.
/// </summary>
public class FenceConformanceTests
{
    private static string Dir => Path.Combine(RepoPaths.Conformance, "fence_cfgs");

    public static IEnumerable<string> Cases() => Directory.Exists(Dir)
        ? Directory.EnumerateFiles(Dir, "*.cfg").Select(Path.GetFileName).Order(StringComparer.Ordinal)!
        : ["(no conformance data)"];

    [TestCaseSource(nameof(Cases))]
    public void Fence_report_matches(string file)
    {
        if (!Directory.Exists(Dir)) Assert.Ignore($"no conformance data at {Dir}");
        string path = Path.Combine(Dir, file);
        Assert.That(FenceConfig.Report(File.ReadAllText(path), $"fence_cfgs/{file}"), Is.EqualTo(File.ReadAllText(path + ".expect")));
    }

    [TestCase("", "''")]
    [TestCase("plain-word_1.2:3", "plain-word_1.2:3")]
    [TestCase("a=b", "'a=b'")]
    [TestCase("it's", "'it'\\''s'")]
    [TestCase("x''y", "'x'\"''\"'y'")]
    [TestCase("'lead", "\\''lead'")]
    public void Shell_quoting_follows_string_shellquote(string word, string expected) =>
        Assert.That(FenceConfig.ShellQuote(word), Is.EqualTo(expected));
}
