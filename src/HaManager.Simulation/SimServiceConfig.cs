using System.Globalization;
using HaManager.Core.Model;

namespace HaManager.Simulator;

/// <summary>
/// The simulated resources configuration (simulator §2.1): raw properties per sid, read with the
/// simulator's defaults (missing state = <c>disabled</c>). Every change goes through this class and bumps
/// <see cref="Version"/>, so the typed view is parsed once per change instead of once per read.
/// </summary>
public sealed class SimServiceConfig
{
    private readonly Dictionary<string, Dictionary<string, string>> _props = new(StringComparer.Ordinal);
    private SortedMap<ServiceConfigEntry>? _typed;

    /// <summary>Incremented by every change.</summary>
    public long Version { get; private set; }

    /// <summary>Configured sids (unordered).</summary>
    public IEnumerable<string> Sids => _props.Keys;

    /// <summary>True iff the sid is configured.</summary>
    public bool Contains(string sid) => _props.ContainsKey(sid);

    /// <summary>A raw property, or null.</summary>
    public string? Get(string sid, string key) =>
        _props.TryGetValue(sid, out var p) && p.TryGetValue(key, out var v) ? v : null;

    /// <summary>Adds a resource.</summary>
    public void Add(string sid, IEnumerable<KeyValuePair<string, string>> properties)
    {
        _props.Add(sid, new Dictionary<string, string>(properties, StringComparer.Ordinal));
        Changed();
    }

    /// <summary>Removes a resource; false if it was not configured.</summary>
    public bool Delete(string sid)
    {
        bool removed = _props.Remove(sid);
        if (removed) Changed();
        return removed;
    }

    /// <summary>Sets a property of a configured resource.</summary>
    public void Set(string sid, string key, string value)
    {
        _props[sid][key] = value;
        Changed();
    }

    /// <summary>Removes a property of a configured resource.</summary>
    public void Remove(string sid, string key)
    {
        if (_props[sid].Remove(key)) Changed();
    }

    private void Changed()
    {
        Version++;
        _typed = null;
    }

    /// <summary>The typed view with defaults applied; the caller owns the returned copies.</summary>
    public SortedMap<ServiceConfigEntry> Read()
    {
        if (_typed is null)
        {
            _typed = new SortedMap<ServiceConfigEntry>();
            foreach (var (sid, props) in _props) _typed[sid] = ToEntry(sid, props);
        }
        return new SortedMap<ServiceConfigEntry>(_typed, e => e.Clone());
    }

    private static ServiceConfigEntry ToEntry(string sid, IReadOnlyDictionary<string, string> props)
    {
        string state = props.TryGetValue("state", out var s) && s.Length > 0 ? s : RequestedStates.Disabled;
        if (state == RequestedStates.Enabled) state = RequestedStates.Started;
        return new ServiceConfigEntry
        {
            Node = props.TryGetValue("node", out var node) ? node : "",
            State = state,
            Type = ServiceId.TypeOf(sid),
            Failback = !props.TryGetValue("failback", out var fb) || Number(fb) != 0,
            MaxRestart = props.TryGetValue("max_restart", out var mr) ? (int)Number(mr) : 1,
            MaxRelocate = props.TryGetValue("max_relocate", out var ml) ? (int)Number(ml) : 1,
            Group = props.TryGetValue("group", out var g) ? g : null,
            Comment = props.TryGetValue("comment", out var c) ? c : null,
        };
    }

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : 0;
}
