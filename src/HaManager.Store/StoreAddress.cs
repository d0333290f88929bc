namespace HaManager.Store;

/// <summary>Where a cluster store is: <c>directory:PATH</c> or <c>etcd:URL[,URL…]</c>, as written in the node
/// configuration's <c>store</c>, <c>HAMANAGER_STORE</c> and <c>ha-manager --store</c>.</summary>
public abstract record StoreAddress
{
    /// <summary>The directory store at <paramref name="Path"/>.</summary>
    public sealed record Directory(string Path) : StoreAddress
    {
        /// <inheritdoc/>
        public override string ToString() => "directory:" + Path;
    }

    /// <summary>The etcd store: the members' client URLs and the key prefix of this cluster (the URLs' path,
    /// <c>/hamanager/</c> when they have none).</summary>
    public sealed record Etcd(IReadOnlyList<Uri> Endpoints, string Prefix) : StoreAddress
    {
        /// <inheritdoc/>
        public override string ToString() =>
            "etcd:" + string.Join(',', Endpoints.Select(e => e.GetLeftPart(UriPartial.Authority) + Prefix.TrimEnd('/')));
    }

    /// <summary>The default key prefix in etcd.</summary>
    public const string DefaultEtcdPrefix = "/hamanager/";

    /// <summary>Parses an address; <see cref="FormatException"/> says what is wrong, in words for the user.</summary>
    public static StoreAddress Parse(string text)
    {
        if (text.StartsWith("directory:", StringComparison.Ordinal))
        {
            string path = text["directory:".Length..];
            if (path.Trim().Length == 0) throw new FormatException("directory: needs a path (directory:PATH)");
            return new Directory(path);
        }
        if (!text.StartsWith("etcd:", StringComparison.Ordinal))
            throw new FormatException($"'{text}' is not directory:PATH or etcd:URL[,URL...]");
        var urls = text["etcd:".Length..].Split(',', StringSplitOptions.TrimEntries);
        var endpoints = new List<Uri>();
        string? prefix = null;
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.Host.Length == 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
                throw new FormatException($"etcd: '{url}' is not an http:// or https:// URL of an etcd member");
            string path = uri.AbsolutePath.Trim('/');
            string own = path.Length == 0 ? DefaultEtcdPrefix : "/" + path + "/";
            if (prefix is not null && own != prefix)
                throw new FormatException($"etcd: the URLs name different key prefixes ('{prefix}' and '{own}')");
            prefix = own;
            endpoints.Add(new Uri(uri.GetLeftPart(UriPartial.Authority)));
        }
        return new Etcd(endpoints, prefix ?? DefaultEtcdPrefix);
    }
}
