using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HaManager.Core.Environment;

namespace HaManager.Store.Etcd;

/// <summary>
/// Mutual TLS to etcd: the cluster's CA (the only root a member's certificate may chain to — the system's
/// trust store is not consulted) and this node's certificate and key, all PEM files (<c>ha-cluster</c>
/// writes them under <c>/etc/hamanager/pki</c>).
/// </summary>
public sealed record EtcdTls(string CaFile, string CertFile, string KeyFile)
{
    /// <summary>Loads the files; a missing or unreadable one is a <see cref="HaEnvironmentException"/> naming it.</summary>
    public (X509Certificate2 Ca, X509Certificate2 Client) Load()
    {
        try
        {
            var ca = X509Certificate2.CreateFromPem(File.ReadAllText(CaFile));
            var client = X509Certificate2.CreateFromPemFile(CertFile, KeyFile);
            return (ca, client);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new HaEnvironmentException($"etcd TLS: cannot load {CaFile}, {CertFile}, {KeyFile} - {e.Message}\n");
        }
    }

    /// <summary>Client options: this node's certificate, and a server certificate accepted only when it chains
    /// to <paramref name="ca"/> and names the host dialled.</summary>
    public static SslClientAuthenticationOptions ClientOptions(X509Certificate2 ca, X509Certificate2 client) => new()
    {
        ClientCertificates = [client],
        RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            certificate is not null && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
            && ChainsTo(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), ca),
    };

    /// <summary>Whether <paramref name="certificate"/> chains to <paramref name="ca"/> as its only trusted root.</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
