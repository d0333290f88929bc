using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace HaManager.Core.Tests;

/// <summary>
/// Goal: HaManager.Core stays deterministic — no clock, randomness, threads, sleeps or I/O of its own.
/// Method: read the compiled assembly's metadata and check every referenced assembly, type and member
/// against an allow-list (what is not listed fails, so a new API needs a decision here). A test compiles
/// planted snippets with each banned API and expects the checker to name it.
/// </summary>
public class TidyTests
{
    private static readonly HashSet<string> AllowedAssemblies =
    [
        "System.Runtime", "System.Collections", "System.Linq", "System.Memory", "System.Runtime.InteropServices",
        "System.Runtime.Numerics", "System.Security.Cryptography", "System.Text.Json", "System.Text.RegularExpressions",
        "Stateless",
    ];

    /// <summary>Whole namespaces the core may use: collections, LINQ, text, JSON on memory, compiler glue.</summary>
    private static readonly string[] AllowedNamespaces =
    [
        "System.Collections", "System.Collections.Generic", "System.Linq", "System.Text.RegularExpressions",
        "System.Text.Json", "System.Runtime.CompilerServices", "System.Diagnostics.CodeAnalysis", "System.Globalization",
        "Stateless", "Stateless.Graph", "Stateless.Reflection",
    ];

    /// <summary>Single types outside those namespaces: values, strings, math, in-memory buffers, a digest,
    /// attributes the compiler emits.</summary>
    private static readonly HashSet<string> AllowedTypes =
    [
        "System.Action", "System.Action`1", "System.Action`2", "System.Func`1", "System.Func`2", "System.Func`3",
        "System.Func`4", "System.Predicate`1", "System.Comparison`1",
        "System.Object", "System.ValueType", "System.Enum", "System.String", "System.Char", "System.Boolean", "System.Byte",
        "System.Int32", "System.Int64", "System.UInt32", "System.UInt64", "System.Double", "System.Decimal", "System.Nullable`1",
        "System.ValueTuple`2", "System.ValueTuple`3", "System.ValueTuple`4", "System.TimeSpan", "System.Math",
        "System.Array", "System.Span`1", "System.ReadOnlySpan`1", "System.MemoryExtensions", "System.BitConverter",
        "System.Convert", "System.StringComparer", "System.StringComparison", "System.StringSplitOptions", "System.Type",
        "System.RuntimeTypeHandle", "System.RuntimeFieldHandle", "System.IDisposable", "System.IEquatable`1",
        "System.IComparable`1", "System.IFormatProvider", "System.Uri", "System.Numerics.BigInteger",
        "System.Exception", "System.ArgumentException", "System.FormatException", "System.InvalidOperationException",
        "System.IndexOutOfRangeException", "System.NotSupportedException", "System.ObsoleteAttribute",
        "System.Text.StringBuilder", "System.Text.Encoding", "System.IO.MemoryStream", "System.IO.Stream",
        "System.Buffers.SearchValues", "System.Buffers.SearchValues`1", "System.Security.Cryptography.SHA1",
        "System.Runtime.InteropServices.CollectionsMarshal", "System.Runtime.InteropServices.InAttribute",
        "System.CodeDom.Compiler.GeneratedCodeAttribute", "System.Diagnostics.DebuggableAttribute",
        "System.Diagnostics.DebuggableAttribute+DebuggingModes", "System.Diagnostics.DebuggerBrowsableAttribute",
        "System.Diagnostics.DebuggerBrowsableState", "System.Diagnostics.DebuggerHiddenAttribute",
        "System.Diagnostics.DebuggerDisplayAttribute", "System.Diagnostics.DebuggerNonUserCodeAttribute",
        "System.Reflection.AssemblyCompanyAttribute", "System.Reflection.AssemblyConfigurationAttribute",
        "System.Reflection.AssemblyFileVersionAttribute", "System.Reflection.AssemblyInformationalVersionAttribute",
        "System.Reflection.AssemblyProductAttribute", "System.Reflection.AssemblyTitleAttribute",
        "System.Reflection.DefaultMemberAttribute", "System.Reflection.MemberInfo",
        "System.Runtime.Versioning.TargetFrameworkAttribute", "System.AttributeUsageAttribute", "System.Attribute",
        "System.AttributeTargets", "System.FlagsAttribute",
    ];

    /// <summary>Members of allowed types that still reach the outside world.</summary>
    private static readonly HashSet<string> DeniedMembers =
    [
        "System.Type::GetType", "System.Type::InvokeMember", "System.Type::GetMethod", "System.Type::GetProperty",
        "System.Type::GetField",
    ];

    /// <summary>Everything an assembly references that the core may not use.</summary>
    public static List<string> Violations(Stream assembly)
    {
        using var pe = new PEReader(assembly);
        var md = pe.GetMetadataReader();
        var found = new List<string>();
        foreach (var h in md.AssemblyReferences)
        {
            string name = md.GetString(md.GetAssemblyReference(h).Name);
            if (!AllowedAssemblies.Contains(name) && name != "System.Private.CoreLib" && name != "netstandard")
                found.Add($"assembly {name}");
        }
        foreach (var h in md.TypeReferences)
        {
            string type = TypeName(md, h);
            string ns = TypeNamespace(md, h);
            if (!AllowedTypes.Contains(type) && !AllowedNamespaces.Contains(ns)) found.Add($"type {type}");
        }
        foreach (var h in md.MemberReferences)
        {
            var member = md.GetMemberReference(h);
            if (member.Parent.Kind != HandleKind.TypeReference) continue;
            string type = TypeName(md, (TypeReferenceHandle)member.Parent);
            string name = md.GetString(member.Name);
            if (DeniedMembers.Contains($"{type}::{name}")
                || (type.StartsWith("Stateless.", StringComparison.Ordinal) && name.EndsWith("Async", StringComparison.Ordinal)))
                found.Add($"member {type}::{name}");
        }
        return found.Distinct().Order(StringComparer.Ordinal).ToList();
    }

