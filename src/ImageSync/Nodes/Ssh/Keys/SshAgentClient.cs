using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using ImageSync.Nodes.Ssh.Trust;

namespace ImageSync.Nodes.Ssh.Keys;

/// <summary>A key an agent holds: its public key blob, as the SSH wire format writes it, and the comment ssh-add gave it.</summary>
public sealed record AgentIdentity(byte[] PublicKey, string Comment)
{
    /// <summary>The key type inside the blob, e.g. <c>ssh-ed25519</c>.</summary>
    public string KeyType => KnownHosts.KeyTypeOf(PublicKey);

    public string Fingerprint => KnownHosts.Fingerprint(PublicKey);
}

/// <summary>The agent could not be reached, or refused or garbled an answer. The message names the agent and never holds key material.</summary>
public sealed class SshAgentException(string message) : Exception(message);

/// <summary>
/// The client side of the ssh-agent protocol (draft-miller-ssh-agent) over the agent's Unix socket: listing
/// the keys and asking for a signature. Each request opens a connection of its own, so nodes connecting in
/// parallel never read each other's answers and need no lock; the agent serves many clients at once, and
/// <c>ssh.max-connecting</c> bounds how many there are.
/// </summary>
public sealed class SshAgentClient(string socketPath, TimeSpan timeout)
{
    public const byte Failure = 5;
    public const byte RequestIdentities = 11;
    public const byte IdentitiesAnswer = 12;
    public const byte SignRequest = 13;
    public const byte SignResponse = 14;

    /// <summary>Sign flags asking for an RSA signature over SHA-256 or SHA-512 instead of SHA-1.</summary>
    public const uint RsaSha2256 = 2;
    public const uint RsaSha2512 = 4;

    // OpenSSH's own bound (AGENT_MAX_LEN): a longer frame is no agent's answer.
    private const int MaxMessage = 256 * 1024;

    /// <summary>How operators name this agent in messages.</summary>
    public string Name => $"the ssh-agent at SSH_AUTH_SOCK={socketPath}";

    public async Task<IReadOnlyList<AgentIdentity>> ListIdentitiesAsync(CancellationToken cancellationToken)
    {
        var answer = await ExchangeAsync(RequestIdentities, [], cancellationToken).ConfigureAwait(false);
        var reader = Expect(answer, IdentitiesAnswer, "list its keys");
        var count = reader.UInt32();
        // Each key needs at least its two length fields; a count beyond that is a garbled answer.
        if (count > (uint)answer.Length / 8) throw Garbled("key count");
        var identities = new List<AgentIdentity>((int)count);
        for (var i = 0; i < count; i++) identities.Add(new AgentIdentity(reader.Bytes(), Encoding.UTF8.GetString(reader.Bytes())));
        return identities;
    }

    /// <returns>The signature as SSH writes it: the algorithm name, then the signature blob.</returns>
    public async Task<byte[]> SignAsync(byte[] publicKey, byte[] data, uint flags, CancellationToken cancellationToken)
    {
        var request = new FrameWriter().Bytes(publicKey).Bytes(data).UInt32(flags).ToArray();
        var answer = await ExchangeAsync(SignRequest, request, cancellationToken).ConfigureAwait(false);
        return Expect(answer, SignResponse, "sign with " + KnownHosts.Fingerprint(publicKey)).Bytes();
    }

    private FrameReader Expect(byte[] answer, byte wanted, string what)
    {
        if (answer.Length == 0) throw Garbled("empty message");
        if (answer[0] == Failure)
        {
            throw new SshAgentException($"{Name} refused to {what} (a key added with ssh-add -c needs a confirmation no one can give here; "
                + "a locked agent needs ssh-add -X)");
        }
        if (answer[0] != wanted) throw Garbled($"message type {answer[0]}, expected {wanted}");
        return new FrameReader(answer, 1, Garbled);
    }

    /// <summary>One request and its answer on a connection of their own; every socket call is bounded by the timeout.</summary>
    private async Task<byte[]> ExchangeAsync(byte type, byte[] contents, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var frame = new byte[5 + contents.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(1 + contents.Length));
        frame[4] = type;
        contents.CopyTo(frame, 5);
        try
        {
            await Bounded(t => socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), t), cancellationToken).ConfigureAwait(false);
            await Bounded(t => socket.SendAsync(frame, SocketFlags.None, t), cancellationToken).ConfigureAwait(false);
            var header = new byte[4];
            await ReceiveExactlyAsync(socket, header, cancellationToken).ConfigureAwait(false);
            var length = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (length > MaxMessage) throw Garbled($"a message of {length} bytes");
            var answer = new byte[length];
            await ReceiveExactlyAsync(socket, answer, cancellationToken).ConfigureAwait(false);
            return answer;
        }
        catch (SocketException e)
        {
            var why = e.SocketErrorCode switch
            {
                SocketError.AddressNotAvailable => "no such socket",
                SocketError.ConnectionRefused => "connection refused (an agent that is gone left its socket behind?)",
                SocketError.AccessDenied => "permission denied",
                _ => e.Message,
            };
            throw new SshAgentException($"cannot reach {Name}: {why} (is ssh-agent running, and SSH_AUTH_SOCK its socket?)");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SshAgentException($"{Name} did not answer within {Durations.Show(timeout)} (connect-timeout)");
        }
    }

    private async Task ReceiveExactlyAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        for (var read = 0; read < buffer.Length;)
        {
            var got = await Bounded(t => socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, t), cancellationToken).ConfigureAwait(false);
            if (got == 0) throw new SshAgentException($"{Name} closed the connection before answering");
            read += got;
        }
    }

    private async Task<T> Bounded<T>(Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        return await call(deadline.Token).ConfigureAwait(false);
    }

    private async Task Bounded(Func<CancellationToken, ValueTask> call, CancellationToken cancellationToken) =>
        await Bounded(async t =>
        {
            await call(t).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    private SshAgentException Garbled(string what) => new($"{Name} sent a malformed answer ({what})");
}
