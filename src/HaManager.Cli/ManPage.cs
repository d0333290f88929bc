using System.CommandLine;
using System.Text;

namespace HaManager.Cli;

/// <summary>
/// <c>ha-manager.1</c>, drawn from the command definitions (<c>ha-manager __man</c>), so the manual lists
/// exactly the commands and options the parser accepts; a test keeps <c>docs/ha-manager.1</c> current.
/// </summary>
public static class ManPage
{
    /// <summary>What a program's page says besides its commands (roff fragments).</summary>
    public sealed record Sections(string Description, string Environment, string Files, string SeeAlso);

    /// <summary>ha-manager's page.</summary>
    public static string Render(Command root) => Render(root, new Sections(
        "The command line of HaManager, with the syntax, output and messages of the Proxmox VE\n"
        + "ha-manager. Command words may be abbreviated to any unique prefix; options may be written\n"
        + ".B \\-name\nor\n.BR \\-\\-name ;\nboolean options take 1/0, on/off, yes/no or true/false.\n"
        + "Errors are printed on standard error and end with exit status 255.\n",
        ".TP\n.B HAMANAGER_STORE\nThe store, as for \\-\\-store (directory:PATH or etcd:URL[,URL...]).\n"
        + ".TP\n.B HAMANAGER_CONFIG\nThe node configuration (default /etc/hamanager/hamanager.yaml).\n"
        + ".TP\n.B HAMANAGER_NODE\nThe node the command speaks for (default: the host name).\n",
        ".TP\n.I ha/resources.cfg, ha/rules.cfg\nIn the store: resources and rules.\n",
        ".BR ha-crm (8),\n.BR ha-lrm (8),\n.BR watchdog-mux (8)\n"));

    /// <summary>The page of the program whose command tree is <paramref name="root"/> (its name is the root's).</summary>
    public static string Render(Command root, Sections text)
    {
        var sb = new StringBuilder();
        string name = root.Name;
        sb.Append(".TH ").Append(name.ToUpperInvariant()).Append(" 1 \"\" \"HaManager\" \"User Commands\"\n");
        sb.Append(".SH NAME\n").Append(Escape(name)).Append(" \\- ").Append(Escape(root.Description ?? "")).Append('\n');
        sb.Append(".SH SYNOPSIS\n.B ").Append(Escape(name)).Append("\n.I command\n[\n.I arguments\n] [\n.I options\n]\n");
        sb.Append(".SH DESCRIPTION\n").Append(text.Description);
        sb.Append(".SH COMMANDS\n");
        foreach (var (path, command) in Leaves(root, "").OrderBy(l => l.Path, StringComparer.Ordinal))
        {
            sb.Append(".SS \"").Append(Escape(path));
            foreach (var a in command.Arguments) sb.Append(" <").Append(Escape(a.Name)).Append('>');
            sb.Append("\"\n").Append(Escape(command.Description ?? "")).Append('\n');
            foreach (var a in command.Arguments.Where(a => a.Description is not null))
                sb.Append(".TP\n.I ").Append(Escape(a.Name)).Append('\n').Append(Escape(a.Description!)).Append('\n');
            foreach (var o in command.Options.Where(o => o.Name.StartsWith("--", StringComparison.Ordinal)).OrderBy(o => o.Name, StringComparer.Ordinal))
                sb.Append(".TP\n.B ").Append(Escape(o.Name)).Append('\n').Append(Escape(o.Description ?? "")).Append('\n');
        }
        sb.Append(".SH ENVIRONMENT\n").Append(text.Environment);
        sb.Append(".SH FILES\n").Append(text.Files);
        sb.Append(".SH SEE ALSO\n").Append(text.SeeAlso);
        return sb.ToString();
    }

    private static IEnumerable<(string Path, Command Command)> Leaves(Command command, string prefix)
    {
        string path = prefix.Length == 0 ? command.Name : prefix + " " + command.Name;
        if (command.Subcommands.Count == 0) yield return (path, command);
        foreach (var sub in command.Subcommands)
            foreach (var leaf in Leaves(sub, path)) yield return leaf;
    }

    /// <summary>roff-safe text: backslashes and hyphens escaped, a leading dot or quote neutralised.</summary>
    private static string Escape(string text)
    {
        string t = text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("-", "\\-", StringComparison.Ordinal);
        return t.StartsWith('.') || t.StartsWith('\'') ? "\\&" + t : t;
    }
}
