using System.Net;
using System.Net.Sockets;
using System.Text;
using ImageSync.Configuration;
using Microsoft.Extensions.Hosting;

namespace ImageSync.Metrics;

/// <summary>What a route answers: a status, a content type and a body.</summary>
public sealed record HttpAnswer(int Status, string ContentType, byte[] Body)
{
    public static HttpAnswer Text(int status, string text) => new(status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text));
}

/// <summary>
/// The daemon's small HTTP endpoint on <c>daemon.metrics</c> (<c>/metrics</c>, <c>/healthz</c>; the routes are
/// handed in, so another one is one more entry). It binds exactly the address configured, 0.0.0.0 and [::]
/// included, and answers whatever Host header a scraper or a container health check sends; HttpListener did
/// neither. It binds when it starts, so an address in use or not available stops the daemon's start with a
/// <see cref="ListenerException"/> naming it, before any sync.
/// Slow clients cannot starve a health probe: it accepts whatever arrives, a request head has a few seconds to
/// arrive, and past <see cref="MaxConnections"/> the connection that has waited longest for its head is dropped
/// for the newcomer, so a probe, which sends its head at once, is answered whatever holds the port.
/// </summary>
public sealed class MetricsEndpoint(string address, IReadOnlyDictionary<string, Func<CancellationToken, Task<HttpAnswer>>> routes) : IHostedService, IDisposable
{
    private const int MaxRequestHead = 8 * 1024;
    private const int MaxConnections = 128;

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource _stopping = new();
    // The connections still reading their request head, oldest first; the lock guards it and the count.
    private readonly LinkedList<CancellationTokenSource> _reading = [];
    private int _open;
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;

    /// <summary>The address and port it listens on (the port the OS chose when the config says 0).</summary>
    public IPEndPoint? LocalEndpoint => _listener?.LocalEndpoint as IPEndPoint;

    /// <exception cref="ListenerException">The address cannot be resolved or bound.</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = Bind(address);
        _accepting = AcceptAsync(_listener, _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _listener?.Stop();
        await _accepting.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private static TcpListener Bind(string address)
    {
        if (!NodeAddress.TryParse(address, out var parsed, out var error) || parsed.Port is not { } port)
            throw new ListenerException($"daemon.metrics '{address}' is not host:port ({error})");
        IPAddress ip;
        try
        {
            ip = IPAddress.TryParse(parsed.Host, out var literal) ? literal : Dns.GetHostAddresses(parsed.Host)[0];
        }
        catch (Exception e) when (e is SocketException or IndexOutOfRangeException)
        {
            throw new ListenerException($"daemon.metrics '{address}': cannot resolve {parsed.Host}: {e.Message}");
        }
        var listener = new TcpListener(ip, port);
        // [::] also answers IPv4 clients, as a container scraped on its IPv4 address needs.
        if (ip.Equals(IPAddress.IPv6Any)) listener.Server.DualMode = true;
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new ListenerException($"daemon.metrics '{address}': cannot listen on {new IPEndPoint(ip, port)}: {e.Message}");
        }
        return listener;
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken stopping)
    {
        var answering = new List<Task>();
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }
            answering.RemoveAll(t => t.IsCompleted);
            answering.Add(AnswerAsync(client, Admit(stopping)));
        }
        await Task.WhenAll(answering);
    }

    /// <summary>A place for a new connection: when all are taken, the one that has waited longest for its request head gives up its own.</summary>
    private LinkedListNode<CancellationTokenSource> Admit(CancellationToken stopping)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(RequestTimeout);
        lock (_reading)
        {
            if (_open >= MaxConnections && _reading.First is { } slowest)
            {
                _reading.Remove(slowest);
                slowest.Value.Cancel();
            }
            _open++;
            return _reading.AddLast(timeout);
        }
    }

    private void HeadRead(LinkedListNode<CancellationTokenSource> connection)
    {
        lock (_reading)
        {
            if (connection.List is not null) _reading.Remove(connection);
        }
    }

    private async Task AnswerAsync(Socket client, LinkedListNode<CancellationTokenSource> connection)
    {
        using var timeout = connection.Value;
        try
        {
            await using var stream = new NetworkStream(client, ownsSocket: true);
            var head = await ReadHeadAsync(stream, timeout.Token);
            HeadRead(connection);
            var (method, path) = RequestLine(head);
            var answer = method is not ("GET" or "HEAD") ? HttpAnswer.Text(405, "GET only\n")
                : routes.TryGetValue(path, out var route) ? await route(timeout.Token)
                : HttpAnswer.Text(404, "not found\n");
            await WriteAsync(stream, answer, withBody: method != "HEAD", timeout.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or InvalidDataException)
        {
            // The client went away, was too slow, or sent something that is not HTTP: nothing to answer.
        }
        finally
        {
            HeadRead(connection);
            lock (_reading) _open--;
        }
    }

    /// <summary>The request line and headers, up to the blank line; the headers (Host included) are not needed.</summary>
    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = new byte[MaxRequestHead];
        var length = 0;
        while (length < head.Length)
        {
            var read = await stream.ReadAsync(head.AsMemory(length), cancellationToken);
            if (read == 0) break;
            length += read;
            if (head.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0 || head.AsSpan(0, length).IndexOf("\n\n"u8) >= 0)
                return Encoding.ASCII.GetString(head, 0, length);
        }
        throw new InvalidDataException("no complete HTTP request head");
    }

    private static (string Method, string Path) RequestLine(string head)
    {
        var parts = head[..head.IndexOf('\n')].TrimEnd('\r').Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/", StringComparison.Ordinal)) throw new InvalidDataException("not an HTTP request line");
        var query = parts[1].IndexOf('?');
        return (parts[0], query < 0 ? parts[1] : parts[1][..query]);
    }

    private static async Task WriteAsync(NetworkStream stream, HttpAnswer answer, bool withBody, CancellationToken cancellationToken)
    {
        var reason = answer.Status switch { 200 => "OK", 404 => "Not Found", 405 => "Method Not Allowed", 503 => "Service Unavailable", _ => "Status" };
        var head = $"HTTP/1.1 {answer.Status} {reason}\r\nContent-Type: {answer.ContentType}\r\nContent-Length: {answer.Body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        if (withBody) await stream.WriteAsync(answer.Body, cancellationToken);
    }

    public void Dispose()
    {
        _listener?.Dispose();
        _stopping.Dispose();
    }
}

/// <summary>A listener of the daemon could not start: the message names the setting, the address and why.</summary>
public sealed class ListenerException(string message) : Exception(message);
