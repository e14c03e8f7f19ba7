using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Nodes;

public sealed class KeptConnectionsSpecs : IDisposable
{
    private readonly ScriptedTransport _nodes = new();
    private readonly ImageSyncSettings _settings = TestData.Ssh();
    private KeptConnections _pool = new(maxOpen: 1000);

    [Fact]
    public async Task Should_lend_the_connection_it_kept_to_the_next_sync_when_the_last_one_gave_it_back()
    {
        var node = _nodes.Node("w1");
        var transport = _pool.Serving(_nodes, _settings);
        await (await transport.ConnectAsync(Spec("w1"), default)).DisposeAsync();

        var next = await transport.ConnectAsync(Spec("w1"), default);

        Assert.True(next.Reused, "the second sync's session should be the kept connection");
        Assert.Equal(1, _nodes.ConnectAttempts);
        Assert.False(node.Closed, "a kept connection is not closed");
    }

    [Fact]
    public async Task Should_close_the_connection_instead_of_keeping_it_when_a_call_on_it_failed()
    {
        var node = _nodes.Node("w1");
        var transport = _pool.Serving(_nodes, _settings);
        var session = await transport.ConnectAsync(Spec("w1"), default);
        node.ConnectionLost = true;
        await Assert.ThrowsAsync<NodeException>(() => session.RunAsync(NodeCommand.Check.Instance, default));

        await session.DisposeAsync();
        var next = await transport.ConnectAsync(Spec("w1"), default);

        Assert.True(node.Closed, "a broken connection should be closed");
        Assert.False(next.Reused, "a broken connection should never be lent again");
        Assert.Equal(2, _nodes.ConnectAttempts);
    }

    [Fact]
    public async Task Should_close_the_connection_when_it_is_given_back_while_a_call_on_it_still_runs()
    {
        var node = _nodes.Node("w1");
        node.Script = _ => null;
        var session = await _pool.Serving(_nodes, _settings).ConnectAsync(Spec("w1"), default);
        _ = session.RunAsync(new NodeCommand.Pull(TestData.Image("api:1"), TimeSpan.FromMinutes(1)), default);

        await session.DisposeAsync();

        Assert.True(node.Closed, "a connection with a call still running is in doubt and should be closed");
        Assert.Equal(0, _pool.Open);
    }

    [Fact]
    public async Task Should_close_the_least_recently_used_connection_when_more_than_max_open_connections_would_stay_open()
    {
        _pool = new KeptConnections(maxOpen: 2);
        var (w1, w2, w3) = (_nodes.Node("w1"), _nodes.Node("w2"), _nodes.Node("w3"));
        var transport = _pool.Serving(_nodes, _settings);
        var sessions = new List<INodeSession>();
        foreach (var name in new[] { "w1", "w2", "w3" }) sessions.Add(await transport.ConnectAsync(Spec(name), default));

        foreach (var session in sessions) await session.DisposeAsync();

        Assert.True(w1.Closed, "w1 was given back first, so it should be the one closed");
        Assert.False(w2.Closed || w3.Closed, "the two most recently used connections should stay open");
        Assert.Equal(2, _pool.Open);
    }

    [Fact]
    public async Task Should_close_the_connections_of_nodes_a_reload_no_longer_lists_and_keep_the_others()
    {
        var (w1, w2) = (_nodes.Node("w1"), _nodes.Node("w2"));
        var transport = _pool.Serving(_nodes, _settings);
        await GiveBackAsync(transport, "w1", "w2");

        _pool.Retain(TestData.Ssh("", "w1"));

        Assert.False(w1.Closed, "w1 is still listed with the same settings: its connection should stay");
        Assert.True(w2.Closed, "w2 is no longer listed: its connection should be closed");
        Assert.True((await _pool.Serving(_nodes, TestData.Ssh("", "w1")).ConnectAsync(Spec("w1"), default)).Reused, "the reloaded setup should use w1's kept connection");
    }

    [Fact]
    public async Task Should_close_every_kept_connection_when_a_reload_changes_the_ssh_settings()
    {
        var (w1, w2) = (_nodes.Node("w1"), _nodes.Node("w2"));
        await GiveBackAsync(_pool.Serving(_nodes, _settings), "w1", "w2");

        _pool.Retain(TestData.Ssh("ssh.sudo = on"));

        Assert.True(w1.Closed && w2.Closed, "connections opened with other SSH settings should be closed");
        Assert.Equal(0, _pool.Open);
    }

    [Fact]
    public async Task Should_close_a_connection_given_back_after_a_reload_that_dropped_its_node()
    {
        var w2 = _nodes.Node("w2");
        var leased = await _pool.Serving(_nodes, _settings).ConnectAsync(Spec("w2"), default);

        _pool.Retain(TestData.Ssh("", "w1"));
        await leased.DisposeAsync();

        Assert.True(w2.Closed, "a connection of a node the reload dropped should be closed when its sync gives it back");
    }

    [Fact]
    public async Task Should_close_every_connection_when_the_daemon_stops_even_one_a_sync_gives_back_later()
    {
        var (w1, w2) = (_nodes.Node("w1"), _nodes.Node("w2"));
        var transport = _pool.Serving(_nodes, _settings);
        await GiveBackAsync(transport, "w1");
        var leased = await transport.ConnectAsync(Spec("w2"), default);

        _pool.Dispose();
        await leased.DisposeAsync();

        Assert.True(w1.Closed, "an idle connection should be closed when the daemon stops");
        Assert.True(w2.Closed, "a connection given back after the stop should be closed");
    }

    [Fact]
    public void Should_connect_directly_when_keep_connections_is_off()
    {
        var transport = _pool.Serving(_nodes, TestData.Ssh("ssh.keep-connections = off"));

        Assert.Same(_nodes, transport);
    }

    private static async Task GiveBackAsync(INodeTransport transport, params string[] names)
    {
        var sessions = new List<INodeSession>();
        foreach (var name in names) sessions.Add(await transport.ConnectAsync(Spec(name), default));
        foreach (var session in sessions) await session.DisposeAsync();
    }

    /// <summary>As the loader builds a node of the listed ones.</summary>
    private static NodeSpec Spec(string name) => TestData.Ssh().Nodes.Single(n => n.Name == NodeName.Parse(name));

    public void Dispose() => _pool.Dispose();
}
