using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>
/// Nodes in a private network (<see cref="PrivateNetwork"/>: a namespace whose loopback only processes inside it
/// reach) synced through a bastion sshd on the network's one reachable address, as <c>ssh -J</c> would reach them.
/// </summary>
public sealed class BastionSpecs : IDisposable
{
    private const string Api = TestFleet.Prefix + "api:1";
    private const string Web = TestFleet.Prefix + "web:1";

    private readonly PrivateNetwork _network = new();
    private readonly TestFleet _fleet = new(nodes: 3);
    private readonly List<SshdNode> _bastions = [];

    public BastionSpecs()
    {
        _fleet.Serving(Api, Web);
        _fleet[1].Holding(Api);
        _fleet[2].Holding(Web);
        foreach (var node in _fleet.Nodes) node.Inside(_network);
    }

    [Fact]
    public void Should_sync_every_node_through_one_bastion_connection_when_the_nodes_are_reachable_only_through_it()
    {
        // Sessions off on the bastion: the nodes' tunnels are direct-tcpip channels, which MaxSessions does not count.
        var bastion = Bastion("bastion", onGateway: true).WithSshd("MaxSessions 0");
        Start($"ssh.jump = \"root@{_network.Gateway}:{bastion.Port}\"");

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.All(_fleet.Nodes, node => Assert.Equal([Api, Web], node.Images));
        Assert.Equal(1, bastion.Logins);
    }

    [Fact]
    public void Should_not_reach_the_nodes_when_no_bastion_is_set()
    {
        Bastion("bastion", onGateway: true);
        Start();

        var run = _fleet.Run();

        Assert.Equal(3, run.ExitCode);
        Assert.All(_fleet.Nodes, node => Assert.Contains("connection refused by 127.0.0.1:", Assert.Single(_fleet.DayFile("image-sync"), l => l.Contains($"NODE {node.Name} UNREACHABLE"))));
    }

    [Fact]
    public void Should_sync_through_a_chain_of_two_bastions_when_the_second_is_reachable_only_through_the_first()
    {
        var outer = Bastion("outer", onGateway: true);
        var inner = Bastion("inner", onGateway: false);
        Start($"ssh.jump = [\"root@{_network.Gateway}:{outer.Port}\", \"127.0.0.1:{inner.Port}\"]");

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.All(_fleet.Nodes, node => Assert.Equal([Api, Web], node.Images));
        Assert.Equal((1, 1), (outer.Logins, inner.Logins));
    }

    [Fact]
    public void Should_report_every_node_behind_a_bastion_unreachable_with_its_one_reason_when_the_bastion_refuses_us()
    {
        var bastion = Bastion("bastion", onGateway: true);
        bastion.RevokeClientKey();
        Start($"ssh.jump = \"root@{_network.Gateway}:{bastion.Port}\"");

        var run = _fleet.Run();

        Assert.Equal(3, run.ExitCode);
        Assert.All(_fleet.Nodes, node => Assert.Contains($"via bastion root@{_network.Gateway}:{bastion.Port}: authentication failed for user 'root'",
            Assert.Single(_fleet.DayFile("image-sync"), l => l.Contains($"NODE {node.Name} UNREACHABLE"))));
        Assert.Equal(1, bastion.Connections);
        Assert.All(_fleet.Nodes, node => Assert.Equal(0, node.Connections));
    }

    [Fact]
    public void Should_name_the_bastion_and_the_node_when_the_bastion_cannot_reach_the_node()
    {
        var bastion = Bastion("bastion", onGateway: true);
        Start($"ssh.jump = \"root@{_network.Gateway}:{bastion.Port}\"");
        _fleet[3].Dispose();

        var run = _fleet.Run();

        Assert.Equal(3, run.ExitCode);
        Assert.Contains($"bastion root@{_network.Gateway}:{bastion.Port} cannot reach 127.0.0.1:{_fleet[3].Port}: ",
            Assert.Single(_fleet.DayFile("image-sync"), l => l.Contains("NODE node-3 UNREACHABLE")));
        Assert.Equal([Api, Web], _fleet[1].Images);
    }

    [Fact]
    public void Should_reach_a_node_directly_when_its_own_jump_is_empty_and_the_others_through_the_bastion()
    {
        using var outside = new SshdNode("outside", _fleet.Root, File.ReadAllText(_fleet.ClientKey + ".pub"), _fleet.Registry);
        outside.Start();
        var bastion = Bastion("bastion", onGateway: true);
        var nodes = _fleet.Nodes.Select(n => $"{{ name = {n.Name}, host = 127.0.0.1, port = {n.Port} }}")
            .Append($"{{ name = outside, host = 127.0.0.1, port = {outside.Port}, jump = [] }}");
        Start($"ssh.jump = \"root@{_network.Gateway}:{bastion.Port}\"\nnodes = [ {string.Join(", ", nodes)} ]", outside.KnownHostsLine);

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal([Api, Web], outside.Images);
        Assert.All(_fleet.Nodes, node => Assert.Equal([Api, Web], node.Images));
    }

    [Fact]
    public void Should_log_in_to_the_bastion_with_its_own_key_and_to_the_nodes_with_theirs()
    {
        var bastionKey = Path.Combine(_fleet.Root, "bastion_key");
        Shell.Require("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", bastionKey]);
        var bastion = Bastion("bastion", onGateway: true);
        File.WriteAllText(bastion.AuthorizedKeys, File.ReadAllText(bastionKey + ".pub"));
        var jump = $"ssh.jump = \"root@{_network.Gateway}:{bastion.Port}\"";
        Start($"{jump}\nssh.jump-key-file = \"{bastionKey}\"");

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.All(_fleet.Nodes, node => Assert.Equal([Api, Web], node.Images));
        File.WriteAllText(_fleet.ConfigFile, File.ReadAllText(_fleet.ConfigFile).Replace($"ssh.jump-key-file = \"{bastionKey}\"", ""));
        var withNodesKey = _fleet.Run();
        Assert.True(withNodesKey.ExitCode == 3, withNodesKey.Output);
        Assert.Contains($"via bastion root@{_network.Gateway}:{bastion.Port}: authentication failed for user 'root' with key {_fleet.ClientKey}", withNodesKey.Output);
    }

    private SshdNode Bastion(string name, bool onGateway)
    {
        var bastion = new SshdNode(name, _fleet.Root, File.ReadAllText(_fleet.ClientKey + ".pub"), _fleet.Registry).Inside(_network, onGateway);
        _bastions.Add(bastion);
        return bastion;
    }

    /// <summary>Starts the nodes and bastions; known_hosts holds every one of them, by the name the config uses.</summary>
    private void Start(string extraConfig = "", params string[] moreKnownHosts)
    {
        foreach (var bastion in _bastions) bastion.Start();
        _fleet.Start(extraConfig);
        _fleet.WriteKnownHosts([.. _fleet.Nodes.Concat(_bastions).Select(n => n.KnownHostsLine), .. moreKnownHosts]);
    }

    public void Dispose()
    {
        foreach (var bastion in _bastions) bastion.Dispose();
        _fleet.Dispose();
        _network.Dispose();
    }
}
