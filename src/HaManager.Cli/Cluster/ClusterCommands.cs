using System.Net;
using System.Net.NetworkInformation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Etcdserverpb;
using HaManager.Core.Environment;
using HaManager.Store.Etcd;

namespace HaManager.Cli.Cluster;

/// <summary>What the <c>ha-cluster</c> commands do. Every check that can refuse runs before anything is written;
/// a step that fails after that undoes the earlier ones (files, the etcd member added for a joining node).</summary>
public sealed class ClusterCommands(ClusterPaths paths, TextWriter stdout, TextWriter stderr)
{
    /// <summary>What <c>create</c> and <c>join</c> are told about this node (defaults: the host name, its only IPv4 address,
    /// systemd when it runs).</summary>
    public sealed record NodeOptions(string? Node, string? Address, StartMode? Start);

    // ---- create

    public JsonObject Create(string name, NodeOptions options)
    {
        RefuseIfMember();
        if (ClusterState.CheckName(name, "cluster name") is { } bad) throw new CliFailure(bad + "\n");
        var (node, address, mode) = Resolve(options);
        RefuseExistingData();
        var ca = Pki.CreateCa(name);
        var (key, request) = Pki.CreateRequest(node, address);
        var certificate = Pki.Sign(ca, request, node, address).CopyWithPrivateKey(key);
        string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var state = new ClusterState(name, node, address, Witness: false, mode);
        var member = new LocalMember(paths, mode);
        Undoable(member, () =>
        {
            WritePki(ca, Pki.KeyPem(ca), certificate, token);
            member.WriteConfig(node, address, $"{node}={ClusterState.Text(state.PeerUrl)}", newCluster: true, $"{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
            member.StartEtcd();
            using var view = new ClusterView(paths, state, []);
            ClusterView.Retry(TimeSpan.FromSeconds(30), () =>
            {
                view.Etcd.Put(ClusterView.NameKey, name);
                view.Etcd.Put(ClusterView.Registry + node, Registration(address, witness: false).ToJsonString());
                return true;
            });
            Finish(state, member, [state.ClientUrl]);
        });
        string fingerprint = Pki.Fingerprint(ca);
        stdout.Write($"Cluster '{name}' created: {node} ({address}) is its first member.\n"
            + $"Fingerprint: {fingerprint}\nJoin token:  {token}\n"
            + $"On each further node: ha-cluster join {address} --fingerprint {fingerprint} --token {token}\n");
        return new JsonObject { ["cluster"] = name, ["node"] = node, ["address"] = address.ToString(), ["fingerprint"] = fingerprint, ["token"] = token };
    }

    // ---- join, add-witness

    public JsonObject Join(string seedText, string fingerprint, string token, bool witness, NodeOptions options)
    {
        RefuseIfMember();
        if (!IPAddress.TryParse(seedText, out var seed)) throw new CliFailure($"'{seedText}' is not an IP address of a cluster member\n");
        if (fingerprint.Count(Uri.IsHexDigit) != 64) throw new CliFailure($"'{fingerprint}' is not a SHA-256 fingerprint (64 hex digits, as ha-cluster create and status show it)\n");
        var (node, address, mode) = Resolve(options);
        RefuseExistingData();
        var (key, request) = Pki.CreateRequest(node, address);
        var answer = JoinProtocol.Ask(seed, fingerprint, new JsonObject
        {
            ["node"] = node, ["address"] = address.ToString(), ["witness"] = witness, ["csr"] = request, ["token"] = token,
        });
        if (answer["error"]?.GetValue<string>() is { } error) throw new CliFailure($"{seed} refused the join: {error}\n");
        string name = answer["cluster"]!.GetValue<string>();
        var ca = Pki.Load(answer["ca"]!.GetValue<string>());
        var certificate = Pki.Load(answer["cert"]!.GetValue<string>()).CopyWithPrivateKey(key);
        if (!EtcdTls.ChainsTo(certificate, ca) || !Pki.SameFingerprint(fingerprint, Pki.Fingerprint(ca)))
            throw new CliFailure($"{seed} answered with a certificate that is not the cluster's: refusing\n");
        ulong id = ulong.Parse(answer["id"]!.GetValue<string>(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        var members = answer["members"]!.AsArray().Select(m => (Name: m!["name"]!.GetValue<string>(), Peer: m["peer"]!.GetValue<string>(), Client: m["client"]!.GetValue<string>())).ToArray();
        var state = new ClusterState(name, node, address, witness, mode);
        var member = new LocalMember(paths, mode);
        var others = members.Where(m => m.Name != node).Select(m => new Uri(m.Client)).Prepend(ClusterState.ClientUrlOf(seed)).Distinct().ToArray();
        Undoable(member, () =>
        {
            WritePki(ca, answer["ca_key"]!.GetValue<string>(), certificate, answer["token"]!.GetValue<string>());
            member.WriteConfig(node, address, string.Join(',', members.Select(m => $"{m.Name}={m.Peer}")), newCluster: false, name);
            member.StartEtcd();
            using var view = new ClusterView(paths, state, others);
            // A learner becomes a voting member once it has caught up with the leader.
            ClusterView.Retry(TimeSpan.FromSeconds(60), () => view.Etcd.Members("member promote", (c, o) => c.MemberPromote(new MemberPromoteRequest { ID = id }, o)));
            Finish(state, member, others.Prepend(state.ClientUrl));
        }, undoMember: () =>
        {
            using var view = new ClusterView(paths, state, others);
            view.Reconfigure("member remove", (c, o) => c.MemberRemove(new MemberRemoveRequest { ID = id }, o));
        });
        stdout.Write($"{node} ({address}) joined cluster '{name}' as {(witness ? "witness" : "node")}; members: {members.Length}.\n");
        return new JsonObject { ["cluster"] = name, ["node"] = node, ["address"] = address.ToString(), ["witness"] = witness, ["members"] = members.Length };
    }

    /// <summary>A member's side of a join (run by <c>ha-cluster serve</c>).</summary>
    public JsonObject HandleJoin(JsonObject request, ClusterState self, X509Certificate2 ca, object gate)
    {
        string Field(string key) => request[key] is JsonValue v && v.TryGetValue(out string? s) && s is not null ? s
            : throw new CliFailure($"'{key}' is missing");
        string expected = File.ReadAllText(paths.JoinToken).Trim();
        if (!CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(Field("token")), System.Text.Encoding.UTF8.GetBytes(expected)))
            return JoinProtocol.Refusal("wrong join token (ha-cluster token on a member shows it)");
        string node = Field("node");
        if (Core.Formats.HaFormats.CheckHaNodeList(node) is not null || ClusterState.CheckName(node, "node name") is not null)
            return JoinProtocol.Refusal($"'{node}' is not a valid node name");
        if (!IPAddress.TryParse(Field("address"), out var address)) return JoinProtocol.Refusal("'address' is not an IP address");
        bool witness = request["witness"] is JsonValue w && w.TryGetValue(out bool b) && b;
        lock (gate)
        {
            using var view = new ClusterView(paths, self, []);
            var registered = view.Registered();
            var list = view.Etcd.Members("member list", (c, o) => c.MemberList(new MemberListRequest(), o)).Members;
            if (registered.ContainsKey(node) || list.Any(m => m.Name == node))
                return JoinProtocol.Refusal($"a node named '{node}' is already a member of cluster '{self.Name}' (ha-cluster delnode {node} first, if it is gone)");
            string peer = ClusterState.Text(ClusterState.PeerUrlOf(address));
            foreach (var m in list.Where(m => m.PeerURLs.Any(u => u.TrimEnd('/') == peer)))
            {
                // A member added for an earlier attempt from this address that never started: that attempt failed.
                if (m.Name.Length == 0) view.Reconfigure("member remove", (c, o) => c.MemberRemove(new MemberRemoveRequest { ID = m.ID }, o));
                else return JoinProtocol.Refusal($"address {address} is already member '{m.Name}'");
            }
            var certificate = Pki.Sign(Pki.LoadWithKey(paths.CaCert, paths.CaKey), Field("csr"), node, address);
            var added = view.Reconfigure("member add", (c, o) => c.MemberAdd(new MemberAddRequest { PeerURLs = { peer }, IsLearner = true }, o));
            view.Etcd.Put(ClusterView.Registry + node, Registration(address, witness).ToJsonString());
            var members = new JsonArray();
            foreach (var m in added.Members)
            {
                bool isNew = m.ID == added.Member.ID;
                members.Add((JsonNode)new JsonObject
                {
                    ["name"] = isNew ? node : m.Name, ["peer"] = m.PeerURLs.First(),
                    ["client"] = isNew ? ClusterState.Text(ClusterState.ClientUrlOf(address)) : m.ClientURLs.FirstOrDefault() ?? "",
                });
            }
            return new JsonObject
            {
                ["cluster"] = self.Name, ["ca"] = Pki.CertificatePem(ca), ["ca_key"] = File.ReadAllText(paths.CaKey),
                ["cert"] = Pki.CertificatePem(certificate), ["token"] = File.ReadAllText(paths.JoinToken).Trim(),
                ["id"] = added.Member.ID.ToString("x", System.Globalization.CultureInfo.InvariantCulture), ["members"] = members,
            };
        }
    }

    // ---- status, nodes

    public JsonObject Status()
    {
        var state = RequireMember();
        using var view = Open(state);
        var members = view.Members();
        var (count, healthy, needed) = ClusterView.Quorum(members);
        bool quorate = healthy >= needed;
        bool survives = healthy - 1 >= needed;
        string fingerprint = Pki.Fingerprint(Pki.Load(File.ReadAllText(paths.CaCert)));
        stdout.Write($"Cluster information\n-------------------\nName:             {state.Name}\nFingerprint:      {fingerprint}\n"
            + $"This node:        {state.Node} ({state.Address}){(state.Witness ? ", witness" : "")}\n\n"
            + $"Quorum information\n------------------\nMembers:          {count}\nHealthy:          {healthy}\nNeeded:           {needed}\n"
            + $"Quorate:          {(quorate ? "Yes" : "No")}\n");
        if (members.Any(m => m.Learner)) stdout.Write($"Joining:          {string.Join(", ", members.Where(m => m.Learner).Select(m => m.Name.Length > 0 ? m.Name : m.IdText))}\n");
        if (!survives)
            stdout.Write($"\nWARNING: this cluster cannot survive the loss of any one member ({healthy} of {count} healthy, {needed} needed).\n"
                + "         Add a node (ha-cluster join) or a witness (ha-cluster add-witness) so that one failure keeps quorum.\n");
        return new JsonObject
        {
            ["cluster"] = state.Name, ["fingerprint"] = fingerprint, ["node"] = state.Node, ["address"] = state.Address.ToString(),
            ["witness"] = state.Witness, ["members"] = count, ["healthy"] = healthy, ["needed"] = needed, ["quorate"] = quorate,
            ["survives_one_loss"] = survives,
        };
    }

    public JsonArray Nodes(bool text)
    {
        var state = RequireMember();
        using var view = Open(state);
        var members = view.Members();
        var registered = view.Registered();
        var published = view.Published();
        var ha = HaRoles(view);
        var rows = new JsonArray();
        foreach (var m in members.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            string name = m.Name.Length > 0 ? m.Name : registered.FirstOrDefault(r => r.Value["address"]?.GetValue<string>() == m.Address?.ToString()).Key ?? "";
            var info = published.GetValueOrDefault(name);
            bool witness = registered.GetValueOrDefault(name)?["witness"]?.GetValue<bool>() == true;
            string role = witness ? "witness" : ha.GetValueOrDefault(name, "-");
            if (m.Learner) role = "joining";
            rows.Add((JsonNode)new JsonObject
            {
                ["node"] = name, ["id"] = m.IdText, ["address"] = m.Address?.ToString(), ["online"] = info is not null && m.Healthy,
                ["quorate"] = info?["quorate"]?.GetValue<bool>() == true && m.Healthy, ["role"] = role,
                ["uptime"] = info?["uptime"]?.GetValue<long>(), ["load"] = info?["load"]?.GetValue<double>(),
                ["memory_total"] = info?["mem_total"]?.GetValue<long>(), ["memory_used"] = info?["mem_used"]?.GetValue<long>(),
            });
        }
        if (text)
        {
            var lines = rows.Select(r => new[]
            {
                r!["node"]!.GetValue<string>(), r["id"]!.GetValue<string>(), r["address"]?.GetValue<string>() ?? "?",
                r["online"]!.GetValue<bool>() ? "online" : "offline", r["quorate"]!.GetValue<bool>() ? "yes" : "no", r["role"]!.GetValue<string>(),
                r["uptime"] is { } u ? Uptime(u.GetValue<long>()) : "-",
                r["load"] is { } l ? l.GetValue<double>().ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "-",
                r["memory_total"] is { } t && t.GetValue<long>() > 0 ? $"{100 * r["memory_used"]!.GetValue<long>() / t.GetValue<long>()}%" : "-",
            }).ToList();
            string table = TextTable.Render(["Node", "ID", "Address", "State", "Quorate", "Role", "Uptime", "Load", "Memory"], lines, border: false, header: true, utf8: false);
            stdout.Write(table.EndsWith('\n') ? table : table + "\n");
        }
        return rows;
    }

    private static string Uptime(long seconds) =>
        (seconds >= 86400 ? $"{seconds / 86400}d " : "") + $"{seconds / 3600 % 24:00}:{seconds / 60 % 60:00}:{seconds % 60:00}";

    /// <summary>Each node's HA role from the HA store: master, and its LRM's state (<c>lrm active</c>, <c>lrm idle</c>, …).</summary>
    private Dictionary<string, string> HaRoles(ClusterView view)
    {
        var roles = new Dictionary<string, string>(StringComparer.Ordinal);
        using var store = OpenStore(view.State);
        var status = store.ReadManagerStatus();
        foreach (var kv in view.Etcd.GetPrefix(ClusterState.Prefix + "lrm_status/"))
        {
            string node = kv.Key.ToStringUtf8()[(ClusterState.Prefix + "lrm_status/").Length..];
            var lrm = store.ReadLrmStatus(node);
            roles[node] = $"lrm {lrm.State ?? "?"}{(lrm.Mode is { } mode && mode != "active" ? $" ({mode})" : "")}";
        }
        if (status.MasterNode is { } master) roles[master] = "master" + (roles.TryGetValue(master, out var l) ? ", " + l : "");
        return roles;
    }

    private EtcdStore OpenStore(ClusterState state) =>
        new(new Store.StoreAddress.Etcd([state.ClientUrl], ClusterState.Prefix), state.Node, Core.SafetyBudget.Derived(60, 10),
            new EtcdStoreOptions { Tls = paths.Tls, RequestTimeout = TimeSpan.FromSeconds(3) });

    // ---- leave, delnode

    public JsonObject Leave(bool force)
    {
        var state = RequireMember();
        var mode = state.Start;
        using (var view = Open(state))
        {
            var members = view.Members();
            var self = members.FirstOrDefault(m => m.Name == state.Node);
            var others = members.Where(m => m != self).ToArray();
            if (others.Length == 0 && !force)
                throw new CliFailure($"{state.Node} is the last member of cluster '{state.Name}': leaving dissolves it and its HA configuration (--force to do it)\n");
            if (others.Length > 0)
            {
                CheckQuorumAfter(members, self, state.Name, force);
                SayServices(view, state.Node);
                view.Etcd.Txn(EtcdOps.Txn([], EtcdOps.Delete(ClusterView.Registry + state.Node), EtcdOps.Delete(ClusterView.Info + state.Node)));
                if (self is not null) view.Reconfigure("member remove", (c, o) => c.MemberRemove(new MemberRemoveRequest { ID = self.Id }, o));
            }
        }
        new LocalMember(paths, mode).StopAll();
        RemoveLocalFiles();
        stdout.Write($"{state.Node} left cluster '{state.Name}'.\n");
        if (mode == StartMode.Systemd && !state.Witness)
            stdout.Write("Its HA daemons are stopped; 'systemctl start ha-crm ha-lrm' runs them again on this node's own configuration.\n");
        return new JsonObject { ["cluster"] = state.Name, ["node"] = state.Node, ["left"] = true };
    }

    public JsonObject DelNode(string node, bool force)
    {
        var state = RequireMember();
        if (node == state.Node) throw new CliFailure($"{node} is this node: use ha-cluster leave\n");
        using var view = Open(state);
        var members = view.Members();
        var registered = view.Registered();
        var target = members.FirstOrDefault(m => m.Name == node)
            ?? members.FirstOrDefault(m => m.Name.Length == 0 && registered.TryGetValue(node, out var r) && r["address"]?.GetValue<string>() == m.Address?.ToString());
        if (target is null && !registered.ContainsKey(node))
            throw new CliFailure($"no node '{node}' in cluster '{state.Name}' (members: {string.Join(", ", members.Select(m => m.Name).Where(n => n.Length > 0).Order(StringComparer.Ordinal))})\n");
        if (target is not null) CheckQuorumAfter(members, target, state.Name, force);
        SayServices(view, node);
        view.Etcd.Txn(EtcdOps.Txn([], EtcdOps.Delete(ClusterView.Registry + node), EtcdOps.Delete(ClusterView.Info + node)));
        if (target is not null) view.Reconfigure("member remove", (c, o) => c.MemberRemove(new MemberRemoveRequest { ID = target.Id }, o));
        stdout.Write($"{node} removed from cluster '{state.Name}'.\n");
        return new JsonObject { ["cluster"] = state.Name, ["node"] = node, ["removed"] = true };
    }

    /// <summary>Refuses (unless forced) a removal after which the healthy members are fewer than the new quorum.</summary>
    private static void CheckQuorumAfter(IReadOnlyList<MemberView> members, MemberView? leaving, string cluster, bool force)
    {
        var rest = members.Where(m => m != leaving).ToArray();
        var (count, healthy, needed) = ClusterView.Quorum(rest);
        if (healthy < needed && !force)
            throw new CliFailure($"removing {leaving?.Name} would cost cluster '{cluster}' its quorum: {healthy} of the remaining {count} members are healthy, {needed} are needed (--force to remove it anyway)\n");
    }

    /// <summary>Says what becomes of the HA services on a node that leaves.</summary>
    private void SayServices(ClusterView view, string node)
    {
        using var store = OpenStore(view.State);
        var services = store.ReadManagerStatus().ServiceStatus.Where(s => s.Value.Node == node).Select(s => $"{s.Key} ({s.Value.State})").ToArray();
        if (services.Length == 0) return;
        stderr.Write($"{node} has HA services: {string.Join(", ", services)}.\n"
            + $"Without the cluster store its LRM loses its lock, the watchdog resets {node} if it still runs them, and the\n"
            + "manager recovers them on other nodes once the node's lock has expired. To move them cleanly instead, run\n"
            + $"'ha-manager crm-command node-maintenance enable {node}' first and wait until they run elsewhere.\n");
    }

    // ---- token

    public string Token()
    {
        RequireMember();
        try { return File.ReadAllText(paths.JoinToken).Trim(); }
        catch (IOException e) { throw new CliFailure($"cannot read {paths.JoinToken} - {e.Message}\n"); }
    }

    // ---- helpers

    private ClusterState RequireMember() =>
        ClusterState.Load(paths) ?? throw new CliFailure($"this node is in no cluster ({paths.ClusterFile} is missing): ha-cluster create NAME, or ha-cluster join ADDRESS\n");

    private void RefuseIfMember()
    {
        if (ClusterState.Load(paths) is { } state)
            throw new CliFailure($"this node is already {state.Node}, member of cluster '{state.Name}' ({paths.ClusterFile}): leave it first (ha-cluster leave)\n");
    }

    private void RefuseExistingData()
    {
        if (Directory.Exists(paths.EtcdData) && Directory.EnumerateFileSystemEntries(paths.EtcdData).Any())
            throw new CliFailure($"{paths.EtcdData} holds etcd data of an earlier member: remove it if that member is gone for good\n");
    }

    private (string Node, IPAddress Address, StartMode Mode) Resolve(NodeOptions options)
    {
        string node = options.Node ?? (Environment.GetEnvironmentVariable("HAMANAGER_NODE") is { Length: > 0 } n ? n : Dns.GetHostName().Split('.')[0]);
        if (ClusterState.CheckName(node, "node name") is { } bad) throw new CliFailure(bad + "\n");
        // The kernel's list of addresses (getifaddrs): per-interface properties would also read /etc/resolv.conf.
        var local = IPGlobalProperties.GetIPGlobalProperties().GetUnicastAddresses()
            .Select(a => a.Address).Where(a => !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal).Distinct().ToArray();
        IPAddress address;
        if (options.Address is { } text)
        {
            if (!IPAddress.TryParse(text, out address!)) throw new CliFailure($"'{text}' is not an IP address\n");
            if (!local.Contains(address)) throw new CliFailure($"{address} is not an address of this node (it has: {(local.Length > 0 ? string.Join(", ", local.Select(a => a.ToString())) : "none")})\n");
        }
        else
        {
            var v4 = local.Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).ToArray();
            if (v4.Length != 1) throw new CliFailure($"this node has {(v4.Length == 0 ? "no IPv4 address" : "several addresses: " + string.Join(", ", v4.Select(a => a.ToString())))}: name the one for the cluster with --address\n");
            address = v4[0];
        }
        var mode = options.Start ?? (Directory.Exists("/run/systemd/system") && paths.Root == "/" ? StartMode.Systemd : StartMode.Direct);
        return (node, address, mode);
    }

    private static JsonObject Registration(IPAddress address, bool witness) => new() { ["address"] = address.ToString(), ["witness"] = witness };

    private void WritePki(X509Certificate2 ca, string caKeyPem, X509Certificate2 certificate, string token)
    {
        Pki.PrivateDirectory(paths.PkiDir);
        Pki.WriteFile(paths.CaCert, Pki.CertificatePem(ca), secret: false);
        Pki.WriteFile(paths.CaKey, caKeyPem, secret: true);
        Pki.WriteFile(paths.NodeCert, Pki.CertificatePem(certificate), secret: false);
        Pki.WriteFile(paths.NodeKey, Pki.KeyPem(certificate), secret: true);
        Pki.WriteFile(paths.JoinToken, token + "\n", secret: true);
    }

    /// <summary>The last steps of create and join: the HA node configuration, the membership file, the join service.</summary>
    private void Finish(ClusterState state, LocalMember member, IEnumerable<Uri> endpoints)
    {
        if (!state.Witness) WriteNodeConfig(state, endpoints, keepBackup: true);
        Pki.WriteFile(paths.ClusterFile, state.Render(), secret: false);
        member.StartService(state.Address);
        member.RestartHaDaemons();
    }

    private const string Backup = ".before-ha-cluster";

    /// <summary>Points the HA node configuration at the cluster: its own keys are kept, <c>node</c>, <c>store</c> and
    /// <c>etcd_*</c> replaced; the file as it was is kept beside it for <c>leave</c> (<paramref name="keepBackup"/>).</summary>
    private void WriteNodeConfig(ClusterState state, IEnumerable<Uri> endpoints, bool keepBackup)
    {
        string[] ours = ["node:", "store:", "etcd_ca:", "etcd_cert:", "etcd_key:"];
        string before = File.Exists(paths.NodeConfig) ? File.ReadAllText(paths.NodeConfig) : "";
        if (before.Length > 0 && keepBackup) File.Copy(paths.NodeConfig, paths.NodeConfig + Backup, overwrite: true);
        var kept = before.Split('\n').Where(l => l.Length > 0 && !ours.Any(k => l.StartsWith(k, StringComparison.Ordinal))
            && !l.StartsWith("# ha-cluster:", StringComparison.Ordinal));
        string store = "etcd:" + string.Join(',', endpoints.Distinct().Select(u => u.GetLeftPart(UriPartial.Authority) + ClusterState.Prefix.TrimEnd('/')));
        Pki.WriteFile(paths.NodeConfig, string.Join('\n', kept.Concat([
            $"# ha-cluster: member of cluster '{state.Name}'",
            $"node: {state.Node}", $"store: {store}",
            $"etcd_ca: {paths.CaCert}", $"etcd_cert: {paths.NodeCert}", $"etcd_key: {paths.NodeKey}",
        ])) + "\n", secret: false);
    }

    /// <summary>Keeps the HA node configuration's store line listing every member's client URL, this node's first
    /// (run by <c>ha-cluster serve</c>: members that joined later are reached when this node's own member is down,
    /// from the daemons' next start on). True when the file changed.</summary>
    public bool RefreshStoreEndpoints(ClusterState state, IReadOnlyList<Uri> members)
    {
        if (state.Witness || !File.Exists(paths.NodeConfig)) return false;
        var endpoints = members.Select(u => ClusterState.Text(u)).Prepend(ClusterState.Text(state.ClientUrl)).Distinct().Select(u => new Uri(u)).ToArray();
        Configuration.NodeConfig current;
        try { current = Configuration.NodeConfig.Load(paths.NodeConfig, _ => null, mustExist: true); }
        catch (Configuration.NodeConfigException) { return false; }
        if (current.Store is Store.StoreAddress.Etcd e && e.Endpoints.Select(ClusterState.Text).SequenceEqual(endpoints.Select(ClusterState.Text))) return false;
        WriteNodeConfig(state, endpoints, keepBackup: false);
        return true;
    }

    private void RemoveLocalFiles()
    {
        if (File.Exists(paths.NodeConfig + Backup)) File.Move(paths.NodeConfig + Backup, paths.NodeConfig, overwrite: true);
        else File.Delete(paths.NodeConfig);
        File.Delete(paths.ClusterFile);
        File.Delete(paths.EtcdConfig);
        if (Directory.Exists(paths.PkiDir)) Directory.Delete(paths.PkiDir, recursive: true);
        if (Directory.Exists(paths.EtcdData)) Directory.Delete(paths.EtcdData, recursive: true);
    }

    /// <summary>Runs the steps of create or join; when one fails, stops what was started, removes what was written
    /// (and the member added for this node), and reports the failure.</summary>
    private void Undoable(LocalMember member, Action steps, Action? undoMember = null)
    {
        try { steps(); }
        catch (Exception e) when (e is CliFailure or HaEnvironmentException or IOException or UnauthorizedAccessException)
        {
            try { undoMember?.Invoke(); } catch (HaEnvironmentException) { }
            member.StopAll();
            RemoveLocalFiles();
            throw new CliFailure($"{e.Message.TrimEnd()}\nnothing was changed (what was written and started is undone); etcd's log: {paths.LogFile("etcd")}\n");
        }
    }

    private ClusterView Open(ClusterState state)
    {
        var endpoints = new List<Uri>();
        try
        {
            var config = Configuration.NodeConfig.Load(paths.NodeConfig, _ => null, mustExist: false);
            if (config.Store is Store.StoreAddress.Etcd e) endpoints.AddRange(e.Endpoints);
        }
        catch (Configuration.NodeConfigException) { }
        return new ClusterView(paths, state, endpoints);
    }
}
