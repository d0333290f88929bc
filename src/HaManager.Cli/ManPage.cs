using System.CommandLine;
using System.Text;

namespace HaManager.Cli;

/// <summary>
/// <c>ha-manager.1</c>, drawn from the command definitions (<c>ha-manager __man</c>), so the manual lists
/// exactly the commands and options the parser accepts; a test keeps <c>docs/ha-manager.1</c> current.
/// </summary>
public static class ManPage
{
    public static string Render(Command root)
    {
        var sb = new StringBuilder();
        sb.Append(".TH HA-MANAGER 1 \"\" \"HaManager\" \"User Commands\"\n");
        sb.Append(".SH NAME\nha-manager \\- ").Append(Escape(root.Description ?? "")).Append('\n');
        sb.Append(".SH SYNOPSIS\n.B ha-manager\n.I command\n[\n.I arguments\n] [\n.I options\n]\n");
        sb.Append(".SH DESCRIPTION\nThe command line of HaManager, with the syntax, output and messages of the Proxmox VE\n")
          .Append("ha-manager. Command words may be abbreviated to any unique prefix; options may be written\n")
          .Append(".B \\-name\nor\n.BR \\-\\-name ;\nboolean options take 1/0, on/off, yes/no or true/false.\n")
          .Append("Errors are printed on standard error and end with exit status 255.\n");
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
        sb.Append(".SH ENVIRONMENT\n.TP\n.B HAMANAGER_STORE\nThe store, as for \\-\\-store (directory:PATH or etcd:URL[,URL...]).\n")
          .Append(".TP\n.B HAMANAGER_CONFIG\nThe node configuration (default /etc/hamanager/hamanager.yaml).\n")
          .Append(".TP\n.B HAMANAGER_NODE\nThe node the command speaks for (default: the host name).\n");
        sb.Append(".SH FILES\n.TP\n.I ha/resources.cfg, ha/rules.cfg\nIn the store: resources and rules.\n");
        sb.Append(".SH SEE ALSO\n.BR ha-crm (8),\n.BR ha-lrm (8),\n.BR watchdog-mux (8)\n");
        return sb.ToString();
    }

    private static IEnumerable<(string Path, Command Command)> Leaves(Command command, string prefix)
    {
        string path = prefix.Length == 0 ? "ha-manager" : prefix + " " + command.Name;
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
