using ImageSync.Nodes.Simulated;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Cluster;

/// <summary>Three daemon replicas in one process, on loopback ports, forming one cluster over a shared simulated fleet.</summary>
[Collection(InProcessClusters.Name)]
public sealed class ClusterSpecs : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private readonly SyncTimeline _timeline = new();
    private readonly List<DaemonReplica> _replicas = [];
    private readonly TempDirectory _certificates = new();
    private SessionCountingTransport _fleet = null!;

    public Task InitializeAsync()
    {
        var settings = TestData.Simulated("""
            daemon.interval = 10s
            shutdown-grace = 2s
            pull { max-parallel = 2, max-per-node = 1 }
            simulated {
              pull-latency = 400ms
              nodes {
                w1 { images = [ { ref = "registry.example.com/team/a:1" }, { ref = "registry.example.com/team/b:1" } ] }
                # Every sync stays busy until it is stopped, so a replica is stopped in the middle of one.
                w2 { hanging = ["registry.example.com/team/b:1"] }
              }
            }
            """);
        _fleet = new SessionCountingTransport(new SimulatedTransport(new SimulatedFleet(settings.Simulated, settings.Nodes.Select(n => n.Name))));
        foreach (var (replica, i) in DaemonReplica.Cluster(settings, 3, new TestCertificates(_certificates.Path)).Select((r, i) => (r, i)))
            _replicas.Add(new DaemonReplica($"replica-{i + 1}", replica, _fleet, _timeline));
        return Task.WhenAll(_replicas.Select(r => r.StartAsync()));
    }

    [Fact]
    public async Task Should_sync_on_exactly_one_replica_and_move_to_another_within_15s_when_it_stops_mid_sync()
    {
        await AwaitAssertAsync(() => Assert.Equal([3, 3, 3], _replicas.Select(Members)), TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(250));
        await AwaitAssertAsync(() => Assert.True(_timeline.Entries.Any(e => e.What == "started"), "no sync started once the cluster formed"), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        var coordinator = Assert.Single(_replicas, r => r.Presence.IsHere);
        Assert.Equal([coordinator.Name], _timeline.ReplicasThatSynced);
        Assert.Equal(0, _timeline.Finished);

        var stoppedAt = DateTimeOffset.UtcNow;
        await coordinator.StopAsync();

        await AwaitAssertAsync(() => Assert.True(_timeline.Entries.Any(e => e.What == "started" && e.At > stoppedAt && e.Replica != coordinator.Name), "no other replica took over within 15s"),
            TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));
        var successor = Assert.Single(_replicas, r => !r.Stopped && r.Presence.IsHere);
        Assert.NotEqual(coordinator.Name, successor.Name);
        // The stopped replica's sync ended (interrupted) before the successor's began, by the journal and by the nodes.
        Assert.Contains(_timeline.Entries, e => e.What == "finished" && e.Replica == coordinator.Name);
        Assert.Equal(1, _timeline.MostAtOnce);
        Assert.Equal(1, _fleet.MostOpenOnOneNode);
    }

    private static int Members(DaemonReplica replica) =>
        Akka.Cluster.Cluster.Get(replica.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up);

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas) await replica.DisposeAsync();
        _certificates.Dispose();
    }
}
