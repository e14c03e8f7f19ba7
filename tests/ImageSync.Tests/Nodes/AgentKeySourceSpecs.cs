using ImageSync.Nodes.Ssh;
using ImageSync.Nodes.Ssh.Keys;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Nodes;

/// <summary>An agent's key as SSH.NET's public-key authentication uses it.</summary>
public sealed class AgentKeySourceSpecs
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public void Should_sign_an_rsa_key_over_sha2_256_by_asking_the_agent_with_its_flag()
    {
        var key = FakeAgent.PublicKey("ssh-rsa");
        var signature = new FrameWriter().Bytes("rsa-sha2-256"u8).Bytes([5, 5]).ToArray();
        using var agent = FakeAgent.Answering(SshAgentClient.SignResponse, new FrameWriter().Bytes(signature).ToArray());
        var sha256 = Source(agent, key).HostKeyAlgorithms.Single(a => a.Name == "rsa-sha2-256");

        var signed = sha256.Sign([1, 2]);

        Assert.Equal(signature, signed);
        Assert.Equal(key, sha256.Data);
        Assert.Equal((uint)SshAgentClient.RsaSha2256, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Assert.Single(agent.Requests).AsSpan()[^4..]));
    }

    [Fact]
    public void Should_refuse_a_signature_made_with_another_algorithm_than_the_one_offered()
    {
        var signature = new FrameWriter().Bytes("ssh-rsa"u8).Bytes([5, 5]).ToArray();
        using var agent = FakeAgent.Answering(SshAgentClient.SignResponse, new FrameWriter().Bytes(signature).ToArray());
        var sha512 = Source(agent, FakeAgent.PublicKey("ssh-rsa")).HostKeyAlgorithms.First();

        var error = Assert.Throws<SshAgentException>(() => sha512.Sign([1, 2]));

        Assert.Equal($"the ssh-agent at SSH_AUTH_SOCK={agent.SocketPath} signed with 'ssh-rsa' when asked for rsa-sha2-512 (an agent too old for rsa-sha2?)", error.Message);
    }

    [Theory]
    [InlineData("ssh-ed25519", true)]
    [InlineData("ecdsa-sha2-nistp384", true)]
    [InlineData("ssh-rsa", true)]
    [InlineData("ssh-dss", false)]
    [InlineData("sk-ssh-ed25519@openssh.com", false)]
    public void Should_offer_only_ed25519_ecdsa_and_rsa_keys(string keyType, bool offered)
    {
        var identity = new AgentIdentity(FakeAgent.PublicKey(keyType), "");

        var source = AgentKeySource.For(new SshAgentClient("/nonexistent", Timeout), identity, CancellationToken.None);

        Assert.Equal(offered, source is not null);
        Assert.Equal(offered, AgentKeySource.IsUsable(identity));
    }

    private static AgentKeySource Source(FakeAgent agent, byte[] key) =>
        AgentKeySource.For(new SshAgentClient(agent.SocketPath, Timeout), new AgentIdentity(key, ""), CancellationToken.None)!;
}
