using System.CommandLine;
using System.CommandLine.Help;
using System.Text.Json;
using System.Text.Json.Nodes;
using HaManager.Cli;
using HaManager.Core.Environment;

// ha-manager: upstream's command line on HaManager's stores. Exit status: 0 success, 255 any error.
// Started as ha-cluster (the package links the name to this executable), it is the cluster tool.
return Path.GetFileName(Environment.ProcessPath) == "ha-cluster" || Path.GetFileName(Environment.GetCommandLineArgs()[0]) == "ha-cluster"
    ? HaManager.Cli.Cluster.ClusterCli.Run(args, Console.Out, Console.Error)
    : HaManagerCli.Run(args, Console.Out, Console.Error);

namespace HaManager.Cli
{
    /// <summary>The command tree, upstream's argument conventions and error forms (config-cli §9).</summary>
    public static class HaManagerCli
    {
        private const int Failure = Failures.ExitCode;

        private static readonly string[] TopLevel = ["add", "config", "crm-command", "explain", "groupadd", "groupconfig", "groupremove", "groupset", "help", "migrate", "relocate", "remove", "rules", "set", "status", "what-if"];
        private static readonly string[] RuleWords = ["add", "config", "list", "remove", "set"];
        private static readonly string[] CrmWords = ["arm-ha", "disarm-ha", "fence-ack", "migrate", "node-maintenance", "relocate", "stop"];
        private static readonly string[] MaintenanceWords = ["disable", "enable"];
        private static readonly Dictionary<string, string[]> SubWords = new(StringComparer.Ordinal) { ["crm-command"] = CrmWords, ["rules"] = RuleWords };

        private static readonly string[] Synopses =
        [
            "ha-manager add <sid> [OPTIONS]", "ha-manager config [OPTIONS]", "ha-manager remove <sid> [OPTIONS]",
            "ha-manager set <sid> [OPTIONS]", "ha-manager migrate <sid> <node>", "ha-manager relocate <sid> <node>",
            "ha-manager crm-command migrate <sid> <node>", "ha-manager crm-command relocate <sid> <node>",
            "ha-manager crm-command stop <sid> <timeout>", "ha-manager crm-command node-maintenance enable|disable <node>",
            "ha-manager crm-command disarm-ha <resource-mode>", "ha-manager crm-command arm-ha",
            "ha-manager crm-command fence-ack <node> [--yes]",
            "ha-manager rules add <type> <rule> --resources <sids> [OPTIONS]", "ha-manager rules set <type> <rule> [OPTIONS]",
            "ha-manager rules remove <rule>", "ha-manager rules config [OPTIONS]", "ha-manager rules list [OPTIONS]",
            "ha-manager groupadd <group> --nodes <string> [OPTIONS]", "ha-manager groupconfig [FORMAT_OPTIONS]",
            "ha-manager groupremove <group>", "ha-manager groupset <group> [OPTIONS]",
            "ha-manager status [OPTIONS]", "ha-manager explain <sid> [OPTIONS]",
            "ha-manager what-if --fail|--maintenance|--shutdown|--add-node <node> ... [OPTIONS]", "ha-manager help [<extra-args>] [OPTIONS]",
        ];

