using ImageSync.Configuration;
using ImageSync.Nodes.Ssh.Keys;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Nodes;

/// <summary>Which keys a connection offers: the key file, the agent's, or both; and what is wrong when there are none.</summary>
public sealed class ClientKeysSpecs
{
    [Theory]
    [InlineData(false, true, "/keys/id", false, true)]
    [InlineData(true, true, "/keys/id", false, false)]
    [InlineData(true, true, "/keys/id", true, true)]
    [InlineData(true, false, "/keys/id", false, true)]
    [InlineData(true, false, "", false, false)]
    public void Should_load_the_key_file_unless_the_agent_is_on_and_the_file_is_none_or_an_absent_default(bool agent, bool isDefault, string keyFile, bool exists, bool loaded)
    {
        var ssh = Ssh("") with { Agent = agent, KeyFileIsDefault = isDefault, KeyFile = keyFile };

        var uses = ClientKeys.UsesKeyFile(ssh, path => exists && path == keyFile);

        Assert.Equal(loaded, uses);
    }

    [Fact]
    public void Should_name_SSH_AUTH_SOCK_when_the_agent_is_on_and_the_variable_is_not_set()
    {
        var ssh = Ssh("agent = on, key-file = \"\"");

        var error = Assert.Throws<ConfigException>(() => ClientKeys.Load(ssh, _ => null));

        Assert.Equal(["image-sync.ssh.agent: on, but SSH_AUTH_SOCK is not set: run image-sync where ssh-agent's variables are (eval \"$(ssh-agent)\" and ssh-add), or set ssh.agent = off"], error.Problems);
    }

    [Fact]
    public void Should_check_the_bastions_own_key_file_and_name_its_setting()
    {
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"));
        var ssh = Ssh($"jump-key-file = \"{missing}\"");

        var error = Assert.Throws<ConfigException>(() => ClientKeys.LoadForBastions(ssh, _ => null));

        Assert.Equal([$"image-sync.ssh.jump-key-file: private key '{missing}' does not exist"], error.Problems);
    }

    [Fact]
    public void Should_name_the_key_types_when_the_agent_holds_none_it_can_offer_and_there_is_no_key_file()
    {
        using var agent = FakeAgent.Answering(SshAgentClient.IdentitiesAnswer, FakeAgent.Identities((FakeAgent.PublicKey("ssh-dss"), "old")));
        var ssh = Ssh("agent = on, key-file = \"\"");

        var error = Assert.Throws<ConfigException>(() => ClientKeys.Load(ssh, Socket(agent)));

        Assert.Equal([$"image-sync.ssh.agent: the ssh-agent at SSH_AUTH_SOCK={agent.SocketPath} holds no ed25519, ecdsa or rsa key (only ssh-dss) "
            + "and no key file is set (ssh.key-file is \"\"): ssh-add a key"], error.Problems);
    }

    [Fact]
    public async Task Should_offer_the_keys_the_agent_holds_at_connection_time_and_skip_types_it_cannot_offer()
    {
        var identities = FakeAgent.Identities((FakeAgent.PublicKey("ssh-ed25519"), "a"), (FakeAgent.PublicKey("ssh-dss"), "b"), (FakeAgent.PublicKey("ssh-rsa"), "c"));
        using var agent = FakeAgent.Answering(SshAgentClient.IdentitiesAnswer, identities);
        using var keys = ClientKeys.Load(Ssh("agent = on, key-file = \"\""), Socket(agent));

        var offered = await keys.ForConnectionAsync(CancellationToken.None);

        Assert.Equal([["ssh-ed25519"], ["rsa-sha2-512", "rsa-sha2-256"]], offered.Select(k => k.HostKeyAlgorithms.Select(a => a.Name)));
        Assert.Equal(2, agent.Requests.Count);
        Assert.Equal($"the keys of the ssh-agent at SSH_AUTH_SOCK={agent.SocketPath}", keys.Description);
    }

    [Fact]
    public async Task Should_fail_the_node_naming_the_agent_when_the_agent_is_gone_since_the_start()
    {
        var agent = FakeAgent.Answering(SshAgentClient.IdentitiesAnswer, FakeAgent.Identities((FakeAgent.PublicKey("ssh-ed25519"), "a")));
        using var keys = ClientKeys.Load(Ssh("agent = on, key-file = \"\""), Socket(agent));
        agent.Dispose();

        var error = await Assert.ThrowsAsync<SshAgentException>(() => keys.ForConnectionAsync(CancellationToken.None));

        Assert.StartsWith($"cannot reach the ssh-agent at SSH_AUTH_SOCK={agent.SocketPath}: no such socket", error.Message);
    }

    [Fact]
    public async Task Should_fail_the_node_when_the_agent_has_since_lost_every_key_and_there_is_no_key_file()
    {
        var answers = new Queue<byte[]>([FakeAgent.Identities((FakeAgent.PublicKey("ssh-ed25519"), "a")), FakeAgent.Identities()]);
        using var agent = new FakeAgent(_ => FakeAgent.Frame(SshAgentClient.IdentitiesAnswer, answers.Dequeue()));
        using var keys = ClientKeys.Load(Ssh("agent = on, key-file = \"\""), Socket(agent));

        var error = await Assert.ThrowsAsync<SshAgentException>(() => keys.ForConnectionAsync(CancellationToken.None));

        Assert.Equal($"the ssh-agent at SSH_AUTH_SOCK={agent.SocketPath} holds no keys and no key file is set", error.Message);
    }

    private static SshSettings Ssh(string ssh) => SettingsLoader.Parse($$"""
        image-sync {
          nodes = [ { name = worker-1, host = 10.0.0.11 } ]
          images.include-prefixes = ["registry.example.com/"]
          ssh { {{ssh}} }
        }
        """, environment: name => name == "HOME" ? "/home/tester" : null).Ssh;

    private static Func<string, string?> Socket(FakeAgent agent) => name => name == "SSH_AUTH_SOCK" ? agent.SocketPath : null;
}
