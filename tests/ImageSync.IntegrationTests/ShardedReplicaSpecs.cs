using ImageSync.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace ImageSync.IntegrationTests;

/// <summary>
/// Three <c>image-sync daemon</c> processes over 24 real sshd nodes with the nodes sharded over them
/// (<c>pull.shard-nodes</c>, on by default in a cluster): who opened which node's sessions is read from the nodes'
/// sshd logs, each replica told apart by its key.
/// </summary>
[Collection(AloneOnTheMachine.Name)]
public sealed class ShardedReplicaSpecs(ITestOutputHelper output) : IDisposable
{
    private const int FleetSize = 24;
    private const string Api = TestFleet.Prefix + "api:1";
    private const string Web = TestFleet.Prefix + "web:1";
    private readonly TestFleet _fleet = new TestFleet(nodes: FleetSize).Serving(Api, Web);
    private DaemonReplicas _replicas = null!;

    [Fact]
    public async Task Should_open_each_replicas_sessions_to_a_fifth_to_under_half_of_the_nodes_and_give_every_node_its_images()
    {
        StartReplicas(pullSeconds: 0);
        await MembersSettledAsync();
        var marks = _replicas.SshdLogMarks();
        var since = DateTimeOffset.Now;
        await Eventually.TrueAsync("a sync to run once the shards had settled", () => _replicas.All.Any(r => r.Syncs.Any(s => s.Start > since && s.End is not null)), TimeSpan.FromSeconds(60));

        var nodesOf = _replicas.NodesWithSessions(marks);
        foreach (var replica in _replicas.All)
        {
            var share = nodesOf[replica.Name].Count;
            output.WriteLine($"{replica.Name} opened sessions to {share} of {FleetSize} nodes ({100.0 * share / FleetSize:0} %)");
            Assert.InRange(share, (int)Math.Ceiling(FleetSize * 0.2), (int)Math.Floor(FleetSize * 0.47));
        }
        Assert.Equal(FleetSize, nodesOf.Values.SelectMany(n => n).Distinct().Count());
        Assert.All(_fleet.Nodes, node => Assert.Equal([Api, Web], node.Images.Order()));
    }

    [Fact]
    public async Task Should_finish_every_pull_once_and_never_twice_at_once_when_a_replica_that_is_not_the_coordinator_is_killed_mid_sync()
    {
        var coordinator = await CoordinatorMidSyncAsync();
        var victim = _replicas.All.First(r => r != coordinator);
        var killedAt = DateTimeOffset.Now;
        victim.Kill();
        output.WriteLine($"killed {victim.Name} at {killedAt:HH:mm:ss.fff}; {coordinator.Name} coordinates");

        // A pull the killed replica started may finish on its node before the coordinator's run of it once more.
        await Eventually.PassesAsync("every node's pull to end in SUCCESS", () => Assert.Empty(_fleet.Nodes.Where(n => !Successes().Any(l => l.Contains(SuccessOf(n), StringComparison.Ordinal))).Select(n => n.Name)),
            TimeSpan.FromSeconds(120), every: TimeSpan.FromMilliseconds(500));
        await Eventually.TrueAsync("the coordinator's sync to complete", () => coordinator.Syncs.All(s => s.End is not null), TimeSpan.FromSeconds(30));
        Assert.All(_fleet.Nodes, node => Assert.Single(Successes(), l => l.Contains(SuccessOf(node), StringComparison.Ordinal)));
        Assert.All(_fleet.Nodes, node => Assert.Equal([Api, Web], node.Images.Order()));
        Assert.Empty(_fleet.Nodes.SelectMany(n => n.OverlappingPulls()));
        Assert.Empty(_replicas.All.SelectMany(r => DayFile(r, "failed_images")));
    }