        /// <summary>Runs one command line. <paramref name="node"/> names the node the command speaks for
        /// (default: HAMANAGER_NODE, the node configuration, the host name); ha-local-cluster passes it.</summary>
        public static int Run(string[] args, TextWriter stdout, TextWriter stderr, string? node = null)
        {
            var words = new List<string>(args);
            if (words.Count == 0) return CommandError("no command specified", stderr);
            if (words[0] == "__complete")
            {
                foreach (var candidate in Completion.Complete(Build(stdout, stderr, out _), words.Skip(1).ToList())) stdout.Write(candidate + "\n");
                return 0;
            }
            if (words.Count == 1 && words[0] == "__man")
            {
                stdout.Write(ManPage.Render(Build(stdout, stderr, out _)));
                return 0;
            }
            if (words.Count == 2 && words[0] == "completion" && words[1] == "bash")
            {
                stdout.Write(Completion.Script);
                return 0;
            }
            if (!Expand(words, 0, TopLevel, out string? unknown)) return CommandError($"unknown command 'ha-manager {unknown}'", stderr);
            if (SubWords.TryGetValue(words[0], out var known))
            {
                if (words.Count < 2 || words[1].StartsWith('-')) return CommandError($"incomplete command 'ha-manager {words[0]}'", stderr);
                if (!Expand(words, 1, known, out unknown)) return CommandError($"unknown command 'ha-manager {unknown}'", stderr);
            }
            if (words[0] == "crm-command" && words[1] == "node-maintenance")
            {
                if (words.Count < 3) return CommandError("incomplete command 'ha-manager crm-command node-maintenance'", stderr);
                if (!Expand(words, 2, MaintenanceWords, out unknown)) return CommandError($"unknown command 'ha-manager {unknown}'", stderr);
            }
            var root = Build(stdout, stderr, out var usages, node);
            ParameterFailure? badBoolean = null;
            try { Normalise(words, root); }
            catch (ParameterFailure e) { badBoolean = e; }
            var parsed = root.Parse(words);
            string usage = usages.GetValueOrDefault(parsed.CommandResult.Command, "ha-manager <COMMAND> [ARGS] [OPTIONS]");
            if (badBoolean is not null) return ParameterError(badBoolean, usage, stderr);
            if (parsed.Errors.Count > 0)
            {
                var first = parsed.Errors[0].Message;
                if (first.StartsWith("Unrecognized command or argument '-", StringComparison.Ordinal))
                {
                    stderr.Write($"Unknown option: {first.Split('\'')[1].TrimStart('-')}\n400 unable to parse option\n");
                }
                else if (first.StartsWith("Unrecognized command or argument", StringComparison.Ordinal)) stderr.Write("400 too many arguments\n");
                else if (first.StartsWith("Required argument missing", StringComparison.Ordinal)) stderr.Write("400 not enough arguments\n");
                else
                {
                    stderr.Write("400 Parameter verification failed.\n");
                    foreach (var e in parsed.Errors) stderr.Write(e.Message + "\n");
                }
                stderr.Write(usage + "\n");
                return Failure;
            }
            return Failures.Report("ha-manager", stderr, () =>
            {
                try
                {
                    return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
                }
                catch (ParameterFailure e)
                {
                    return ParameterError(e, usage, stderr);
                }
            });
        }

        private static int ParameterError(ParameterFailure e, string usage, TextWriter stderr)
        {
            stderr.Write("400 Parameter verification failed.\n");
            foreach (var (param, message) in e.Errors) stderr.Write($"{param}: {message}\n");
            stderr.Write(usage + "\n");
            return Failure;
        }

        private static int CommandError(string message, TextWriter stderr)
        {
            stderr.Write($"ERROR: {message}\nUSAGE: ha-manager <COMMAND> [ARGS] [OPTIONS]\n");
            foreach (var s in Synopses) stderr.Write($"       {s}\n");
            return Failure;
        }

        /// <summary>Command words may be any unique prefix (upstream); false when none or several match.</summary>
        private static bool Expand(List<string> words, int at, string[] known, out string? unknown)
        {
            unknown = null;
            if (at >= words.Count) return true;
            string word = words[at];
            if (known.Contains(word)) return true;
            var matches = known.Where(k => k.StartsWith(word, StringComparison.Ordinal)).ToList();
            if (matches.Count == 1 && word.Length > 0 && !word.StartsWith('-'))
            {
                words[at] = matches[0];
                return true;
            }
            unknown = string.Join(' ', words.Take(at + 1));
            return false;
        }

