namespace HaManager.Simulator;

/// <summary>One node of the simulated hardware as given by a scenario.</summary>
public sealed class NodeHardwareInput
{
    /// <summary><c>on</c> or <c>off</c>.</summary>
    public string Power { get; set; } = "off";
    /// <summary><c>on</c> or <c>off</c>.</summary>
    public string Network { get; set; } = "off";
    /// <summary>Management software version; null means <c>9.0.0~2</c>.</summary>
    public string? Version { get; set; }
    /// <summary>Cores (CRS capacity); null when not given.</summary>
    public double? MaxCpu { get; set; }
    /// <summary>Bytes of memory (CRS capacity); null when not given.</summary>
    public double? MaxMem { get; set; }
}

/// <summary>
/// Everything a scenario gives the simulator (simulator §2.1), whichever format it came from: an
/// upstream-style directory or one of our YAML files. Texts are kept raw where later parts
/// (rules, groups, statistics) parse them.
/// </summary>
public sealed class ScenarioInput
{
    /// <summary>Scenario name for reports.</summary>
    public string Name { get; set; } = "";

    /// <summary>Node name → hardware; the key set is the fixed node set.</summary>
    public SortedDictionary<string, NodeHardwareInput> Hardware { get; set; } = new(StringComparer.Ordinal);

    /// <summary>sid → raw properties (values as text; <c>node</c> required).</summary>
    public SortedDictionary<string, SortedDictionary<string, string>> Services { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The pre-seeded manager status JSON, or null.</summary>
    public string? ManagerStatusJson { get; set; }

    /// <summary>The HA parts of datacenter.cfg.</summary>
    public HaManager.Core.Environment.DatacenterSettings Datacenter { get; set; } =
        HaManager.Core.Environment.DatacenterSettings.Empty;

    /// <summary>The command batches.</summary>
    public List<List<string>> Commands { get; set; } = [];

    /// <summary>Loops from one batch slot to the next: 5 (upstream's, batch k at 20 + 100·(k−1) s); 1 for runs
    /// recorded in the browser simulator, where a command runs at the next loop (YAML <c>loops_per_batch</c>).</summary>
    public int LoopsPerBatch { get; set; } = 5;

    /// <summary>The same scenario with other command batches (the set-up is shared, not copied: a simulation
    /// only reads it).</summary>
    public ScenarioInput WithCommands(List<List<string>> commands)
    {
        var copy = (ScenarioInput)MemberwiseClone();
        copy.Commands = commands;
        return copy;
    }

    /// <summary>Node → (sid → running) from <c>service_status_&lt;node&gt;</c>.</summary>
    public Dictionary<string, Dictionary<string, bool>> Running { get; set; } = new(StringComparer.Ordinal);

    /// <summary><c>static_service_stats</c>: sid → {maxcpu, maxmem}; null when not given (defaults apply).</summary>
    public Dictionary<string, Dictionary<string, double>>? StaticServiceStats { get; set; }

    /// <summary><c>dynamic_service_stats</c>: sid → {cpu, mem}; null when not given (defaults apply).</summary>
    public Dictionary<string, Dictionary<string, double>>? DynamicServiceStats { get; set; }

    /// <summary><c>job_durations</c> (our extension): sid → virtual seconds its migrate, relocate and
    /// start-balance jobs take; null or a missing sid means they finish at once, as upstream's.</summary>
    public Dictionary<string, long>? JobDurations { get; set; }

    /// <summary>Raw <c>fence.cfg</c> text, or null (no hardware fencing).</summary>
    public string? FenceConfig { get; set; }

    /// <summary>Raw <c>rules_config</c> text, or null.</summary>
    public string? RulesConfig { get; set; }

    /// <summary>The timeouts the simulated nodes run with; null: upstream's pmxcfs values (every scenario
    /// log is written with them). <c>ha-manager what-if</c> passes the cluster's own.</summary>
    public HaManager.Core.SafetyBudget? Budget { get; set; }

    /// <summary>Raw <c>groups</c> text, or null.</summary>
    public string? GroupsConfig { get; set; }

    /// <summary>For a scenario that shows a run ending in an error: the start of that error (YAML
    /// <c>expected_fatal</c>); null for a scenario that must end normally.</summary>
    public string? ExpectedFatal { get; set; }

    /// <summary>What the loader filled in or passed over (a default it used, a file it ignored): shown to
    /// the user, never silent.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>The expected log, or null.</summary>
    public string? ExpectedLog { get; set; }

    /// <summary>The three default nodes used when a scenario names none.</summary>
    public static SortedDictionary<string, NodeHardwareInput> DefaultHardware() => new(StringComparer.Ordinal)
    {
        ["node1"] = new(), ["node2"] = new(), ["node3"] = new(),
    };

    /// <summary>vm:101…vm:106 spread over node1..3, without state, used when a scenario names no services.</summary>
    public static SortedDictionary<string, SortedDictionary<string, string>> DefaultServices()
    {
        var services = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        for (int i = 0; i < 6; i++)
            services[$"vm:{101 + i}"] = new(StringComparer.Ordinal) { ["node"] = $"node{i % 3 + 1}" };
        return services;
    }
}

/// <summary>A scenario that cannot be loaded (bad JSON, bad sid, missing node…): the run never starts.</summary>
public sealed class ScenarioLoadException(string message) : Exception(message);