    [Fact]
    public async Task Should_start_the_next_sync_on_another_replica_within_15s_when_the_coordinators_replica_is_killed_mid_sync()
    {
        var coordinator = await CoordinatorMidSyncAsync();
        var killedAt = DateTimeOffset.Now;
        coordinator.Kill();

        await Eventually.TrueAsync("another replica to take over", () => _replicas.FirstSyncAfter(killedAt, coordinator) is not null, TimeSpan.FromSeconds(60));
        var (successor, startedAt) = _replicas.FirstSyncAfter(killedAt, coordinator)!.Value;
        output.WriteLine($"SIGKILL of {coordinator.Name} mid-sync: {successor.Name} started a sync {(startedAt - killedAt).TotalSeconds:0.0} s later");
        // The figure is 15 s; the slack is for a shared machine (the failover benchmark measures it).
        Assert.True(startedAt - killedAt <= TimeSpan.FromSeconds(15) + TimeSpan.FromSeconds(10), $"the next sync started {(startedAt - killedAt).TotalSeconds:0.0} s after the kill");
        await Eventually.PassesAsync("every node to get both images", () => Assert.Empty(_fleet.Nodes.Where(n => n.Images.Count < 2).Select(n => n.Name)),
            TimeSpan.FromSeconds(120), every: TimeSpan.FromMilliseconds(500));
        Assert.Empty(_fleet.Nodes.SelectMany(n => n.OverlappingPulls()));
        Assert.Empty(_replicas.OverlappingSyncs());
    }

    /// <summary>The replica whose sync is running, once its first pulls (of 5 s each) have started on the nodes.</summary>
    private async Task<Replica> CoordinatorMidSyncAsync()
    {
        StartReplicas(pullSeconds: 5);
        await Eventually.TrueAsync("a pull to start", () => _fleet.Nodes.Any(n => n.PullStarts.Count > 0), TimeSpan.FromSeconds(90));
        await MembersSettledAsync(wait: false);
        return Assert.Single(_replicas.All, r => r.Syncs.Any(s => s.End is null));
    }

    private IReadOnlyList<string> Successes() => [.. _replicas.All.SelectMany(r => DayFile(r, "success_images"))];

    /// <summary>The day file line's start for the pull a node needs: odd nodes pull web, even ones api.</summary>
    private static string SuccessOf(SshdNode node) => $" SUCCESS {node.Name} {(int.Parse(node.Name["node-".Length..]) % 2 == 1 ? Web : Api)}";

    /// <summary>Odd nodes hold api, even ones web: each node lacks the image half the fleet has.</summary>
    private void StartReplicas(int pullSeconds)
    {
        foreach (var (node, i) in _fleet.Nodes.Select((n, i) => (n, i)))
        {
            node.Holding(i % 2 == 0 ? Api : Web);
            if (pullSeconds > 0) node.PullLatency(TimeSpan.FromSeconds(pullSeconds));
        }
        // A lost pull runs again once its remote timeout is over, on the node's new owner: the local watchdog (the
        // timeout and a second) must outlast the cluster re-homing the node (downing 3 s, removal, a shard coordinator
        // that may move too), which under two CPU hogs took more than the 8 s this once was. Production's is 10 minutes.
        _fleet.Start("shutdown-grace = 1s\npull { timeout = 20s, max-parallel = 8, max-per-node = 1 }");
        _replicas = new DaemonReplicas(_fleet, 3);
        foreach (var replica in _replicas.All) replica.Start();
    }

    /// <summary>Every replica is a member; with <paramref name="wait"/>, also two shard rebalance rounds (10 s each) since the last joined.</summary>
    private async Task MembersSettledAsync(bool wait = true)
    {
        var late = await _replicas.FirstNotMemberAsync(TimeSpan.FromSeconds(60));
        Assert.True(late is null, $"{late?.Name} never became a member");
        if (!wait) return;
        var joined = _replicas.All.Max(r => r.RunLog.First(l => l.Text.StartsWith("CLUSTER: this replica is a member", StringComparison.Ordinal)).At);
        var settled = joined + TimeSpan.FromSeconds(25) - DateTimeOffset.Now;
        if (settled > TimeSpan.Zero) await Task.Delay(settled);
    }

    private static IReadOnlyList<string> DayFile(Replica replica, string stem)
    {
        var path = Path.Combine(replica.LogDir, $"{stem}-{DateTime.Now:yyyy-MM-dd}.log");
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    public void Dispose()
    {
        if (_replicas is not null)
        {
            output.WriteLine(_replicas.RunLogs());
            _replicas.Dispose();
        }
        _fleet.Dispose();
    }
}
