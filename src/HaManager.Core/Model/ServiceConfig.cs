namespace HaManager.Core.Model;

/// <summary>Requested-state words of a resource (config-cli §3.3).</summary>
public static class RequestedStates
{
    /// <summary>Keep it running (<c>enabled</c> is read as this).</summary>
    public const string Started = "started";
    /// <summary>Keep it stopped, still recover it.</summary>
    public const string Stopped = "stopped";
    /// <summary>Keep it stopped, never recover it.</summary>
    public const string Disabled = "disabled";
    /// <summary>Not managed at all.</summary>
    public const string Ignored = "ignored";
    /// <summary>Legacy alias of <see cref="Started"/>.</summary>
    public const string Enabled = "enabled";
}

/// <summary>
/// One resource as the CRM and LRM see it: the configured properties with defaults applied
/// (crm-manager §3.5, abbreviated <c>cd</c> in the spec).
/// </summary>
public sealed class ServiceConfigEntry
{
    /// <summary>Where the guest currently lives.</summary>
    public string Node { get; set; } = "";

    /// <summary>Requested state, normalised (<c>enabled</c> → <c>started</c>); see <see cref="RequestedStates"/>.</summary>
    public string State { get; set; } = RequestedStates.Started;

    /// <summary>The sid's type (<c>vm</c>, <c>ct</c>, <c>fa</c>).</summary>
    public string Type { get; set; } = "";

    /// <summary>Move back to a higher-priority node when one comes online. Default true.</summary>
    public bool Failback { get; set; } = true;

    /// <summary>Start retries on the same node. Default 1.</summary>
    public int MaxRestart { get; set; } = 1;

    /// <summary>Relocations after failed starts. Default 1.</summary>
    public int MaxRelocate { get; set; } = 1;

    /// <summary>Legacy HA group, if any.</summary>
    public string? Group { get; set; }

    /// <summary>Free-text comment.</summary>
    public string? Comment { get; set; }

    /// <summary>Properties of the resource type itself (<c>ocf</c>: <c>agent</c>, <c>params</c>, timeouts;
    /// <c>service</c>: timeouts), as written in resources.cfg; empty for <c>vm</c>/<c>ct</c>.</summary>
    public IReadOnlyDictionary<string, string> Options { get; set; } = EmptyOptions;

    private static readonly IReadOnlyDictionary<string, string> EmptyOptions = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>A copy.</summary>
    public ServiceConfigEntry Clone() => (ServiceConfigEntry)MemberwiseClone();
}

/// <summary>A change to one resource's configuration: properties to set and keys to delete.</summary>
/// <param name="Set">Property → new value.</param>
/// <param name="Delete">Property names to remove.</param>
public sealed record ServiceConfigChange(IReadOnlyDictionary<string, string> Set, IReadOnlyList<string> Delete);
