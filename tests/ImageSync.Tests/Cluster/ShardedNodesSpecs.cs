using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using ImageSync.Actors;
using ImageSync.Cluster;
using ImageSync.Domain;
using ImageSync.Nodes.Simulated;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Cluster;

/// <summary>
/// Three daemon replicas in one process sharing a simulated fleet of 24 nodes, each replica with a transport of its
/// own, so the specs see which replica opened which node's session. Image a is declared with pin = on.
/// </summary>
[Collection(InProcessClusters.Name)]
public sealed class ShardedNodesSpecs : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private const int FleetSize = 24;
    private static readonly ImageRef A = ImageRef.Parse("registry.example.com/team/a:1");
    private static readonly ImageRef B = ImageRef.Parse("registry.example.com/team/b:1");
    private static readonly string[] Names = [.. Enumerable.Range(1, FleetSize).Select(i => $"n{i:00}")];
    private readonly SyncTimeline _timeline = new();
    private readonly List<DaemonReplica> _replicas = [];
    private readonly TempDirectory _certificates = new();
    private readonly List<SessionCountingTransport> _transports = [];
    private SimulatedFleet _fleet = null!;

    public Task InitializeAsync()
    {
        // Odd nodes hold a, even ones b: every node lacks one image another holds.
        var nodes = string.Join("\n", Names.Select((n, i) => $"{n} {{ images = [ {{ ref = \"{(i % 2 == 0 ? A : B)}\" }} ] }}"));
        var settings = TestData.Simulated($$"""
            daemon.interval = 1h
            shutdown-grace = 2s
            pull { max-parallel = 8, max-per-node = 1, timeout = 3s, kill-after = 1s, canary = off, verify = off }
            images.wanted = [ { ref = "{{A}}", pin = on } ]
            simulated {
              pull-latency = 1500ms
              nodes { {{nodes}} }
            }
            """, Names);
        _fleet = new SimulatedFleet(settings.Simulated, settings.Nodes.Select(n => n.Name));
        foreach (var (replica, i) in DaemonReplica.Cluster(settings, 3, new TestCertificates(_certificates.Path)).Select((r, i) => (r, i)))
        {
            var transport = new SessionCountingTransport(new SimulatedTransport(_fleet));
            _transports.Add(transport);
            _replicas.Add(new DaemonReplica($"replica-{i + 1}", replica, transport, _timeline));
        }
        return Task.WhenAll(_replicas.Select(r => r.StartAsync()));
    }

    [Fact]
    public async Task Should_open_each_nodes_session_on_the_one_replica_that_owns_it_with_a_fifth_to_under_half_of_the_fleet_each()
    {
        await ThreeReplicasSettled();
        foreach (var transport in _transports) transport.Forget();

        await SyncAgainAsync();

        var opened = _transports.Select(t => t.NodesOpened).ToList();
        foreach (var (nodes, i) in opened.Select((n, i) => (n, i)))
            Assert.InRange(nodes.Count, (int)Math.Ceiling(FleetSize * 0.2), (int)Math.Floor(FleetSize * 0.47));
        // Each node's session was opened by one replica only, and every node by one.
        Assert.Equal(FleetSize, opened.Sum(n => n.Count));
        Assert.Equal(Names.Order(), opened.SelectMany(n => n).Select(n => n.Value).Order());
        Assert.All(Names, n => Assert.Equal([A, B], _fleet.ImagesOn(NodeName.Parse(n)).Order()));
        // Pinned through each node's entity, on the replica that owns it.
        Assert.All(Names, n => Assert.True(_fleet.IsPinned(NodeName.Parse(n), A), $"{n} has no pin on {A}"));
    }

    [Fact]
    public async Task Should_run_the_pulls_of_a_replica_that_left_mid_sync_once_more_on_the_new_owner_after_their_remote_timeout()
    {
        await ThreeReplicasSettled();
        foreach (var name in Names) _fleet.Remove(NodeName.Parse(name), int.Parse(name[1..]) % 2 == 1 ? B : A);
        var coordinator = Assert.Single(_replicas, r => r.Presence.IsHere);
        var leaving = _replicas.First(r => r != coordinator);
        var leavingTransport = _transports[_replicas.IndexOf(leaving)];
        leavingTransport.Forget();
        var syncsBefore = _timeline.Finished;
        var pullsBefore = _fleet.PullsStarted.Count;

        Trigger(coordinator);
        await AwaitAssertAsync(() => Assert.True(_fleet.PullsStarted.Skip(pullsBefore).Any(p => leavingTransport.NodesOpened.Contains(p.Node)), "no pull started on the leaving replica's nodes"),
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        var leavingNodes = leavingTransport.NodesOpened;
        await leaving.StopAsync();

        await SyncFinishedAsync(syncsBefore);
        var outcomes = _timeline.Outcomes.Skip(FleetSize).Select(o => o.Outcome).ToList();
        // Every pull once, each a success; those the lost replica held were run a second time.
        Assert.Equal(FleetSize, outcomes.Count);
        Assert.Equal(FleetSize, outcomes.Select(o => o.Pull).Distinct().Count());
        Assert.All(outcomes, o => Assert.Equal(PullResult.Success, o.Result));
        Assert.Contains(outcomes, o => o.Attempts == 2 && leavingNodes.Contains(o.Pull.Node));
        Assert.All(Names, n => Assert.Equal([A, B], _fleet.ImagesOn(NodeName.Parse(n)).Order()));
        Assert.All(Names, n => Assert.Equal(1, _fleet.MaxConcurrentPullsOn(NodeName.Parse(n))));
    }

    /// <summary>The three are Up, the takeover sync is done, and the nodes' shards are spread over the three.</summary>
    private async Task ThreeReplicasSettled()
    {
        await AwaitAssertAsync(() => Assert.Equal([3, 3, 3], _replicas.Select(Members)), TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(250));
        await SyncFinishedAsync(0);
        var extractor = new NodeMessageExtractor();
        var shardOf = Names.Select(n => new NodeEntityCommands.Cancel(NodeName.Parse(n), 0))
            .ToDictionary(message => extractor.ShardId(extractor.EntityId(message)!, message), StringComparer.Ordinal);
        var region = ActorRegistry.For(_replicas[0].System).Get<NodeEntity>();
        await AwaitAssertAsync(async () =>
        {
            var stats = await region.Ask<ClusterShardingStats>(new GetClusterShardingStats(TimeSpan.FromSeconds(3)), TimeSpan.FromSeconds(5));
            var shards = stats.Regions.Values.Select(r => r.Stats.Keys.Count(shardOf.ContainsKey)).ToList();
            Assert.True(shards.Count == 3 && shards.All(s => s > 0) && shards.Max() - shards.Min() <= 1, $"the nodes' shards were never spread over the three replicas: {string.Join("/", shards)}");
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));
    }

    private async Task SyncAgainAsync()
    {
        var before = _timeline.Finished;
        Trigger(Assert.Single(_replicas, r => r.Presence.IsHere));
        await SyncFinishedAsync(before);
    }

    /// <summary>Waits until one more sync than <paramref name="before"/> has finished.</summary>
    private Task SyncFinishedAsync(int before) =>
        AwaitAssertAsync(() => Assert.True(_timeline.Finished > before, $"the sync never finished: {_timeline.Finished} finished in all, {before} before it"), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));

    /// <summary>A sync now, on the replica the coordinator runs on (a trigger would be refused within the interval).</summary>
    private static void Trigger(DaemonReplica replica) =>
        ActorRegistry.For(replica.System).Get<SyncCoordinator>().Tell(new SyncCommands.StartSync("spec"));

    private static int Members(DaemonReplica replica) =>
        Akka.Cluster.Cluster.Get(replica.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up);

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas) await replica.DisposeAsync();
        _certificates.Dispose();
    }
}
