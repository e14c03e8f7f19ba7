using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using ImageSync.Nodes.Ssh;
using ImageSync.Nodes.Ssh.Keys;
using ImageSync.Nodes.Ssh.Trust;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Nodes;

/// <summary>The agent protocol's framing, against an in-process agent on a Unix socket.</summary>
public sealed class SshAgentClientSpecs
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Should_ask_for_the_identities_and_read_each_key_with_its_comment()
    {
        var ed25519 = FakeAgent.PublicKey("ssh-ed25519");
        var rsa = FakeAgent.PublicKey("ssh-rsa");
        using var agent = FakeAgent.Answering(SshAgentClient.IdentitiesAnswer, FakeAgent.Identities((ed25519, "ops@laptop"), (rsa, "")));

        var identities = await new SshAgentClient(agent.SocketPath, Timeout).ListIdentitiesAsync(CancellationToken.None);

        Assert.Equal([[SshAgentClient.RequestIdentities]], agent.Requests);
        Assert.Equal([("ssh-ed25519", "ops@laptop"), ("ssh-rsa", "")], identities.Select(i => (i.KeyType, i.Comment)));
        Assert.Equal([ed25519, rsa], identities.Select(i => i.PublicKey));
    }

    [Fact]
    public async Task Should_send_the_key_the_data_and_the_flags_and_return_the_signature_as_the_agent_wrote_it()
    {
        var key = FakeAgent.PublicKey("ssh-rsa");
        var signature = new FrameWriter().Bytes("rsa-sha2-512"u8).Bytes([1, 2, 3]).ToArray();
        using var agent = FakeAgent.Answering(SshAgentClient.SignResponse, new FrameWriter().Bytes(signature).ToArray());

        var signed = await new SshAgentClient(agent.SocketPath, Timeout).SignAsync(key, [9, 8, 7], SshAgentClient.RsaSha2512, CancellationToken.None);

        var expected = new byte[] { SshAgentClient.SignRequest }.Concat(new FrameWriter().Bytes(key).Bytes([9, 8, 7]).UInt32(4).ToArray());
        Assert.Equal(expected, Assert.Single(agent.Requests));
        Assert.Equal(signature, signed);
    }

    [Fact]
    public async Task Should_name_the_agent_and_the_key_when_the_agent_refuses_to_sign()
    {
        var key = FakeAgent.PublicKey("ssh-ed25519");
        using var agent = FakeAgent.Answering(SshAgentClient.Failure, []);

        var refusal = await Assert.ThrowsAsync<SshAgentException>(() =>
            new SshAgentClient(agent.SocketPath, Timeout).SignAsync(key, [1], 0, CancellationToken.None));

        Assert.StartsWith($"the ssh-agent at SSH_AUTH_SOCK={agent.SocketPath} refused to sign with {KnownHosts.Fingerprint(key)}", refusal.Message);
    }

    [Fact]
    public async Task Should_report_a_malformed_answer_when_a_key_runs_past_the_end_of_the_message()
    {
        var truncated = FakeAgent.Identities((FakeAgent.PublicKey("ssh-ed25519"), "ops"))[..^10];
        using var agent = FakeAgent.Answering(SshAgentClient.IdentitiesAnswer, truncated);

        var error = await Assert.ThrowsAsync<SshAgentException>(() => new SshAgentClient(agent.SocketPath, Timeout).ListIdentitiesAsync(CancellationToken.None));

        Assert.Contains("sent a malformed answer (truncated string)", error.Message);
    }

    [Fact]
    public async Task Should_report_an_answer_of_another_type_than_the_request_calls_for()
    {
        using var agent = FakeAgent.Answering(SshAgentClient.SignResponse, new FrameWriter().Bytes([1]).ToArray());

        var error = await Assert.ThrowsAsync<SshAgentException>(() => new SshAgentClient(agent.SocketPath, Timeout).ListIdentitiesAsync(CancellationToken.None));

        Assert.Contains($"malformed answer (message type {SshAgentClient.SignResponse}, expected {SshAgentClient.IdentitiesAnswer})", error.Message);
    }

    [Fact]
    public async Task Should_refuse_a_message_longer_than_any_agent_sends_without_reading_it()
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, 256 * 1024 + 1);
        using var agent = new FakeAgent(_ => header);

        var error = await Assert.ThrowsAsync<SshAgentException>(() => new SshAgentClient(agent.SocketPath, Timeout).ListIdentitiesAsync(CancellationToken.None));

        Assert.Contains($"malformed answer (a message of {256 * 1024 + 1} bytes)", error.Message);
    }

    [Fact]
    public async Task Should_give_up_after_its_timeout_when_the_agent_never_answers()
    {
        using var agent = new FakeAgent(_ => null);

        var error = await Assert.ThrowsAsync<SshAgentException>(() =>
            new SshAgentClient(agent.SocketPath, TimeSpan.FromMilliseconds(200)).ListIdentitiesAsync(CancellationToken.None));

        Assert.Equal($"the ssh-agent at SSH_AUTH_SOCK={agent.SocketPath} did not answer within 200ms (connect-timeout)", error.Message);
    }

    [Fact]
    public async Task Should_stop_waiting_when_its_caller_cancels()
    {
        using var agent = new FakeAgent(_ => null);
        using var cancellation = new CancellationTokenSource();
        var listing = new SshAgentClient(agent.SocketPath, Timeout).ListIdentitiesAsync(cancellation.Token);

        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listing);
    }

    [Fact]
    public async Task Should_say_there_is_no_such_socket_when_the_path_names_nothing()
    {
        using var directory = new TempDirectory();
        var socket = directory.File("gone.sock");

        var error = await Assert.ThrowsAsync<SshAgentException>(() => new SshAgentClient(socket, Timeout).ListIdentitiesAsync(CancellationToken.None));

        Assert.StartsWith($"cannot reach the ssh-agent at SSH_AUTH_SOCK={socket}: no such socket", error.Message);
    }

    [Fact]
    public async Task Should_say_the_connection_was_refused_when_an_agent_left_its_socket_behind()
    {
        using var directory = new TempDirectory();
        var socket = directory.File("stale.sock");
        using (var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            // .NET removes the socket file it bound when the socket closes; moved away, the file outlives it as a dead agent's does.
            bound.Bind(new UnixDomainSocketEndPoint(directory.File("live.sock")));
            File.Move(directory.File("live.sock"), socket);
        }

        var error = await Assert.ThrowsAsync<SshAgentException>(() => new SshAgentClient(socket, Timeout).ListIdentitiesAsync(CancellationToken.None));

        Assert.StartsWith($"cannot reach the ssh-agent at SSH_AUTH_SOCK={socket}: connection refused", error.Message);
    }

    [Fact]
    public async Task Should_give_each_of_many_parallel_signings_the_answer_to_its_own_request()
    {
        // The agent signs the data it was given back, so an answer read on another request's connection shows.
        using var agent = new FakeAgent(request =>
        {
            var data = request[(1 + 4 + FakeAgent.PublicKey("ssh-ed25519").Length)..^4];
            return FakeAgent.Frame(SshAgentClient.SignResponse, new FrameWriter().Bytes(data).ToArray());
        });
        var client = new SshAgentClient(agent.SocketPath, Timeout);
        var key = FakeAgent.PublicKey("ssh-ed25519");
        var payloads = Enumerable.Range(0, 32).Select(i => new FrameWriter().Bytes(Encoding.ASCII.GetBytes($"node-{i}")).ToArray()).ToList();

        var signatures = await Task.WhenAll(payloads.Select(payload => client.SignAsync(key, payload, 0, CancellationToken.None)));

        Assert.Equal(payloads.Select(p => new FrameWriter().Bytes(p).ToArray()), signatures);
    }
}
