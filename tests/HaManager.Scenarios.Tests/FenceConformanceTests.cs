using HaManager.TestSupport;
using HaManager.Core.Formats;

namespace HaManager.Scenarios.Tests;

/// <summary>
/// Goal: fence.cfg parsing and fence-command generation match upstream (crm-manager §12.3). Method: each
/// ../shared/conformance/pve-ha-manager/fence_cfgs/*.cfg is reported for node1..node3 and compared with
/// its .cfg.expect byte for byte.
/// </summary>
public class FenceConformanceTests
{
    public static IEnumerable<string> Cases() => RepoPaths.ConformanceFiles("fence_cfgs", "*.cfg");

    [TestCaseSource(nameof(Cases))]
    public void Fence_report_matches(string file)
    {
        string path = Path.Combine(RepoPaths.RequireConformance("fence_cfgs"), file);
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
