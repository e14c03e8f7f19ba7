using Akka.Actor;
using ImageSync.Actors;
using ImageSync.Cluster;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Tests.Support;
using static ImageSync.Cluster.NodeEntityCommands;
using static ImageSync.Cluster.NodeEntityEvents;

namespace ImageSync.Tests.Cluster;

/// <summary>
/// A node's entity connects where its own replica's configuration says the node is: the messages it gets name
/// nodes, and whatever they name that this replica does not know as named is refused and logged with the sender.
/// </summary>
public sealed class NodeEntitySpecs() : Akka.TestKit.Xunit2.TestKit("akka.actor.provider = cluster")
{
    private static readonly NodeName W1 = NodeName.Parse("w1");
    private static readonly CopyLimits Limits = new(TimeSpan.FromMinutes(1), 0);
    private readonly ScriptedTransport _nodes = new();
    private readonly ImageSyncSettings _settings = TestData.Ssh("", "w1", "w2");

    [Fact]
    public void Should_connect_to_the_node_where_this_replicas_config_has_it_when_asked_by_name()
    {
        _nodes.Node("w1");
        var entity = Entity();

        entity.Tell(new Open(W1, 1, DigestOf("w1"), TestActor, Sync: 7));

        ExpectMsg<Opened>();
        Assert.Equal([new NodeSpec(W1, "w1.example", 22, "root")], _nodes.Asked);
    }

    [Fact]
    public void Should_refuse_a_node_its_replicas_config_does_not_list_and_name_the_sender()
    {
        var entity = Entity();

        EventFilter.Warning(contains: "CLUSTER: refused Open for ghost from").ExpectOne(() =>
            entity.Tell(new Open(NodeName.Parse("ghost"), 1, DigestOf("w1"), TestActor, Sync: 7)));

        var refused = ExpectMsg<Failed>();
        Assert.Equal((NodeFailure.Refused, "ghost is not a node of this replica's configuration"), (refused.Kind, refused.Reason));
        Assert.Empty(_nodes.Asked);
    }

    [Fact]
    public void Should_refuse_a_node_the_coordinator_reaches_otherwise_than_this_replicas_config()
    {
        var entity = Entity();
        var elsewhere = NodeDigests.Of(new NodeSpec(W1, "10.66.6.6", 22, "root"));

        entity.Tell(new Open(W1, 1, elsewhere, TestActor, Sync: 7));

        var refused = ExpectMsg<Failed>();
        Assert.Equal(NodeFailure.Refused, refused.Kind);
        Assert.Contains("reaches w1 otherwise than the coordinator's", refused.Reason);
        Assert.Empty(_nodes.Asked);
    }

    [Fact]
    public void Should_refuse_a_copy_source_this_replica_does_not_know_as_the_sources_failure_without_connecting_to_it()
    {
        _nodes.Node("w1");
        var entity = Entity();
        entity.Tell(new Open(W1, 1, DigestOf("w1"), TestActor, Sync: 7));
        ExpectMsg<Opened>();

        entity.Tell(new Copy(W1, 2, TestData.Image("a:1"), NodeName.Parse("ghost"), DigestOf("w2"), Limits));

        var copied = ExpectMsg<Copied>();
        Assert.True(copied.Exit.SourceFailed);
        Assert.Equal("copy from ghost: refused by the target's replica: ghost is not a node of this replica's configuration", copied.Exit.Error);
        Assert.Equal([W1], _nodes.Asked.Select(n => n.Name));
    }

    [Fact]
    public void Should_refuse_a_call_with_no_sender_to_answer_and_run_nothing()
    {
        _nodes.Node("w1");
        var entity = Entity();

        EventFilter.Warning(contains: "CLUSTER: refused Open for w1 from no sender: the call names no sender to answer").ExpectOne(() =>
            entity.Tell(new Open(W1, 1, DigestOf("w1"), TestActor, Sync: 7), ActorRefs.NoSender));

        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Empty(_nodes.Asked);
    }

    private IActorRef Entity() => Sys.ActorOf(NodeEntity.Props(new ReloadableSetup(new SyncSetup(_settings, _nodes)), new ReplicaNodes()));

    private string DigestOf(string node) => NodeDigests.Of(_settings.Nodes.Single(n => n.Name.Value == node));
}
