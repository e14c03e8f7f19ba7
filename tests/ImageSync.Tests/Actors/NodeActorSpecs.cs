using Akka.Actor;
using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

public sealed class NodeActorSpecs : VirtualTimeTestKit
{
    private static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(30);
    private readonly ScriptedTransport _nodes = new();

    [Fact]
    public void Should_report_ready_with_the_inventory_and_the_open_session()
    {
        var session = _nodes.Node("w1", "api:1", "web:2");

        StartNodeActor("w1");

        var ready = ExpectMsg<NodeEvents.Ready>();
        Assert.Equal(2, ready.Inventory.Images.Count);
        Assert.Same(session, ready.Session);
    }

    [Fact]
    public void Should_report_unavailable_with_the_nodes_reason_when_it_refuses()
    {
        _nodes.Refusing("w1", "authentication failed for user 'root' with key /root/.ssh/id_ed25519");

        StartNodeActor("w1");

        Assert.Equal("authentication failed for user 'root' with key /root/.ssh/id_ed25519", ExpectMsg<NodeEvents.Unavailable>().Reason);
    }

    [Fact]
    public void Should_give_up_exactly_when_the_watchdog_expires_when_the_node_never_answers()
    {
        _nodes.Hanging("w1");
        WaitUntilHandled(StartNodeActor("w1"));

        Scheduler.Advance(Watchdog - TimeSpan.FromMilliseconds(1));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Scheduler.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal("no answer within 30s (connect and inventory watchdog)", ExpectMsg<NodeEvents.Unavailable>().Reason);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Should_not_connect_before_its_turn()
    {
        _nodes.Node("w1", "api:1");

        ChildActorOf(Props("w1"));

        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(0, _nodes.ConnectAttempts);
    }

    [Fact]
    public void Should_not_count_the_wait_for_its_turn_against_its_watchdog()
    {
        _nodes.Hanging("w1");
        var node = ChildActorOf(Props("w1"));
        WaitUntilHandled(node);

        Scheduler.Advance(Watchdog * 10);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        node.Tell(NodeCommands.Connect.Instance);
        WaitUntilHandled(node);
        Scheduler.Advance(Watchdog);

        ExpectMsg<NodeEvents.DoneConnecting>();
        Assert.Equal("no answer within 30s (connect and inventory watchdog)", ExpectMsg<NodeEvents.Unavailable>().Reason);
    }

    [Fact]
    public void Should_ask_for_a_turn_again_when_restarted_after_a_crash_while_connecting()
    {
        _nodes.Node("w1", "api:1");
        _nodes.Crashing("w1", times: 1);
        var node = ChildActorOf(Props("w1"), new OneForOneStrategy(Decider.From(Directive.Restart)));

        node.Tell(NodeCommands.Connect.Instance);

        Assert.Equal(NodeName.Parse("w1"), ExpectMsg<NodeEvents.WantsToConnect>().Node);
        node.Tell(NodeCommands.Connect.Instance);
        ExpectMsg<NodeEvents.DoneConnecting>();
        ExpectMsg<NodeEvents.Ready>();
    }

    [Fact]
    public void Should_give_its_turn_back_as_soon_as_it_is_connected()
    {
        _nodes.Node("w1", "api:1");
        var node = ChildActorOf(Props("w1"));

        node.Tell(NodeCommands.Connect.Instance);

        ExpectMsg<NodeEvents.DoneConnecting>();
        ExpectMsg<NodeEvents.Ready>();
    }

    [Fact]
    public void Should_give_its_turn_back_when_the_connect_fails_or_the_watchdog_fires()
    {
        _nodes.Refusing("w1", "connection refused by 10.0.0.1:22 (is sshd running?)");
        _nodes.Hanging("w2");
        var refused = ChildActorOf(Props("w1"));
        var frozen = ChildActorOf(Props("w2"));

        refused.Tell(NodeCommands.Connect.Instance);
        ExpectMsg<NodeEvents.DoneConnecting>();
        ExpectMsg<NodeEvents.Unavailable>();
        frozen.Tell(NodeCommands.Connect.Instance);
        WaitUntilHandled(frozen);
        Scheduler.Advance(Watchdog);

        Assert.Equal(NodeName.Parse("w2"), ExpectMsg<NodeEvents.DoneConnecting>().Node);
        ExpectMsg<NodeEvents.Unavailable>();
    }

    [Fact]
    public async Task Should_connect_afresh_once_within_its_turn_when_a_kept_connection_died_since_the_last_sync()
    {
        var transport = await KeptDeadConnectionAsync("w1");
        var fresh = _nodes.Node("w1", "api:1");
        var node = ChildActorOf(Props("w1", transport));

        node.Tell(NodeCommands.Connect.Instance);

        ExpectMsg<NodeEvents.DoneConnecting>();
        var ready = ExpectMsg<NodeEvents.Ready>();
        Assert.False(ready.Session.Reused, "the node should be read through a fresh connection");
        Assert.Single(ready.Inventory.Images);
        Assert.Equal(2, _nodes.ConnectAttempts);
        Assert.False(fresh.Closed);
    }

    [Fact]
    public async Task Should_report_what_a_fresh_connect_says_when_a_kept_connection_died_and_the_node_now_refuses()
    {
        var transport = await KeptDeadConnectionAsync("w1");
        _nodes.Refusing("w1", "host key verification failed: the key of [10.0.0.1]:22 has CHANGED");

        StartNodeActorWithTurn(Props("w1", transport));

        var gone = ExpectMsg<NodeEvents.Unavailable>();
        Assert.Equal("host key verification failed: the key of [10.0.0.1]:22 has CHANGED", gone.Reason);
        Assert.Equal(NodeStage.Connect, gone.FailedAt);
    }

    [Fact]
    public void Should_report_unavailable_without_connecting_again_when_a_fresh_connection_fails_its_read()
    {
        _nodes.Node("w1", "api:1").ConnectionLost = true;

        StartNodeActor("w1");

        Assert.StartsWith("connection lost while running `echo ok`", ExpectMsg<NodeEvents.Unavailable>().Reason);
        Assert.Equal(1, _nodes.ConnectAttempts);
    }

    /// <summary>A daemon's transport that kept the node's connection from an earlier sync, which has died since.</summary>
    private async Task<INodeTransport> KeptDeadConnectionAsync(string name)
    {
        var kept = new KeptConnections(maxOpen: 10);
        var transport = kept.Serving(_nodes, TestData.Ssh());
        var earlier = _nodes.Node(name, "api:1");
        await (await transport.ConnectAsync(Spec(name), default)).DisposeAsync();
        earlier.ConnectionLost = true;
        return transport;
    }

    private IActorRef StartNodeActor(string node) => StartNodeActorWithTurn(Props(node));

    private Props Props(string node, INodeTransport? transport = null) => NodeActor.Props(Spec(node), transport ?? _nodes, Watchdog);

    private static NodeSpec Spec(string node) => new(NodeName.Parse(node), "10.0.0.1", 22, "root");
}
