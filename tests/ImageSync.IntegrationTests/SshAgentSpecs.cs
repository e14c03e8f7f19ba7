using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary><c>ssh.agent = on</c> against a real ssh-agent and real sshd.</summary>
public sealed class SshAgentSpecs
{
    private const string Api = TestFleet.Prefix + "api:1";

    // Eight nodes log in at once (ssh.max-connecting is 16), each asking the one agent for its keys and a signature.
    [Theory]
    [InlineData("ed25519", 8)]
    [InlineData("ecdsa", 2)]
    [InlineData("rsa", 2)]
    public void Should_sync_with_the_agents_key_alone_when_the_default_key_file_is_absent(string keyType, int nodes)
    {
        using var fleet = new TestFleet(nodes, keyType).Serving(Api);
        fleet[1].Holding(Api);
        StartWithoutKeyFile(fleet);
        using var agent = new TestAgent(fleet.Root).Add(fleet.ClientKey);
        File.Delete(fleet.ClientKey);

        var run = fleet.RunWith(WithHomeOf(fleet, agent.Environment));

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.All(fleet.Nodes, node => Assert.Equal([Api], node.Images));
    }

    [Fact]
    public void Should_sync_with_the_key_file_when_the_agent_holds_only_a_key_the_nodes_refuse()
    {
        using var fleet = new TestFleet(nodes: 2).Serving(Api);
        fleet[1].Holding(Api);
        fleet.Start("ssh.agent = on");
        using var agent = new TestAgent(fleet.Root).Add(OtherKey(fleet));

        var run = fleet.RunWith(agent.Environment);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal([Api], fleet[2].Images);
    }

    [Fact]
    public void Should_exit_2_naming_the_variable_when_the_agent_is_on_and_SSH_AUTH_SOCK_is_not_set()
    {
        using var fleet = new TestFleet(nodes: 1).Serving(Api);
        fleet.Start("ssh.agent = on");

        var run = fleet.RunWith(new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = "" });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("image-sync.ssh.agent: on, but SSH_AUTH_SOCK is not set", run.Stderr);
        Assert.Empty(fleet[1].CrictlCalls);
    }

    [Fact]
    public void Should_exit_2_naming_the_socket_when_no_agent_listens_there()
    {
        using var fleet = new TestFleet(nodes: 1).Serving(Api);
        fleet.Start("ssh.agent = on");
        var socket = Path.Combine(fleet.Root, "no-agent.sock");

        var run = fleet.RunWith(new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = socket });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"image-sync.ssh.agent: cannot reach the ssh-agent at SSH_AUTH_SOCK={socket}", run.Stderr);
        Assert.Empty(fleet[1].CrictlCalls);
    }

    [Fact]
    public void Should_exit_2_when_the_agent_holds_no_keys_and_no_key_file_is_set()
    {
        using var fleet = new TestFleet(nodes: 1).Serving(Api);
        StartWithoutKeyFile(fleet);
        using var agent = new TestAgent(fleet.Root);

        var run = fleet.RunWith(WithHomeOf(fleet, agent.Environment));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"image-sync.ssh.agent: the ssh-agent at SSH_AUTH_SOCK={agent.Socket} holds no keys and no key file is set", run.Stderr);
        Assert.Empty(fleet[1].CrictlCalls);
    }

    [Fact]
    public void Should_fail_authentication_naming_the_agent_when_it_holds_only_a_key_the_nodes_refuse()
    {
        using var fleet = new TestFleet(nodes: 2).Serving(Api);
        StartWithoutKeyFile(fleet);
        using var agent = new TestAgent(fleet.Root).Add(OtherKey(fleet));

        var run = fleet.RunWith(WithHomeOf(fleet, agent.Environment));

        Assert.Equal(3, run.ExitCode);
        Assert.Contains($"authentication failed for user 'root' with the keys of the ssh-agent at SSH_AUTH_SOCK={agent.Socket}", run.Output);
        Assert.Empty(fleet[1].CrictlCalls);
    }

    [Fact]
    public void Should_fail_authentication_naming_the_agent_when_it_refuses_to_sign()
    {
        using var fleet = new TestFleet(nodes: 2).Serving(Api);
        StartWithoutKeyFile(fleet);
        using var agent = new TestAgent(fleet.Root).Add(fleet.ClientKey, confirm: true);

        var run = fleet.RunWith(WithHomeOf(fleet, agent.Environment));

        Assert.Equal(3, run.ExitCode);
        Assert.Contains($"the ssh-agent at SSH_AUTH_SOCK={agent.Socket} refused to sign", run.Output);
        Assert.Empty(fleet[1].CrictlCalls);
    }

    /// <summary>The config with the agent on and no key-file line, so the default ~/.ssh/id_ed25519 is in effect.</summary>
    private static void StartWithoutKeyFile(TestFleet fleet)
    {
        fleet.Start("ssh.agent = on");
        var config = File.ReadAllText(fleet.ConfigFile);
        var keyFileLine = $"key-file = \"{fleet.ClientKey}\"";
        Assert.Contains(keyFileLine, config);
        File.WriteAllText(fleet.ConfigFile, config.Replace(keyFileLine, "", StringComparison.Ordinal));
    }

    /// <summary>The fleet's root as HOME holds no .ssh, so the default key file is absent whoever runs the tests.</summary>
    private static Dictionary<string, string> WithHomeOf(TestFleet fleet, IReadOnlyDictionary<string, string> environment) =>
        new(environment) { ["HOME"] = fleet.Root };

    private static string OtherKey(TestFleet fleet)
    {
        var path = Path.Combine(fleet.Root, "other_key");
        Shell.Require("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "not-authorized", "-f", path]);
        return path;
    }
}
