using System.Net;
using System.Net.Sockets;

namespace HaManager.LocalCluster;

/// <summary>
/// A TCP proxy on loopback in front of one etcd member, for one HA node: the node's view of etcd can be cut
/// (every open connection is reset and new ones are closed at once: a real connection failure, as a pulled
/// cable that the kernel reports) and healed. Each node reaches each member through its own proxy.
/// </summary>
public sealed class TcpCutProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly List<TcpClient> _open = [];
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _cut;

    /// <summary>Listens on a free loopback port and forwards to <paramref name="target"/>.</summary>
    public TcpCutProxy(IPEndPoint target)
    {
        _target = target;
        _listener.Start();
        _ = AcceptLoop();
    }

    /// <summary>The URL to use instead of the target's.</summary>
    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Whether the proxy is cut.</summary>
    public bool IsCut => _cut;

    /// <summary>Resets every connection and refuses new ones until <see cref="Heal"/>.</summary>
    public void Cut()
    {
        _cut = true;
        lock (_gate)
        {
            foreach (var c in _open) Reset(c);
            _open.Clear();
        }
    }

    /// <summary>Lets connections through again.</summary>
    public void Heal() => _cut = false;

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try { inbound = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            if (_cut) { Reset(inbound); continue; }
            _ = Forward(inbound);
        }
    }

    private async Task Forward(TcpClient inbound)
    {
        var outbound = new TcpClient();
        try
        {
            await outbound.ConnectAsync(_target, _stop.Token);
            lock (_gate)
            {
                if (_cut) throw new SocketException((int)SocketError.ConnectionReset);
                _open.Add(inbound);
                _open.Add(outbound);
            }
            using var a = inbound.GetStream();
            using var b = outbound.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(inbound);
                _open.Remove(outbound);
            }
            Reset(inbound);
            Reset(outbound);
        }
    }

    private static void Reset(TcpClient client)
    {
        try { client.Client.LingerState = new LingerOption(true, 0); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        client.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Cut();
    }
}
