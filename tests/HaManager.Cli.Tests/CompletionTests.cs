using System.Diagnostics;

namespace HaManager.Cli.Tests;

/// <summary>
/// Goal: bash completes ha-manager's commands, options and values from the live store (resource ids,
/// node names, rule ids). Method: the generated script sourced into a real bash, COMP_WORDS set as
/// bash sets them, COMPREPLY read back; ha-manager on PATH is this build.
/// </summary>
public class CompletionTests
{
    private static string Complete(CliFixture c, string bin, params string[] words)
    {
        string script = Path.Combine(bin, "completion.bash");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        string quoted = string.Join(' ', words.Select(w => $"'{w}'"));
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"source '{script}'; COMP_WORDS=(ha-manager {quoted}); COMP_CWORD={words.Length}; _ha_manager; printf '%s\\n' \"${{COMPREPLY[@]}}\"");
        psi.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["HAMANAGER_STORE"] = "directory:" + c.Root;
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(60_000), Is.True);
        return string.Join(' ', output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    [Test]
    public void Bash_completes_commands_and_values_from_the_store()
    {
        using var c = new CliFixture();
        Assert.That(c.Run("add", "ocf:web", "--agent", "x:y", "--node", "node1").Exit, Is.Zero);
        Assert.That(c.Run("add", "ocf:db", "--agent", "x:y", "--node", "node2").Exit, Is.Zero);
        Assert.That(c.Run("rules", "add", "resource-affinity", "keep-apart", "--resources", "ocf:web,ocf:db", "--affinity", "negative").Exit, Is.Zero);

        string bin = Directory.CreateTempSubdirectory("hamanager-completion-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(bin, "ha-manager"),
                $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "HaManager.Cli.dll")}' \"$@\"\n");
            File.SetUnixFileMode(Path.Combine(bin, "ha-manager"), (UnixFileMode)0b111_101_101);
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            Assert.That(HaManagerCli.Run(["completion", "bash"], stdout, stderr), Is.Zero);
            File.WriteAllText(Path.Combine(bin, "completion.bash"), stdout.ToString());

            Assert.That(Complete(c, bin, "mi"), Is.EqualTo("migrate"));
            Assert.That(Complete(c, bin, "migrate", ""), Is.EqualTo("ocf:db ocf:web"));
            Assert.That(Complete(c, bin, "migrate", "ocf:web", ""), Is.EqualTo("node1 node2 node3"));
            Assert.That(Complete(c, bin, "rules", "remove", "k"), Is.EqualTo("keep-apart"));
            Assert.That(Complete(c, bin, "crm-command", "node-maintenance", "enable", "node"), Is.EqualTo("node1 node2 node3"));
            Assert.That(Complete(c, bin, "add", "ocf:new", "--max_re"), Is.EqualTo("--max_relocate --max_restart"));
        }
        finally { Directory.Delete(bin, recursive: true); }
    }
}