        /// <summary>Upstream also takes <c>-name value</c>, and booleans as 1/on/yes/true or 0/off/no/false.</summary>
        private static void Normalise(List<string> words, Command root)
        {
            var names = new HashSet<string>(AllOptions(root).SelectMany(o => o.Aliases.Append(o.Name)), StringComparer.Ordinal);
            var booleans = new HashSet<string>(AllOptions(root).Where(o => o.ValueType == typeof(bool) || o.ValueType == typeof(bool?)).Select(o => o.Name), StringComparer.Ordinal);
            var errors = new List<(string, string)>();
            for (int i = 0; i < words.Count; i++)
            {
                string w = words[i];
                if (w.StartsWith('-') && !w.StartsWith("--", StringComparison.Ordinal) && w.Length > 2 && names.Contains("-" + w.Split('=')[0]))
                    words[i] = w = "-" + w;
                string name = w.Split('=')[0];
                if (!booleans.Contains(name)) continue;
                string? value = w.Contains('=') ? w[(name.Length + 1)..] : i + 1 < words.Count && !words[i + 1].StartsWith('-') ? words[i + 1] : null;
                if (value is null) continue;
                bool? truth = value.ToLowerInvariant() switch
                {
                    "1" or "on" or "yes" or "true" => true,
                    "0" or "off" or "no" or "false" => false,
                    _ => null,
                };
                // Upstream reads the word after a boolean option as its value: anything but a boolean word is an error.
                if (truth is null) errors.Add((name.TrimStart('-'), $"type check ('boolean') failed - got '{value}'"));
                else if (w.Contains('=')) words[i] = $"{name}={(truth.Value ? "true" : "false")}";
                else words[i + 1] = truth.Value ? "true" : "false";
            }
            if (errors.Count > 0) throw new ParameterFailure(errors);
        }

        private static IEnumerable<Option> AllOptions(Command c) => c.Options.Concat(c.Subcommands.SelectMany(AllOptions));

