using System.Globalization;
using HaManager.Core;
using HaManager.Store;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HaManager.Configuration;

/// <summary>A node configuration that cannot be used; the message names the key.</summary>
public sealed class NodeConfigException(string message) : Exception(message);

/// <summary>
/// The node configuration, <c>/etc/hamanager/hamanager.yaml</c>:
/// <code>
/// node: node1                       # default: the short host name
/// store: directory:/var/lib/hamanager   # or etcd:URL[,URL…]; HAMANAGER_STORE overrides
/// watchdog_socket: /run/watchdog-mux.sock
/// profile: default                  # default (60 s client watchdog, 10 s device) or fast (10 s, 5 s)
/// watchdog_client_timeout: 60       # instead of the profile's: what watchdog-mux is started with,
/// watchdog_device_timeout: 10       #   in HA seconds (at time scale F, F times the real seconds)
/// time_scale: 1                     # every HA timeout divided by this (tests and demos)
/// ocf_root: /usr/lib/ocf
/// post_mortem_dir: /var/lib/hamanager/post-mortem   # why the node last fenced itself
/// etcd_ca: /etc/hamanager/pki/ca.crt   # mutual TLS to etcd (ha-cluster writes these three):
/// etcd_cert: /etc/hamanager/pki/node.crt   #   the cluster's CA, this node's certificate
/// etcd_key: /etc/hamanager/pki/node.key    #   and key (PEM)
/// </code>
/// Environment variables (<c>HAMANAGER_NODE</c>, <c>HAMANAGER_STORE</c>, <c>HAMANAGER_WATCHDOG_SOCKET</c>,
/// <c>HAMANAGER_TIME_SCALE</c>) override the file, so scripts and ha-local-cluster can run many nodes
/// on one machine. Every error names the key; a daemon with a bad configuration does not start.
/// </summary>
public sealed record NodeConfig
{
    /// <summary>The default location.</summary>
    public const string DefaultPath = "/etc/hamanager/hamanager.yaml";

    /// <summary>The node name.</summary>
    public required string Node { get; init; }

    /// <summary>The cluster store: <c>directory:PATH</c> or <c>etcd:URL[,URL…]</c>.</summary>
    public required StoreAddress Store { get; init; }

    /// <summary>watchdog-mux's socket.</summary>
    public string WatchdogSocket { get; init; } = "/run/watchdog-mux.sock";

    /// <summary>The timeouts: the profile's watchdog timeouts, derived as <see cref="SafetyBudget"/> says.</summary>
    public SafetyBudget Budget { get; init; } = SafetyBudget.Derived(60, 10);

    /// <summary>The profile's name.</summary>
    public string Profile { get; init; } = "default";

    /// <summary>HA seconds per real second.</summary>
    public double TimeScale { get; init; } = 1;

    /// <summary>The OCF root.</summary>
    public string OcfRoot { get; init; } = "/usr/lib/ocf";

    /// <summary>On etcd: wake the daemons on changes instead of waiting for their next round (default true).</summary>
    public bool EtcdWatch { get; init; } = true;

    /// <summary>Where this node keeps what explains its next self-fence: watchdog-mux's record (file
    /// <c>watchdog-mux</c>) and the daemons' lock and quorum losses (<c>ha-lrm.events</c>, <c>ha-crm.events</c>).
    /// Default <c>/var/lib/hamanager/post-mortem</c>; <c>HAMANAGER_POST_MORTEM_DIR</c> overrides.</summary>
    public string PostMortemDir { get; init; } = "/var/lib/hamanager/post-mortem";

    /// <summary>Mutual TLS to etcd, when the configuration names the CA, certificate and key.</summary>
    public Store.Etcd.EtcdTls? EtcdTls { get; init; }

    /// <summary>The file's keys as written (YAML scalars; <c>key:</c> with nothing after it is null).</summary>
    private sealed class Document
    {
        public string? Node, Store, WatchdogSocket, Profile, WatchdogClientTimeout, WatchdogDeviceTimeout, TimeScale, OcfRoot,
            EtcdWatch, PostMortemDir, EtcdCa, EtcdCert, EtcdKey;

