using System.Text.RegularExpressions;

namespace HaManager.Core.Tests;

/// <summary>
/// Goal: HaManager.Core stays deterministic — no clock, randomness, threads, sleeps or I/O of its own,
/// and no package references. Method: scan its sources for banned APIs (comments excluded).
/// </summary>
public partial class TidyTests
{
    private static readonly (string Name, Regex Pattern)[] Banned =
    [
        ("DateTime.Now/UtcNow/Today", new(@"\bDateTime(Offset)?\s*\.\s*(Now|UtcNow|Today)\b")),
        ("Stopwatch", new(@"\bStopwatch\b")),
        ("Random", new(@"\bnew\s+Random\b|\bRandom\s*\.\s*Shared\b|\bRandomNumberGenerator\b")),
        ("Guid.NewGuid", new(@"\bGuid\s*\.\s*NewGuid\b")),
        ("System.Environment", new(@"(?<![\w.])Environment\s*\.\s*(?!Log|Types)[A-Z]|\bSystem\.Environment\b")),
        ("File/Directory I/O", new(@"\b(File|Directory|FileStream|StreamReader|StreamWriter)\s*\.\s*[A-Z]|\bnew\s+(FileStream|StreamReader|StreamWriter)\b")),
        ("Thread/Task timing", new(@"\bThread\s*\.\s*Sleep\b|\bTask\s*\.\s*(Delay|Run)\b|\bnew\s+Thread\b|\bTimer\b")),
        ("sockets/network", new(@"\b(Socket|HttpClient|TcpClient|UdpClient)\b")),
        ("Console", new(@"\bConsole\s*\.")),
        ("Process", new(@"\bProcess\s*\.\s*(Start|GetCurrentProcess)\b")),
        ("Environment.TickCount", new(@"\bTickCount(64)?\b")),
    ];

    [GeneratedRegex(@"//.*$|/\*.*?\*/", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Comments();

    private static string CoreDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "HaManager.sln"))) return Path.Combine(dir.FullName, "src", "HaManager.Core");
        throw new InvalidOperationException("repository root not found");
    }

    /// <summary>The banned APIs used by one source text.</summary>
    public static IEnumerable<string> Violations(string source)
    {
        string code = Comments().Replace(source, "");
        return Banned.Where(b => b.Pattern.IsMatch(code)).Select(b => b.Name);
    }

    [Test]
    public void Core_uses_no_nondeterministic_api()
    {
        var found = Directory.EnumerateFiles(CoreDir(), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => Violations(File.ReadAllText(f)).Select(v => $"{Path.GetFileName(f)}: {v}"))
            .ToList();
        Assert.That(found, Is.Empty);
    }

    [Test]
    public void Core_has_no_package_references() =>
        Assert.That(File.ReadAllText(Path.Combine(CoreDir(), "HaManager.Core.csproj")), Does.Not.Contain("PackageReference"));

    [TestCase("var t = DateTime.UtcNow;", "DateTime.Now/UtcNow/Today")]
    [TestCase("var r = new Random(4);", "Random")]
    [TestCase("Thread.Sleep(10);", "Thread/Task timing")]
    [TestCase("File.ReadAllText(p);", "File/Directory I/O")]
    [TestCase("var h = System.Environment.MachineName;", "System.Environment")]
    public void The_scanner_finds_a_banned_call(string source, string expected) =>
        Assert.That(Violations(source), Does.Contain(expected));

    [Test]
    public void The_scanner_ignores_comments_and_our_environment_namespace() =>
        Assert.That(Violations("using HaManager.Core.Environment;\n// DateTime.Now is banned\nenv.Log(x);"), Is.Empty);
}