        private static Command Build(TextWriter stdout, TextWriter stderr, out Dictionary<Command, string> usages, string? speaker = null)
        {
            var usage = new Dictionary<Command, string>();
            var store = new Option<string?>("--store") { Description = "The store: directory:PATH or etcd:URL[,URL...] (default: HAMANAGER_STORE, /etc/hamanager/hamanager.yaml)." };
            var root = new Command("ha-manager", "The HA manager of HaManager: resources, CRM commands, status.") { new HelpOption() };
            CliContext Ctx(ParseResult p) => CliContext.Open(p.GetValue(store), speaker);

            Option<string?> Text(string name, string description) => new(name) { Description = description };
            var sid = new Argument<string>("sid") { Description = "HA resource ID: <type>:<name> (vm:100, ocf:web) or a VMID." };
            var node = new Argument<string>("node") { Description = "Target node." };
            Completion.AddSids(sid);
            Completion.AddNodes(node);
            var state = Text("--state", "Requested state: started, stopped, enabled, disabled, ignored.");
            var group = Text("--group", "The HA group (deprecated).");
            var failback = new Option<bool?>("--failback") { Description = "Move back to a preferred node when it returns." };
            var maxRestart = Text("--max_restart", "Start retries on the same node.");
            var maxRelocate = Text("--max_relocate", "Relocations after failed starts.");
            var comment = Text("--comment", "Description.");
            var type = Text("--type", "Resource type: vm, ct, ocf, service.");
            var agent = Text("--agent", "OCF agent, provider:type (ocf resources).");
            var parameters = Text("--params", "OCF parameters name=value,name=value (ocf resources).");
            var timeoutStart = Text("--timeout-start", "Seconds a start may take (ocf, service).");
            var timeoutStop = Text("--timeout-stop", "Seconds a stop may take (ocf, service).");
            var timeoutMonitor = Text("--timeout-monitor", "Seconds a monitor may take (ocf).");
            var home = Text("--node", "Where a new ocf or service resource lives (default: this node).");
            Dictionary<string, string> Options(ParseResult p)
            {
                var o = new Dictionary<string, string>(StringComparer.Ordinal);
                void Put(string key, string? value) { if (value is not null) o[key] = value; }
                Put("state", p.GetValue(state)); Put("group", p.GetValue(group));
                if (p.GetValue(failback) is { } fb) o["failback"] = fb ? "1" : "0";
                Put("max_restart", p.GetValue(maxRestart)); Put("max_relocate", p.GetValue(maxRelocate));
                Put("comment", p.GetValue(comment)); Put("agent", p.GetValue(agent)); Put("params", p.GetValue(parameters));
                Put("timeout-start", p.GetValue(timeoutStart)); Put("timeout-stop", p.GetValue(timeoutStop));
                Put("timeout-monitor", p.GetValue(timeoutMonitor));
                return o;
            }

            var add = new Command("add", "Create a new HA resource.")
                { sid, state, group, failback, maxRestart, maxRelocate, comment, type, agent, parameters, timeoutStart, timeoutStop, timeoutMonitor, home, store };
            add.SetAction(p => { Commands.Add(Ctx(p), p.GetValue(sid)!, p.GetValue(type), p.GetValue(home), Options(p)); return 0; });
            usage[add] = "ha-manager add <sid> [OPTIONS]";

            var delete = new Option<string[]>("--delete") { Description = "Options to remove (comma-separated or repeated).", AllowMultipleArgumentsPerToken = false };
            var digest = Text("--digest", "Refuse the change if resources.cfg changed since this digest.");
            var set = new Command("set", "Update resource configuration.")
                { sid, state, group, failback, maxRestart, maxRelocate, comment, agent, parameters, timeoutStart, timeoutStop, timeoutMonitor, delete, digest, store };
            set.SetAction(p =>
            {
                var deletes = (p.GetValue(delete) ?? []).SelectMany(d => d.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();
                Commands.Set(Ctx(p), p.GetValue(sid)!, Options(p), deletes, p.GetValue(digest));
                return 0;
            });
            usage[set] = "ha-manager set <sid> [OPTIONS]";

            var purge = new Option<bool?>("--purge") { Description = "Also remove the resource from rules (default 1)." };
            var remove = new Command("remove", "Delete resource configuration.") { sid, purge, store };
            remove.SetAction(p => { Commands.Remove(Ctx(p), p.GetValue(sid)!, p.GetValue(purge) ?? true); return 0; });
            usage[remove] = "ha-manager remove <sid> [OPTIONS]";

            var outputFormat = Output.FormatOption();
            var config = new Command("config", "List HA resources.") { type, outputFormat, store };
            config.SetAction(p =>
            {
                var ctx = Ctx(p);
                if (p.GetValue(outputFormat) == "text") Commands.Config(ctx, p.GetValue(type), stdout);
                else
                {
                    var text = new StringWriter();
                    Commands.Config(ctx, p.GetValue(type), text);
                    var list = new JsonArray();
                    foreach (var block in text.ToString().Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
                    {
                        var lines = block.Split('\n');
                        var obj = new JsonObject { ["sid"] = lines[0], ["type"] = lines[0].Split(':')[0] };
                        foreach (var line in lines.Skip(1))
                        {
                            var kv = line.Trim().Split(' ', 2);
                            obj[kv[0]] = kv.Length > 1 ? kv[1] : "";
                        }
                        list.Add((JsonNode)obj);
                    }
                    Output.Write(list, p.GetValue(outputFormat)!, stdout);
                }
                return 0;
            });
            usage[config] = "ha-manager config [OPTIONS]";

            var verbose = new Option<bool>("--verbose") { Description = "Also print the full cluster state." };
            var watch = new Option<bool>("--watch") { Description = "Redraw the status whenever it changes (Ctrl-C ends)." };
            var status = new Command("status", "Display HA manager status.") { verbose, outputFormat, watch, store };
            status.SetAction(p =>
            {
                var ctx = Ctx(p);
                if (p.GetValue(watch))
                {
                    using var stop = new CancellationTokenSource();
                    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
                    bool live = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
                    StatusWatch.Run(ctx, stdout, TimeSpan.FromSeconds(1), stop.Token, live);
                    return 0;
                }
                var entries = StatusView.Build(ctx);
                if (p.GetValue(outputFormat) == "text")
                {
                    foreach (var e in entries) stdout.Write($"{e.Type} {e.Status}\n");
                    if (p.GetValue(verbose))
                    {
                        var status = ctx.Store.ReadManagerStatus();
                        var doc = new JsonObject
                        {
                            ["manager_status"] = JsonNode.Parse(HaManager.Core.Formats.StatusJson.Write(status)),
                            ["quorum"] = new JsonObject { ["node"] = ctx.Node, ["quorate"] = ctx.Store.IsQuorate() ? "1" : "" },
                        };
                        if (status.NodeStatus.Count > 0)
                        {
                            var lrms = new JsonObject();
                            foreach (var n in status.NodeStatus.Keys) lrms[n] = JsonNode.Parse(HaManager.Core.Formats.StatusJson.Write(ctx.Store.ReadLrmStatus(n)));
                            doc["lrm_status"] = lrms;
                        }
                        // Why nodes last fenced themselves (HaManager's addition; upstream has no such record).
                        var postMortems = Explain.PostMortems(ctx, status.NodeStatus.Keys, maxAge: null);
                        foreach (var (_, text) in postMortems) stdout.Write($"post-mortem {text}\n");
                        if (postMortems.Count > 0)
                            doc["post_mortem"] = new JsonObject(postMortems.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
                        stdout.Write("full cluster state:\n");
                        Output.Write(doc, "json-pretty", stdout);
                    }
                }
                else
                {
                    var list = new JsonArray(entries.Select(e => (JsonNode?)JsonSerializer.SerializeToNode(e, StatusJsonContext.Default.StatusEntry)).ToArray());
                    Output.Write(list, p.GetValue(outputFormat)!, stdout);
                }
                return 0;
            });
            usage[status] = "ha-manager status [OPTIONS]";

            Command Move(string verb, string prefix)
            {
                var command = new Command(verb, verb == "migrate" ? "Migrate a resource (online) to another node." : "Relocate a resource (stop, move, start) to another node.")
                    { sid, node, store };
                command.SetAction(p => Commands.Move(Ctx(p), verb, p.GetValue(sid)!, p.GetValue(node)!, stdout, stderr));
                usage[command] = $"{prefix}{verb} <sid> <node>";
                return command;
            }

            var timeout = new Argument<string>("timeout") { Description = "Seconds to wait for a clean stop; 0 stops at once." };
            var stop = new Command("stop", "Request the service to be stopped.") { sid, timeout, store };
            stop.SetAction(p => { Commands.Stop(Ctx(p), p.GetValue(sid)!, p.GetValue(timeout)!); return 0; });
            usage[stop] = "ha-manager crm-command stop <sid> <timeout>";
            var enable = new Command("enable", "Put a node into maintenance.") { node, store };
            enable.SetAction(p => { Commands.NodeMaintenance(Ctx(p), true, p.GetValue(node)!); return 0; });
            usage[enable] = "ha-manager crm-command node-maintenance enable <node>";
            var disable = new Command("disable", "Take a node out of maintenance.") { node, store };
            disable.SetAction(p => { Commands.NodeMaintenance(Ctx(p), false, p.GetValue(node)!); return 0; });
            usage[disable] = "ha-manager crm-command node-maintenance disable <node>";
            var maintenance = new Command("node-maintenance", "Node maintenance.") { enable, disable };
            var mode = new Argument<string>("resource-mode") { Description = "freeze or ignore." };
            var disarm = new Command("disarm-ha", "Disarm the HA stack (release all watchdogs).") { mode, store };
            disarm.SetAction(p => { Commands.Disarm(Ctx(p), p.GetValue(mode)!); return 0; });
            usage[disarm] = "ha-manager crm-command disarm-ha <resource-mode>";
            var arm = new Command("arm-ha", "Arm the HA stack again.") { store };
            arm.SetAction(p => { Commands.Arm(Ctx(p)); return 0; });
            usage[arm] = "ha-manager crm-command arm-ha";
            var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation." };
            var fenceAck = new Command("fence-ack",
                "Acknowledge that a failed node is powered off: the master takes over its agent lock and recovers its services at once.")
                { node, yes, store };
            fenceAck.SetAction(p => !OperatingSystem.IsLinux() ? throw new CliFailure("fence-ack needs Linux\n") : Commands.FenceAck(Ctx(p), p.GetValue(node)!, p.GetValue(yes), Console.In, stdout));
            usage[fenceAck] = "ha-manager crm-command fence-ack <node> [--yes]";
            var crm = new Command("crm-command", "Send commands to the CRM.") { Move("migrate", "ha-manager crm-command "), Move("relocate", "ha-manager crm-command "), stop, maintenance, disarm, arm, fenceAck };

            var topic = new Argument<string[]>("extra-args") { Arity = ArgumentArity.ZeroOrMore };
            var help = new Command("help", "Get help about specified command.") { topic, new Option<bool>("--verbose") };
            help.SetAction(p =>
            {
                var words = (p.GetValue(topic) ?? []).ToList();
                words.Add("--help");
                return root.Parse(words).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
            });

            var rules = RulesCommand(store, Ctx, stdout, usage);
            var explain = new Command("explain", "Why a service is in its state and on its node.") { sid, outputFormat, store };
            explain.SetAction(p =>
            {
                var answer = Explain.Build(Ctx(p), p.GetValue(sid)!);
                string format = p.GetValue(outputFormat)!;
                if (format == "text") foreach (var line in answer["reasons"]!.AsArray()) stdout.Write((string)line! + "\n");
                else Output.Write(answer, format, stdout);
                return 0;
            });
            usage[explain] = "ha-manager explain <sid> [OPTIONS]";
            var fail = new Option<string[]>("--fail") { Description = "A node that loses power (repeatable)." };
            var maintenanceNode = new Option<string[]>("--maintenance") { Description = "A node put into maintenance (repeatable)." };
            var shutdownNode = new Option<string[]>("--shutdown") { Description = "A node shut down cleanly (repeatable)." };
            var addNode = new Option<string[]>("--add-node") { Description = "A new node that joins, empty (repeatable)." };
            var whatIf = new Command("what-if", "Where services would go if nodes failed, entered maintenance, shut down or joined (simulated).")
                { fail, maintenanceNode, shutdownNode, addNode, outputFormat, store };
            whatIf.SetAction(p =>
            {
                var events = (p.GetValue(fail) ?? []).Select(n => new WhatIf.Event("fail", n))
                    .Concat((p.GetValue(maintenanceNode) ?? []).Select(n => new WhatIf.Event("maintenance", n)))
                    .Concat((p.GetValue(shutdownNode) ?? []).Select(n => new WhatIf.Event("shutdown", n)))
                    .Concat((p.GetValue(addNode) ?? []).Select(n => new WhatIf.Event("add-node", n))).ToList();
                if (events.Count == 0) throw new ParameterFailure([("event", "give at least one of --fail, --maintenance, --shutdown, --add-node")]);
                var answer = WhatIf.Run(Ctx(p), events);
                string format = p.GetValue(outputFormat)!;
                if (format == "text") foreach (var line in WhatIf.Describe(answer)) stdout.Write(line + "\n");
                else Output.Write(answer, format, stdout);
                return 0;
            });
            usage[whatIf] = "ha-manager what-if --fail|--maintenance|--shutdown|--add-node <node> ... [OPTIONS]";
            foreach (var c in GroupCommandsTree(store, Ctx, stdout, usage)) root.Subcommands.Add(c);
            foreach (var c in new[] { add, config, crm, explain, whatIf, help, Move("migrate", "ha-manager "), Move("relocate", "ha-manager "), remove, rules, set, status })
                root.Subcommands.Add(c);
            usages = usage;
            return root;
        }
        private static IEnumerable<Command> GroupCommandsTree(Option<string?> store, Func<ParseResult, CliContext> ctx, TextWriter stdout, Dictionary<Command, string> usage)
        {
            var group = new Argument<string>("group") { Description = "The group's ID." };
            Option<string?> Text(string name, string description) => new(name) { Description = description };
            var nodes = Text("--nodes", "node[:priority]{,node[:priority]}.");
            var restricted = new Option<bool?>("--restricted") { Description = "Only the group's nodes may run its resources." };
            var nofailback = new Option<bool?>("--nofailback") { Description = "Do not move back to a higher-priority node." };
            var comment = Text("--comment", "Description.");
            var type = Text("--type", "Must be 'group'.");
            Dictionary<string, string> Options(ParseResult p)
            {
                var o = new Dictionary<string, string>(StringComparer.Ordinal);
                if (p.GetValue(nodes) is { } n) o["nodes"] = n;
                if (p.GetValue(restricted) is { } r) o["restricted"] = r ? "1" : "0";
                if (p.GetValue(nofailback) is { } f) o["nofailback"] = f ? "1" : "0";
                if (p.GetValue(comment) is { } c) o["comment"] = c;
                return o;
            }
            var add = new Command("groupadd", "Create an HA group (deprecated: use rules).") { group, nodes, restricted, nofailback, comment, type, store };
            add.SetAction(p =>
            {
                if (p.GetValue(nodes) is null) throw new ParameterFailure([("nodes", "property is missing and it is not optional")]);
                GroupCommands.Add(ctx(p), p.GetValue(group)!, p.GetValue(type), Options(p));
                return 0;
            });
            usage[add] = "ha-manager groupadd <group> --nodes <string> [OPTIONS]";
            var delete = new Option<string[]>("--delete") { Description = "Options to remove." };
            var digest = Text("--digest", "Refuse the change if groups.cfg changed since this digest.");
            var set = new Command("groupset", "Update an HA group (deprecated).") { group, nodes, restricted, nofailback, comment, delete, digest, store };
            set.SetAction(p =>
            {
                var deletes = (p.GetValue(delete) ?? []).SelectMany(d => d.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();
                GroupCommands.Set(ctx(p), p.GetValue(group)!, Options(p), deletes, p.GetValue(digest));
                return 0;
            });
            usage[set] = "ha-manager groupset <group> [OPTIONS]";
            var remove = new Command("groupremove", "Delete an HA group (deprecated).") { group, store };
            remove.SetAction(p => { GroupCommands.Remove(ctx(p), p.GetValue(group)!); return 0; });
            usage[remove] = "ha-manager groupremove <group>";
            var config = new Command("groupconfig", "List HA groups (deprecated).") { store };
            config.SetAction(p => { GroupCommands.Config(ctx(p), stdout); return 0; });
            usage[config] = "ha-manager groupconfig [FORMAT_OPTIONS]";
            return [add, config, remove, set];
        }

        private static Command RulesCommand(Option<string?> store, Func<ParseResult, CliContext> ctx, TextWriter stdout, Dictionary<Command, string> usage)
        {
            var type = new Argument<string>("type") { Description = "node-affinity or resource-affinity." };
            var rule = new Argument<string>("rule") { Description = "The rule's ID." };
            Completion.AddRules(rule);
            Option<string?> Text(string name, string description) => new(name) { Description = description };
            var resources = Text("--resources", "The rule's resources: sid{,sid}.");
            var nodes = Text("--nodes", "node-affinity: node[:priority]{,node[:priority]}.");
            var strict = new Option<bool?>("--strict") { Description = "node-affinity: only the listed nodes (default 0)." };
            var affinity = Text("--affinity", "resource-affinity: positive or negative.");
            var comment = Text("--comment", "Description.");
            var disable = new Option<bool?>("--disable") { Description = "Keep the rule but do not apply it.", Arity = ArgumentArity.ZeroOrOne };
            RuleOptions Options(ParseResult p) => new(p.GetValue(resources), p.GetValue(nodes),
                p.GetValue(strict) is { } s ? (s ? "1" : "0") : null, p.GetValue(affinity), p.GetValue(comment),
                p.GetValue(disable) is { } d ? (d ? "1" : "0") : null);

            var add = new Command("add", "Create an HA rule.") { type, rule, resources, nodes, strict, affinity, comment, disable, store };
            add.SetAction(p => { RuleCommands.Add(ctx(p), p.GetValue(type)!, p.GetValue(rule)!, Options(p)); return 0; });
            usage[add] = "ha-manager rules add <type> <rule> --resources <sids> [OPTIONS]";

            var delete = new Option<string[]>("--delete") { Description = "Options to remove (comma-separated or repeated)." };
            var digest = Text("--digest", "Refuse the change if rules.cfg changed since this digest.");
            var set = new Command("set", "Update an HA rule.") { type, rule, resources, nodes, strict, affinity, comment, disable, delete, digest, store };
            set.SetAction(p =>
            {
                var deletes = (p.GetValue(delete) ?? []).SelectMany(d => d.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();
                RuleCommands.Set(ctx(p), p.GetValue(type)!, p.GetValue(rule)!, Options(p), deletes, p.GetValue(digest));
                return 0;
            });
            usage[set] = "ha-manager rules set <type> <rule> [OPTIONS]";

            var remove = new Command("remove", "Delete an HA rule.") { rule, store };
            remove.SetAction(p => { RuleCommands.Remove(ctx(p), p.GetValue(rule)!); return 0; });
            usage[remove] = "ha-manager rules remove <rule>";

            var typeFilter = Text("--type", "Only rules of this type.");
            var resourceFilter = Text("--resource", "Only rules with this resource.");
            var outputFormat = Output.FormatOption();
            var noBorder = new Option<bool>("--noborder") { Description = "No borders in text tables." };
            var noHeader = new Option<bool>("--noheader") { Description = "No header row in text tables." };
            Command Listing(string name, string description, string[] titles, Func<List<JsonObject>, List<string[]>> rows)
            {
                var command = new Command(name, description) { typeFilter, resourceFilter, outputFormat, noBorder, noHeader, store };
                command.SetAction(p =>
                {
                    var records = RuleCommands.Records(ctx(p), p.GetValue(typeFilter), p.GetValue(resourceFilter));
                    string format = p.GetValue(outputFormat)!;
                    if (format == "text")
                        stdout.Write(TextTable.Render(titles, rows(records), !p.GetValue(noBorder), !p.GetValue(noHeader), TextTable.Utf8Locale()));
                    else
                        Output.Write(new JsonArray(records.Select(r => (JsonNode?)r).ToArray()), format, stdout);
                    return 0;
                });
                usage[command] = $"ha-manager rules {name} [OPTIONS]";
                return command;
            }
            var config = Listing("config", "List HA rules with their state.", ["enabled", "state", "rule", "type", "resources", "comment"], RuleCommands.ConfigRows);
            var list = Listing("list", "List the IDs of HA rules.", ["rule"],
                records => records.Select(r => new[] { (string)r["rule"]! }).OrderBy(r => r[0], StringComparer.Ordinal).ToList());
            return new Command("rules", "HA rules: node and resource affinity.") { add, config, list, remove, set };
        }
    }

    [System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.KebabCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    [System.Text.Json.Serialization.JsonSerializable(typeof(StatusEntry))]
    internal sealed partial class StatusJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
}