        private const string Known = "node, store, watchdog_socket, profile, watchdog_client_timeout, watchdog_device_timeout, "
            + "time_scale, ocf_root, etcd_watch, post_mortem_dir, etcd_ca, etcd_cert, etcd_key";

        /// <summary>Reads the flat <c>key: value</c> mapping through YamlDotNet's representation model (no
        /// reflection: <c>ha-manager</c> is compiled ahead of time). Errors name line, column and key.</summary>
        public static Document Parse(string text, string path)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(text));
            }
            catch (YamlException e)
            {
                throw new NodeConfigException($"{path}: line {e.Start.Line}, column {e.Start.Column}: {(e.InnerException?.Message ?? e.Message).Split(" (at Line")[0]}");
            }
            var doc = new Document();
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" }) return doc;
            string At(YamlNode node) => $"{path}: line {node.Start.Line}, column {node.Start.Column}";
            if (stream.Documents[0].RootNode is not YamlMappingNode map) throw new NodeConfigException($"{At(stream.Documents[0].RootNode)}: expected 'key: value' lines");
            foreach (var (keyNode, valueNode) in map.Children)
            {
                string key = (keyNode as YamlScalarNode)?.Value ?? "";
                if (valueNode is not YamlScalarNode scalar) throw new NodeConfigException($"{At(valueNode)}: {key}: expected one value");
                // A plain empty value ("key:") means unset, as "~" and "null" do.
                string? value = scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is "" or "~" or "null" ? null : scalar.Value;
                switch (key)
                {
                    case "node": doc.Node = value; break;
                    case "store": doc.Store = value; break;
                    case "watchdog_socket": doc.WatchdogSocket = value; break;
                    case "profile": doc.Profile = value; break;
                    case "watchdog_client_timeout": doc.WatchdogClientTimeout = value; break;
                    case "watchdog_device_timeout": doc.WatchdogDeviceTimeout = value; break;
                    case "time_scale": doc.TimeScale = value; break;
                    case "ocf_root": doc.OcfRoot = value; break;
                    case "etcd_watch": doc.EtcdWatch = value; break;
                    case "post_mortem_dir": doc.PostMortemDir = value; break;
                    case "etcd_ca": doc.EtcdCa = value; break;
                    case "etcd_cert": doc.EtcdCert = value; break;
                    case "etcd_key": doc.EtcdKey = value; break;
                    default: throw new NodeConfigException($"{At(keyNode)}: unknown key '{key}' (known keys: {Known})");
                }
            }
            return doc;
        }
    }

    /// <summary>The safety budget of a node: the profile's watchdog timeouts, watchdog-mux's one-second tick
    /// (<paramref name="scale"/> HA seconds when time runs faster) and the skew margin of the store. On the
    /// directory store (and pmxcfs) other nodes judge a lock's age by their own clocks: 5 s for clocks that
    /// disagree. On etcd one clock judges every lease — the leader's, and a leader change only re-arms
    /// leases, later — so the margin only covers etcd's expiry check (every 0.5 s) and the moment between
    /// a renewal and the watchdog feed after it: one real second.</summary>
    public static SafetyBudget DeriveBudget(int clientSeconds, int deviceSeconds, double scale, bool etcd)
    {
        int realSecond = (int)Math.Ceiling(scale);
        return SafetyBudget.Derived(clientSeconds, deviceSeconds, skewMarginSeconds: etcd ? realSecond : 5, muxTickSeconds: realSecond);
    }

    /// <summary>Reads the file (a missing file at the default path means all defaults) and the environment.</summary>
    public static NodeConfig Load(string path, Func<string, string?> env, bool mustExist)
    {
        Document doc = new();
        string? text = null;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            if (mustExist) throw new NodeConfigException($"{path}: no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NodeConfigException($"{path}: cannot read it - {e.Message}");
        }
        if (text is not null) doc = Document.Parse(text, path);
        string Pick(string? fromEnv, string? fromFile, string fallback) => fromEnv is { Length: > 0 } ? fromEnv : fromFile ?? fallback;

        string node = Pick(env("HAMANAGER_NODE"), doc.Node, System.Net.Dns.GetHostName().Split('.')[0]);
        if (Core.Formats.HaFormats.CheckHaNodeList(node) is not null || node.Contains(':') || node.Any(char.IsWhiteSpace))
            throw new NodeConfigException($"{path}: node: '{node}' is not a node name");

        string store = Pick(env("HAMANAGER_STORE"), doc.Store, "directory:/var/lib/hamanager");
        StoreAddress address;
        try { address = StoreAddress.Parse(store); }
        catch (FormatException e) { throw new NodeConfigException($"{path}: store: {e.Message}"); }

        string profile = doc.Profile ?? "default";
        var (client, device) = profile switch
        {
            "default" => (60, 10),
            "fast" => (10, 5),
            _ => throw new NodeConfigException($"{path}: profile: '{profile}' is not default or fast"),
        };
        int Seconds(string? text, string key, int fallback) => text is null ? fallback
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 36000 ? n
            : throw new NodeConfigException($"{path}: {key}: '{text}' is not a whole number of seconds from 1 to 36000");
        client = Seconds(doc.WatchdogClientTimeout, "watchdog_client_timeout", client);
        device = Seconds(doc.WatchdogDeviceTimeout, "watchdog_device_timeout", device);

        string scaleText = Pick(env("HAMANAGER_TIME_SCALE"), doc.TimeScale, "1");
        if (!double.TryParse(scaleText, NumberStyles.Float, CultureInfo.InvariantCulture, out double scale) || !(scale >= 1) || scale > 1000)
            throw new NodeConfigException($"{path}: time_scale: '{scaleText}' is not a number from 1 to 1000");

        var budget = DeriveBudget(client, device, scale, address is StoreAddress.Etcd);

        string socket = Pick(env("HAMANAGER_WATCHDOG_SOCKET"), doc.WatchdogSocket, "/run/watchdog-mux.sock");
        if (socket.Trim().Length == 0) throw new NodeConfigException($"{path}: watchdog_socket: empty path");

        string watchText = Pick(env("HAMANAGER_ETCD_WATCH"), doc.EtcdWatch, "true");
        bool watch = watchText switch
        {
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            _ => throw new NodeConfigException($"{path}: etcd_watch: '{watchText}' is not true or false"),
        };

        Store.Etcd.EtcdTls? tls = null;
        if (doc.EtcdCa is not null || doc.EtcdCert is not null || doc.EtcdKey is not null)
        {
            if (doc.EtcdCa is null || doc.EtcdCert is null || doc.EtcdKey is null)
                throw new NodeConfigException($"{path}: etcd_ca, etcd_cert and etcd_key go together (mutual TLS needs all three)");
            foreach (var (key, file) in new[] { ("etcd_ca", doc.EtcdCa), ("etcd_cert", doc.EtcdCert), ("etcd_key", doc.EtcdKey) })
                if (!File.Exists(file)) throw new NodeConfigException($"{path}: {key}: {file}: no such file");
            tls = new Store.Etcd.EtcdTls(doc.EtcdCa, doc.EtcdCert, doc.EtcdKey);
        }

        return new NodeConfig
        {
            EtcdTls = tls,
            Node = node, Store = address, WatchdogSocket = socket, Budget = budget, Profile = profile, TimeScale = scale,
            OcfRoot = doc.OcfRoot ?? "/usr/lib/ocf", EtcdWatch = watch,
            PostMortemDir = Pick(env("HAMANAGER_POST_MORTEM_DIR"), doc.PostMortemDir, "/var/lib/hamanager/post-mortem"),
        };
    }
}
