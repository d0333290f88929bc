using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HaManager.Cli.Cluster;

/// <summary>
/// The cluster's certificates, made with .NET's own X.509 classes (no openssl command): a CA created by
/// <c>ha-cluster create</c> (ECDSA P-256, 10 years), and per node a certificate for its name and address that
/// serves as etcd server, etcd peer and etcd client (both key usages), signed by the CA. Keys never leave
/// a file readable by root only (0600, written before any content).
/// </summary>
public static class Pki
{
    private static readonly TimeSpan Validity = TimeSpan.FromDays(3650);

    /// <summary>A new CA for cluster <paramref name="cluster"/>.</summary>
    public static X509Certificate2 CreateCa(string cluster)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=HaManager cluster {cluster} CA, O=HaManager", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        return request.CreateSelfSigned(now, now + Validity);
    }

    /// <summary>A key and signing request for node <paramref name="node"/> at <paramref name="address"/>: the key stays
    /// on the node, the request travels to a member that holds the CA.</summary>
    public static (ECDsa Key, string RequestPem) CreateRequest(string node, IPAddress address)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={node}, O=HaManager", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(node);
        names.AddIpAddress(address);
        request.CertificateExtensions.Add(names.Build());
        return (key, request.CreateSigningRequestPem());
    }

    /// <summary>Signs a node's request. Only the subject's common name and the names the signer chooses are
    /// taken from it (the request's own extensions are not trusted): the node's name and address.</summary>
    public static X509Certificate2 Sign(X509Certificate2 ca, string requestPem, string node, IPAddress address)
    {
        var request = CertificateRequest.LoadSigningRequestPem(requestPem, HashAlgorithmName.SHA256,
            CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        var signed = new CertificateRequest(new X500DistinguishedName($"CN={node}, O=HaManager"), request.PublicKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(node);
        names.AddIpAddress(address);
        signed.CertificateExtensions.Add(names.Build());
        signed.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        signed.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        signed.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        signed.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var notAfter = new DateTimeOffset(ca.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return signed.Create(ca, now, now + Validity < notAfter ? now + Validity : notAfter, serial);
    }

    /// <summary>The SHA-256 fingerprint as <c>AB:CD:…</c> (how <c>pvecm</c> and <c>openssl x509 -fingerprint</c> show it).</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Whether two fingerprints are the same, whatever their case and separators.</summary>
    public static bool SameFingerprint(string a, string b) =>
        Normal(a).Length == 64 && string.Equals(Normal(a), Normal(b), StringComparison.Ordinal);

    private static string Normal(string fingerprint) =>
        new string(fingerprint.Where(Uri.IsHexDigit).ToArray()).ToUpperInvariant();

    /// <summary>A certificate as PEM.</summary>
    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    /// <summary>A certificate's private key as PKCS#8 PEM.</summary>
    public static string KeyPem(X509Certificate2 certificate) =>
        (certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("certificate without an ECDSA key")).ExportPkcs8PrivateKeyPem() + "\n";

    /// <summary>A CA certificate with its key, from PEM files.</summary>
    public static X509Certificate2 LoadWithKey(string certFile, string keyFile) => X509Certificate2.CreateFromPemFile(certFile, keyFile);

    /// <summary>A certificate without its key, from PEM text.</summary>
    public static X509Certificate2 Load(string pem) => X509Certificate2.CreateFromPem(pem);

    private const Mono.Unix.Native.FilePermissions Private = Mono.Unix.Native.FilePermissions.S_IRUSR | Mono.Unix.Native.FilePermissions.S_IWUSR;
    private const Mono.Unix.Native.FilePermissions Public = Private | Mono.Unix.Native.FilePermissions.S_IRGRP | Mono.Unix.Native.FilePermissions.S_IROTH;

    /// <summary>Makes a directory that only root can enter.</summary>
    public static void PrivateDirectory(string path)
    {
        Directory.CreateDirectory(path);
        Mono.Unix.Native.Syscall.chmod(path, Mono.Unix.Native.FilePermissions.S_IRWXU);
    }

    /// <summary>Writes a file atomically; <paramref name="secret"/> ones are 0600 from the start (the temporary file
    /// is created with that mode before anything is written), others 0644.</summary>
    public static void WriteFile(string path, string text, bool secret)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + ".tmp";
        File.Delete(temp);
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
        {
            // The mode is set while the file is still empty: a secret is never readable by others.
            if (Mono.Unix.Native.Syscall.chmod(temp, secret ? Private : Public) != 0)
                throw new IOException($"cannot set the mode of {temp}: {Mono.Unix.Native.Stdlib.GetLastError()}");
            using var writer = new StreamWriter(stream);
            writer.Write(text);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
