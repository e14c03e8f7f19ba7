using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using ImageSync.Nodes.Ssh;

namespace ImageSync.Tests.Support;

/// <summary>
/// An in-process stand-in for ssh-agent on a Unix socket: each connection's request (type and contents) is
/// recorded and answered with the bytes <c>answer</c> gives for it, written as they are; null never answers.
/// </summary>
public sealed class FakeAgent : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<byte[], byte[]?> _answer;

    public FakeAgent(Func<byte[], byte[]?> answer)
    {
        _answer = answer;
        SocketPath = _directory.File("agent.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(64);
        _ = AcceptAsync();
    }

    public string SocketPath { get; }

    public ConcurrentQueue<byte[]> Requests { get; } = new();

    /// <summary>An agent answering every request with the same message.</summary>
    public static FakeAgent Answering(byte type, byte[] contents) => new(_ => Frame(type, contents));

    /// <summary>A message as the agent protocol frames it: its length, its type, its contents.</summary>
    public static byte[] Frame(byte type, byte[] contents)
    {
        var frame = new byte[5 + contents.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(1 + contents.Length));
        frame[4] = type;
        contents.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>A public key blob of the given type; its key bytes are filler, which only a server would check.</summary>
    public static byte[] PublicKey(string type, byte filler = 7) => new FrameWriter().Bytes(System.Text.Encoding.ASCII.GetBytes(type)).Bytes(new byte[32].Select(_ => filler).ToArray()).ToArray();

    /// <summary>The contents of an identities answer listing these keys.</summary>
    public static byte[] Identities(params (byte[] Key, string Comment)[] keys)
    {
        var writer = new FrameWriter().UInt32((uint)keys.Length);
        foreach (var (key, comment) in keys) writer.Bytes(key).Bytes(System.Text.Encoding.UTF8.GetBytes(comment));
        return writer.ToArray();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var connection = await _listener.AcceptAsync(_stop.Token);
                _ = ServeAsync(connection);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Disposed: the test is over.
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        using (connection)
        {
            try
            {
                var header = await ReceiveAsync(connection, 4);
                var request = await ReceiveAsync(connection, (int)BinaryPrimitives.ReadUInt32BigEndian(header));
                Requests.Enqueue(request);
                if (_answer(request) is { } answer) await connection.SendAsync(answer, _stop.Token);
                else await Task.Delay(Timeout.Infinite, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or EndOfStreamException)
            {
                // The client gave up, or the test is over.
            }
        }
    }

    private async Task<byte[]> ReceiveAsync(Socket connection, int count)
    {
        var buffer = new byte[count];
        for (var read = 0; read < count;)
        {
            var got = await connection.ReceiveAsync(buffer.AsMemory(read), _stop.Token);
            if (got == 0) throw new EndOfStreamException();
            read += got;
        }
        return buffer;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _directory.Dispose();
    }
}