    private static string TypeName(MetadataReader md, TypeReferenceHandle h)
    {
        var t = md.GetTypeReference(h);
        if (t.ResolutionScope.Kind == HandleKind.TypeReference)
            return TypeName(md, (TypeReferenceHandle)t.ResolutionScope) + "+" + md.GetString(t.Name);
        string ns = md.GetString(t.Namespace);
        return ns.Length == 0 ? md.GetString(t.Name) : $"{ns}.{md.GetString(t.Name)}";
    }

    private static string TypeNamespace(MetadataReader md, TypeReferenceHandle h)
    {
        var t = md.GetTypeReference(h);
        return t.ResolutionScope.Kind == HandleKind.TypeReference
            ? TypeNamespace(md, (TypeReferenceHandle)t.ResolutionScope)
            : md.GetString(t.Namespace);
    }

    [Test]
    public void Core_uses_only_allowed_assemblies_types_and_members()
    {
        using var dll = File.OpenRead(typeof(SafetyBudget).Assembly.Location);
        Assert.That(Violations(dll), Is.Empty);
    }

    [Test]
    public void Core_references_no_package_but_stateless()
    {
        string csproj = File.ReadAllText(Path.Combine(RepoRoot(), "src", "HaManager.Core", "HaManager.Core.csproj"));
        var packages = System.Text.RegularExpressions.Regex.Matches(csproj, "PackageReference Include=\"([^\"]+)\"")
            .Select(m => m.Groups[1].Value);
        Assert.That(packages, Is.EquivalentTo(new[] { "Stateless" }));
    }

    [TestCase("var t = System.TimeProvider.System.GetUtcNow();", "type System.TimeProvider")]
    [TestCase("int h = System.HashCode.Combine(1, 2);", "type System.HashCode")]
    [TestCase("System.Threading.Tasks.Parallel.For(0, 2, _ => { });", "type System.Threading.Tasks.Parallel")]
    [TestCase("System.Threading.ThreadPool.QueueUserWorkItem(_ => { });", "type System.Threading.ThreadPool")]
    [TestCase("System.Threading.Tasks.Task.Factory.StartNew(() => { });", "type System.Threading.Tasks.TaskFactory")]
    [TestCase("var p = System.IO.Path.GetTempPath();", "type System.IO.Path")]
    [TestCase("var d = System.AppContext.BaseDirectory;", "type System.AppContext")]
    [TestCase("var t = System.DateTime.UtcNow;", "type System.DateTime")]
    [TestCase("var r = new System.Random(4).Next();", "type System.Random")]
    [TestCase("System.Threading.Thread.Sleep(10);", "type System.Threading.Thread")]
    [TestCase("var s = System.IO.File.ReadAllText(\"x\");", "type System.IO.File")]
    [TestCase("var h = System.Environment.MachineName;", "type System.Environment")]
    [TestCase("var w = System.Diagnostics.Stopwatch.StartNew();", "type System.Diagnostics.Stopwatch")]
    [TestCase("System.Console.WriteLine();", "type System.Console")]
    [TestCase("var g = System.Guid.NewGuid();", "type System.Guid")]
    [TestCase("System.Threading.Tasks.Task.Delay(1).Wait();", "type System.Threading.Tasks.Task")]
    [TestCase("var c = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);", "type System.Net.Sockets.Socket")]
    [TestCase("var t = System.Type.GetType(\"System.DateTime\");", "member System.Type::GetType")]
    public void The_checker_catches_a_planted_banned_api(string statement, string expected)
    {
        using var dll = Compile($"public static class Planted {{ public static void Run() {{ {statement} }} }}");
        Assert.That(Violations(dll), Does.Contain(expected));
    }

    [Test]
    public void The_checker_passes_a_planted_harmless_snippet()
    {
        using var dll = Compile("public static class Planted { public static int Run(string s) => " +
            "new System.Collections.Generic.List<string> { s }.Count + s.Length; }");
        Assert.That(Violations(dll), Is.Empty);
    }

    /// <summary>Compiles a snippet against the framework's reference assemblies (as the core is compiled).</summary>
    private static MemoryStream Compile(string source)
    {
        string runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string version = Path.GetFileName(runtimeDir);
        string refDir = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", "..", "packs", "Microsoft.NETCore.App.Ref", version, "ref", "net10.0"));
        Assert.That(Directory.Exists(refDir), Is.True, $"reference assemblies not found at {refDir}");
        var references = Directory.EnumerateFiles(refDir, "*.dll").Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Planted", [CSharpSyntaxTree.ParseText(source)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        Assert.That(result.Success, Is.True, string.Join("\n", result.Diagnostics));
        stream.Position = 0;
        return stream;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "HaManager.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}
