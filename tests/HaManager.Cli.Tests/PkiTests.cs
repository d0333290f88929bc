using System.Net;
using System.Security.Cryptography.X509Certificates;
using HaManager.Cli.Cluster;
using HaManager.Store.Etcd;

namespace HaManager.Cli.Tests;

/// <summary>
/// Goal: the cluster's certificates are what mutual TLS and joins rely on. Method: certificates made by
/// <see cref="Pki"/>, checked with .NET's chain builder against one CA as the only root.
/// </summary>
public class PkiTests
{
    [Test]
    public void A_node_certificate_chains_to_its_cluster_CA_and_to_no_other()
    {
        var ca = Pki.CreateCa("one");
        var other = Pki.CreateCa("two");
        var (key, request) = Pki.CreateRequest("node1", IPAddress.Parse("10.0.0.1"));
        var node = Pki.Sign(ca, request, "node1", IPAddress.Parse("10.0.0.1")).CopyWithPrivateKey(key);
        Assert.That(EtcdTls.ChainsTo(node, ca), Is.True);
        Assert.That(EtcdTls.ChainsTo(node, other), Is.False, "a certificate of another cluster is not let in");
        Assert.That(node.NotAfter, Is.LessThanOrEqualTo(ca.NotAfter));
        var usages = node.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value);
        Assert.That(usages, Is.EquivalentTo(new[] { "1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2" }), "etcd server, peer and client");
    }

    [Test]
    public void The_signer_names_the_certificate_not_the_request()
    {
        var ca = Pki.CreateCa("one");
        var (_, request) = Pki.CreateRequest("mallory", IPAddress.Parse("10.9.9.9"));
        var signed = Pki.Sign(ca, request, "node2", IPAddress.Parse("10.0.0.2"));
        var names = signed.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.That(names.EnumerateDnsNames(), Is.EqualTo(new[] { "node2" }));
        Assert.That(names.EnumerateIPAddresses(), Is.EqualTo(new[] { IPAddress.Parse("10.0.0.2") }));
        Assert.That(signed.Subject, Does.Contain("CN=node2"));
    }

    [Test]
    public void Fingerprints_compare_whatever_their_case_and_separators()
    {
        var ca = Pki.CreateCa("one");
        string fingerprint = Pki.Fingerprint(ca);
        Assert.That(fingerprint, Does.Match("^([0-9A-F]{2}:){31}[0-9A-F]{2}$"));
        Assert.That(Pki.SameFingerprint(fingerprint.ToLowerInvariant().Replace(":", ""), fingerprint), Is.True);
        Assert.That(Pki.SameFingerprint(Pki.Fingerprint(Pki.CreateCa("one")), fingerprint), Is.False);
        Assert.That(Pki.SameFingerprint(fingerprint[..20], fingerprint[..20]), Is.False, "a fragment is no fingerprint");
    }

    [Test]
    public void A_secret_is_written_readable_by_root_only()
    {
        string dir = Directory.CreateTempSubdirectory("hamanager-pki-").FullName;
        try
        {
            Pki.WriteFile(Path.Combine(dir, "key"), "secret\n", secret: true);
            Pki.WriteFile(Path.Combine(dir, "crt"), "public\n", secret: false);
            Assert.That(File.GetUnixFileMode(Path.Combine(dir, "key")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(File.GetUnixFileMode(Path.Combine(dir, "crt")) & UnixFileMode.OtherRead, Is.EqualTo(UnixFileMode.OtherRead));
            Assert.That(File.ReadAllText(Path.Combine(dir, "key")), Is.EqualTo("secret\n"));
            Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "key", "crt" }), "no temporary file left");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
