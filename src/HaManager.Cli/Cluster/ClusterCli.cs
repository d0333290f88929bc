using System.CommandLine;
using System.CommandLine.Help;
using System.Text.Json.Nodes;

namespace HaManager.Cli.Cluster;

/// <summary>
/// <c>ha-cluster</c>: makes machines into a cluster on etcd and shows it, as <c>pvecm</c> and <c>pmgcm</c> do.
/// The same executable as <c>ha-manager</c> (it looks at the name it was started as), with its conventions:
/// <c>--output-format text|json|json-pretty</c>, errors in one message on standard error, exit status 255.
/// </summary>
public static class ClusterCli
{
    private const int Failure = Failures.ExitCode;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = Build(stdout, stderr);
        if (args.Length > 0 && args[0] == "__complete")
        {
            foreach (var candidate in Completion.Complete(root, args.Skip(1).ToList())) stdout.Write(candidate + "\n");
            return 0;
        }
        if (args is ["__man"])
        {
            stdout.Write(ManPage.Render(root, Man));
            return 0;
        }
        if (args is ["completion", "bash"])
        {
            stdout.Write(Completion.Script.Replace("_ha_manager", "_ha_cluster", StringComparison.Ordinal).Replace("ha-manager", "ha-cluster", StringComparison.Ordinal));
            return 0;
        }
        if (args.Length == 0)
        {
            stderr.Write("ERROR: no command specified\n");
            root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = stderr });
            return Failure;
        }
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) stderr.Write($"ERROR: {e.Message}\n");
            stderr.Write($"USAGE: {Usage(parsed.CommandResult.Command)}\n");
            return Failure;
        }
        return Failures.Report("ha-cluster", stderr,
            () => parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }));
    }

    private static string Usage(Command command) =>
        command.Parents.OfType<Command>().Any() ? $"ha-cluster {command.Name}{string.Concat(command.Arguments.Select(a => $" <{a.Name}>"))} [OPTIONS]" : "ha-cluster <COMMAND> [ARGS] [OPTIONS]";

    private static readonly ManPage.Sections Man = new(
        "Forms a cluster of HaManager nodes on etcd and shows it, as pvecm does for Proxmox VE. The first node\n"
        + "creates the cluster (its etcd member, the cluster's certificate authority); every further node joins\n"
        + "it through a member, checking the cluster certificate's fingerprint. Client and peer traffic of etcd\n"
        + "is TLS with client certificates. Errors are printed on standard error and end with exit status 255.\n",
        ".TP\n.B HAMANAGER_ROOT\nA directory to keep the node's files under instead of / (tests; several nodes on one machine).\n"
        + ".TP\n.B HAMANAGER_NODE\nThe node name (default: the host name).\n",
        ".TP\n.I /etc/hamanager/cluster.yaml\nThis node's membership.\n.TP\n.I /etc/hamanager/etcd.yaml\nThe etcd member's configuration.\n"
        + ".TP\n.I /etc/hamanager/pki/\nThe cluster CA, this node's certificate and keys, the join token (root only).\n"
        + ".TP\n.I /var/lib/hamanager/etcd\nThe etcd member's data.\n",
        ".BR ha-manager (1),\n.BR etcd (1)\n");

    private static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var paths = ClusterPaths.FromEnvironment();
        // A command writes its text to the writer it is given: standard output, or nowhere when the result goes out as JSON.
        ClusterCommands Commands(TextWriter text) => new(paths, text, stderr);
        var root = new Command("ha-cluster", "Create, join, leave and show a HaManager cluster on etcd.") { new HelpOption() };

        Option<string> Format()
        {
            var o = new Option<string>("--output-format") { Description = "text (default), json or json-pretty.", DefaultValueFactory = _ => "text" };
            o.AcceptOnlyFromAmong("text", "json", "json-pretty");
            return o;
        }
        var nodeName = new Option<string?>("--node") { Description = "This node's name (default: HAMANAGER_NODE, the host name)." };
        var address = new Option<string?>("--address") { Description = "This node's address for the cluster (default: its only IPv4 address)." };
        var start = new Option<string?>("--start") { Description = "How to run the etcd member: systemd (units ha-etcd, ha-cluster) or direct (detached processes; the default without systemd)." };
        start.AcceptOnlyFromAmong("systemd", "direct");
        var fingerprint = new Option<string>("--fingerprint") { Description = "The cluster certificate's SHA-256 fingerprint, as create and status show it.", Required = true };
        var token = new Option<string?>("--token") { Description = "The join token (ha-cluster token on a member; default: HAMANAGER_JOIN_TOKEN)." };
        var force = new Option<bool>("--force") { Description = "Remove even when the cluster loses its quorum (or the last member leaves)." };

        ClusterCommands.NodeOptions NodeOptions(ParseResult p) => new(p.GetValue(nodeName), p.GetValue(address),
            p.GetValue(start) switch { "systemd" => StartMode.Systemd, "direct" => StartMode.Direct, _ => null });
        string Token(ParseResult p) => p.GetValue(token) ?? Environment.GetEnvironmentVariable("HAMANAGER_JOIN_TOKEN")
            ?? throw new CliFailure("the join token is missing: --token TOKEN (ha-cluster token on a member shows it)\n");
        Command WithFormat(Command c, Option<string> format, Func<ParseResult, TextWriter, JsonNode> action)
        {
            c.Options.Add(format);
            c.SetAction(p =>
            {
                string f = p.GetValue(format)!;
                var result = action(p, f == "text" ? stdout : TextWriter.Null);
                if (f != "text") Output.Write(result, f, stdout);
                return 0;
            });
            return c;
        }

        var clusterName = new Argument<string>("name") { Description = "The cluster's name." };
        var create = new Command("create", "Create a cluster with this node as its first member.") { clusterName, nodeName, address, start };
        root.Subcommands.Add(WithFormat(create, Format(), (p, w) => Commands(w).Create(p.GetValue(clusterName)!, NodeOptions(p))));

        foreach (var (word, witness, text) in new[]
        {
            ("join", false, "Join this node to the cluster of the member at <address>."),
            ("add-witness", true, "Join this machine as a witness: an etcd member that runs no HA services, so two nodes keep quorum when one fails."),
        })
        {
            var seed = new Argument<string>("address") { Description = "The address of a cluster member." };
            var join = new Command(word, text) { seed, fingerprint, token, nodeName, address, start };
            root.Subcommands.Add(WithFormat(join, Format(), (p, w) =>
                Commands(w).Join(p.GetValue(seed)!, p.GetValue(fingerprint)!, Token(p), witness, NodeOptions(p))));
        }

        var leave = new Command("leave", "Take this node out of its cluster: remove its etcd member, stop it and remove its cluster files.") { force };
        root.Subcommands.Add(WithFormat(leave, Format(), (p, w) => Commands(w).Leave(p.GetValue(force))));

        var gone = new Argument<string>("node") { Description = "The node to remove." };
        var delnode = new Command("delnode", "Remove another node (one that is gone) from the cluster.") { gone, force };
        root.Subcommands.Add(WithFormat(delnode, Format(), (p, w) => Commands(w).DelNode(p.GetValue(gone)!, p.GetValue(force))));

        root.Subcommands.Add(WithFormat(new Command("status", "The cluster's name, quorum, this node and the certificate fingerprint."), Format(),
            (_, w) => Commands(w).Status()));
        root.Subcommands.Add(WithFormat(new Command("nodes", "Every member: id, address, state, quorum view, HA role, uptime, load, memory."), Format(),
            (p, w) => Commands(w).Nodes(text: w != TextWriter.Null)));

        var tokenCommand = new Command("token", "Print the join token (root only).");
        tokenCommand.SetAction(_ =>
        {
            stdout.Write(Commands(stdout).Token() + "\n");
            return 0;
        });
        root.Subcommands.Add(tokenCommand);

        var serve = new Command("serve", "Run this node's join service and publish its uptime, load and memory (the ha-cluster unit runs it).");
        serve.SetAction(_ => ClusterService.Run(paths, stderr));
        root.Subcommands.Add(serve);
        return root;
    }
}
