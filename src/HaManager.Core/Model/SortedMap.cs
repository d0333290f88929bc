using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace HaManager.Core.Model;

/// <summary>
/// A string-keyed map that enumerates in ordinal key order, with hash lookups. Built for the service
/// status map: it is copied on every store read and write, and a hash table copies in linear time where a
/// sorted tree pays a search per key. The sorted key order is computed when first needed after a key was
/// added or removed; changing a value does not disturb it.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
public sealed class SortedMap<T> : IDictionary<string, T>, IReadOnlyDictionary<string, T>
{
    private readonly Dictionary<string, T> _items;
    private string[]? _sortedKeys;

    /// <summary>An empty map.</summary>
    public SortedMap() => _items = new Dictionary<string, T>(StringComparer.Ordinal);

    /// <summary>A copy of <paramref name="source"/> with every value passed through <paramref name="copy"/>.</summary>
    public SortedMap(SortedMap<T> source, Func<T, T> copy)
    {
        _items = new Dictionary<string, T>(source._items, StringComparer.Ordinal);
        foreach (var (key, value) in source._items) _items[key] = copy(value);
        _sortedKeys = source._sortedKeys; // Immutable once built: shared safely.
    }

    /// <summary>A map with the given entries.</summary>
    public SortedMap(IEnumerable<KeyValuePair<string, T>> entries) : this()
    {
        foreach (var (key, value) in entries) Add(key, value);
    }

    private string[] SortedKeys()
    {
        if (_sortedKeys is null)
        {
            var keys = _items.Keys.ToArray();
            Array.Sort(keys, StringComparer.Ordinal);
            _sortedKeys = keys;
        }
        return _sortedKeys;
    }

    /// <inheritdoc/>
    public T this[string key]
    {
        get => _items[key];
        set
        {
            if (!_items.ContainsKey(key)) _sortedKeys = null;
            _items[key] = value;
        }
    }

    /// <summary>Keys in ordinal order.</summary>
    public IReadOnlyList<string> Keys => SortedKeys();

    /// <summary>Values in key order.</summary>
    public IEnumerable<T> Values => SortedKeys().Select(k => _items[k]);

    /// <inheritdoc/>
    public int Count => _items.Count;

    /// <inheritdoc/>
    public bool IsReadOnly => false;

    ICollection<string> IDictionary<string, T>.Keys => SortedKeys();
    ICollection<T> IDictionary<string, T>.Values => Values.ToList();
    IEnumerable<string> IReadOnlyDictionary<string, T>.Keys => SortedKeys();
    IEnumerable<T> IReadOnlyDictionary<string, T>.Values => Values;

    /// <inheritdoc/>
    public void Add(string key, T value)
    {
        _items.Add(key, value);
        _sortedKeys = null;
    }

    /// <inheritdoc/>
    public bool Remove(string key)
    {
        if (!_items.Remove(key)) return false;
        _sortedKeys = null;
        return true;
    }

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _items.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out T value) => _items.TryGetValue(key, out value);

    /// <inheritdoc/>
    public void Clear()
    {
        _items.Clear();
        _sortedKeys = null;
    }

    /// <summary>Enumerates in key order over the keys present when enumeration started.</summary>
    public IEnumerator<KeyValuePair<string, T>> GetEnumerator()
    {
        foreach (var key in SortedKeys())
            if (_items.TryGetValue(key, out var value)) yield return new KeyValuePair<string, T>(key, value);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    void ICollection<KeyValuePair<string, T>>.Add(KeyValuePair<string, T> item) => Add(item.Key, item.Value);

    bool ICollection<KeyValuePair<string, T>>.Contains(KeyValuePair<string, T> item) =>
        _items.TryGetValue(item.Key, out var v) && EqualityComparer<T>.Default.Equals(v, item.Value);

    void ICollection<KeyValuePair<string, T>>.CopyTo(KeyValuePair<string, T>[] array, int arrayIndex)
    {
        foreach (var pair in this) array[arrayIndex++] = pair;
    }

    bool ICollection<KeyValuePair<string, T>>.Remove(KeyValuePair<string, T> item) =>
        ((ICollection<KeyValuePair<string, T>>)this).Contains(item) && Remove(item.Key);
}
