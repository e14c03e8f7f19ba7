using Akka.Actor;
using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Nodes.Discovery;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

/// <summary>A sync's nodes come from its node directory, asked at every start: the listed ones and those a cluster lists.</summary>
public sealed class NodeDiscoverySpecs : VirtualTimeTestKit
{
    private readonly ScriptedTransport _nodes = new();

    [Fact]
    public void Should_sync_the_listed_and_the_discovered_nodes_and_ask_the_directory_again_at_every_sync()
    {
        _nodes.Node("w1", "api:1");
        _nodes.Node("k1");
        var cluster = new Cluster(Spec("k1", "10.0.1.1"));
        var coordinator = Coordinator(new CombinedNodes(TestData.Simulated("", "w1").Nodes, "kubernetes", Query, cluster));

        coordinator.Tell(new SyncCommands.StartSync("first"));
        var first = ExpectMsg<SyncEvents.SyncFinished>().Summary;
        cluster.Nodes = [Spec("k1", "10.0.1.1"), Spec("k2", "10.0.1.2")];
        _nodes.Node("k2");
        coordinator.Tell(new SyncCommands.StartSync("second"));
        var second = ExpectMsg<SyncEvents.SyncFinished>().Summary;

        Assert.Equal(["w1", "k1"], first.Nodes.Select(n => n.Node.Value));
        Assert.Equal("k1 registry.example.com/team/api:1", Assert.Single(first.Outcomes).Pull.ToString());
        Assert.Equal(["w1", "k1", "k2"], second.Nodes.Select(n => n.Node.Value));
        Assert.Equal(["w1", "k1", "k2"], second.Specs!.Select(n => n.Name.Value));
        Assert.False(second.HasFailures);
    }

    [Fact]
    public void Should_sync_the_listed_nodes_and_report_the_failure_when_the_cluster_cannot_be_read()
    {
        _nodes.Node("w1", "api:1");
        _nodes.Node("w2");
        var cluster = new Cluster { Failure = "cannot reach https://10.0.0.1:6443: Connection refused" };
        var coordinator = Coordinator(new CombinedNodes(TestData.Simulated("", "w1", "w2").Nodes, "kubernetes", Query, cluster));

        coordinator.Tell(new SyncCommands.StartSync("cron"));
        var summary = ExpectMsg<SyncEvents.SyncFinished>().Summary;

        Assert.Equal("kubernetes: cannot reach https://10.0.0.1:6443: Connection refused", summary.DiscoveryError);
        Assert.Equal("w2 registry.example.com/team/api:1", Assert.Single(summary.Outcomes).Pull.ToString());
        Assert.True(summary.HasFailures);
    }

    [Fact]
    public void Should_fail_the_sync_naming_the_selector_when_neither_the_cluster_nor_the_config_has_a_node()
    {
        var coordinator = Coordinator(new CombinedNodes([], "kubernetes", Query, new Cluster()));

        coordinator.Tell(new SyncCommands.StartSync("cron"));
        var summary = ExpectMsg<SyncEvents.SyncFinished>().Summary;

        Assert.Empty(summary.Nodes);
        Assert.Equal($"kubernetes: found no node with {Query}, and the config lists none: nothing to sync", summary.DiscoveryError);
        Assert.True(summary.HasFailures, "a sync of no node is a failure, never a fleet in sync");
    }

    [Fact]
    public async Task Should_keep_a_node_both_listed_and_discovered_once_as_listed_and_note_a_name_at_another_address()
    {
        var listed = TestData.Simulated("", "w1", "w2").Nodes;
        var cluster = new Cluster(Spec("w1", "10.9.9.9"), listed[1] with { Name = NodeName.Parse("k8s-w2") }, Spec("k3", "10.0.1.3"));

        var listing = await new CombinedNodes(listed, "kubernetes", Query, cluster).ListAsync(CancellationToken.None);

        Assert.Equal(["w1", "w2", "k3"], listing.Nodes.Select(n => n.Name.Value));
        Assert.Equal(2, listing.Notes.Count);
        Assert.StartsWith("kubernetes node w1 (10.9.9.9:22) is listed as w1 (simulated:22)", listing.Notes[0]);
        Assert.Null(listing.Error);
    }

    private const string Query = "nodes-from.kubernetes.label-selector '!node-role.kubernetes.io/control-plane'";

    private IActorRef Coordinator(INodeDirectory directory) =>
        Sys.ActorOf(SyncCoordinator.Props(new ReloadableSetup(new SyncSetup(TestData.Simulated("", "w1"), _nodes, directory)), new OpenGate(), TimeProvider.System));

    private static NodeSpec Spec(string name, string host) => new(NodeName.Parse(name), host, 22, "root");

    /// <summary>A cluster whose node list a spec changes between syncs, or that cannot be read.</summary>
    private sealed class Cluster(params NodeSpec[] nodes) : INodeDirectory
    {
        public IReadOnlyList<NodeSpec> Nodes { get; set; } = nodes;

        public string? Failure { get; init; }

        public Task<NodeListing> ListAsync(CancellationToken cancellationToken) =>
            Failure is null ? Task.FromResult(new NodeListing(Nodes, [])) : Task.FromException<NodeListing>(new NodeDiscoveryException(Failure));
    }
}
