using Akka.Actor;
using Akka.TestKit;
using ImageSync.Actors;
using ImageSync.Domain;
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

    private IActorRef StartNodeActor(string node) =>
        ChildActorOf(NodeActor.Props(new NodeSpec(NodeName.Parse(node), "10.0.0.1", 22, "root"), _nodes, Watchdog));
}
