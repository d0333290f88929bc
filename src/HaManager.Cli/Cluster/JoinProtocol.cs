using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace HaManager.Cli.Cluster;

/// <summary>
/// How a new node asks a member to let it in, on port 2382: TLS (the member's node certificate; the member then sends the
/// cluster's CA), then one JSON line each way. The new node trusts the connection only if the CA's SHA-256
/// fingerprint is the one the administrator gave (as <c>pvecm add</c> checks a fingerprint); only then does it
/// send the join token, its name, address and certificate request. Written by hand on <see cref="SslStream"/>: one
/// request and one answer need no HTTP server in a program compiled ahead of time.
/// </summary>
public static class JoinProtocol
{
    private const int MaxLine = 256 * 1024;
    /// <summary>How long either side waits for the other: the member's answer may wait out etcd's refusal of a
    /// member change right after another one (up to 20 s, see <see cref="ClusterView.Reconfigure{T}"/>).</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    /// <summary>Sends <paramref name="request"/> to the member at <paramref name="address"/> and returns its answer.
    /// Refuses (<see cref="CliFailure"/>, nothing sent) when the member's CA is not <paramref name="fingerprint"/>.</summary>
    public static JsonObject Ask(IPAddress address, string fingerprint, JsonObject request)
    {
        string where = $"{address}:{ClusterState.JoinPort}";
        using var tcp = new TcpClient(address.AddressFamily);
        try
        {
            using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            tcp.ConnectAsync(address, ClusterState.JoinPort, connect.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            string why = e is SocketException s ? s.Message : "no answer within 5 s";
            throw new CliFailure($"cannot reach a cluster member at {where} - {why} (is ha-cluster serve running there?)\n");
        }
        tcp.ReceiveTimeout = tcp.SendTimeout = (int)Timeout.TotalMilliseconds;
        // TLS does not carry the root, so the member sends the CA right after the handshake; nothing is sent
        // before the CA's fingerprint is the one given and the member's certificate (whose key TLS proved) chains to it.
        X509Certificate2? leaf = null;
        using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            leaf = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return leaf is not null;
        });
        try
        {
            tls.AuthenticateAsClient(new SslClientAuthenticationOptions { TargetHost = address.ToString() });
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            throw new CliFailure($"TLS with {where} failed - {e.Message}\n");
        }
        X509Certificate2 ca;
        try { ca = Pki.Load(JsonNode.Parse(ReadLine(tls) ?? "")?["ca"]?.GetValue<string>() ?? ""); }
        catch (Exception e) when (e is System.Text.Json.JsonException or System.Security.Cryptography.CryptographicException or InvalidOperationException or IOException)
        {
            throw new CliFailure($"{where} is not a HaManager cluster member (no cluster certificate offered)\n");
        }
        string seen = Pki.Fingerprint(ca);
        if (!Pki.SameFingerprint(fingerprint, seen))
            throw new CliFailure($"the cluster certificate at {where} has fingerprint {seen},\nnot {fingerprint}: refusing to join (wrong address, or someone in between)\n");
        if (!Store.Etcd.EtcdTls.ChainsTo(leaf!, ca))
            throw new CliFailure($"the certificate of {where} is not signed by its cluster certificate: refusing to join\n");
        WriteLine(tls, request.ToJsonString());
        string line = ReadLine(tls) ?? throw new CliFailure($"{where} closed the connection without an answer\n");
        return JsonNode.Parse(line) as JsonObject ?? throw new CliFailure($"{where} answered something that is not a JSON object\n");
    }

    /// <summary>Serves join requests on <paramref name="address"/> until <paramref name="stop"/>; one at a time.</summary>
    public static void Serve(IPAddress address, X509Certificate2 certificate, X509Certificate2 ca, Func<JsonObject, JsonObject> handle,
        Action<string> log, CancellationToken stop)
    {
        var listener = new TcpListener(address, ClusterState.JoinPort);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        using var _ = stop.Register(listener.Stop);
        var context = SslStreamCertificateContext.Create(certificate, [ca], offline: true);
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = listener.AcceptTcpClient(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                if (stop.IsCancellationRequested) return;
                continue;
            }
            using (client)
            {
                client.ReceiveTimeout = client.SendTimeout = (int)Timeout.TotalMilliseconds;
                string peer = client.Client.RemoteEndPoint?.ToString() ?? "?";
                try
                {
                    using var tls = new SslStream(client.GetStream(), false);
                    tls.AuthenticateAsServer(new SslServerAuthenticationOptions { ServerCertificateContext = context });
                    WriteLine(tls, new JsonObject { ["ca"] = Pki.CertificatePem(ca) }.ToJsonString());
                    string? line = ReadLine(tls);
                    if (line is null) continue;
                    JsonObject answer;
                    try
                    {
                        answer = JsonNode.Parse(line) is JsonObject request ? handle(request) : Refusal("the request is not a JSON object");
                    }
                    catch (System.Text.Json.JsonException) { answer = Refusal("the request is not JSON"); }
                    catch (CliFailure e) { answer = Refusal(e.Message.TrimEnd()); }
                    catch (Core.Environment.HaEnvironmentException e) { answer = Refusal(e.Message.TrimEnd()); }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        // A bug of ours must not take the join service down with it.
                        answer = Refusal($"internal error of the member ({e.GetType().Name}): {e.Message}");
                    }
                    log($"join request from {peer}: {(answer["error"] is { } error ? "refused: " + error : "accepted")}");
                    WriteLine(tls, answer.ToJsonString());
                }
                catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException)
                {
                    log($"join connection from {peer} failed: {e.Message}");
                }
            }
        }
    }

    /// <summary>An answer that refuses, with the reason for the person at the joining node.</summary>
    public static JsonObject Refusal(string why) => new() { ["error"] = why };

    private static void WriteLine(Stream stream, string line)
    {
        stream.Write(Encoding.UTF8.GetBytes(line + "\n"));
        stream.Flush();
    }

    private static string? ReadLine(Stream stream)
    {
        var bytes = new List<byte>();
        var buffer = new byte[4096];
        while (bytes.Count < MaxLine)
        {
            int n = stream.Read(buffer);
            if (n == 0) return bytes.Count == 0 ? null : Encoding.UTF8.GetString(bytes.ToArray());
            int newline = Array.IndexOf(buffer, (byte)'\n', 0, n);
            bytes.AddRange(buffer.Take(newline >= 0 ? newline : n));
            if (newline >= 0) return Encoding.UTF8.GetString(bytes.ToArray());
        }
        throw new IOException("line too long");
    }
}
