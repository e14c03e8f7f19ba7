using System.Text;
using ImageSync.Nodes.Simulated;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Cluster;

/// <summary>Three daemon replicas in one process forming one cluster: the gauges a sync leaves reach every replica, not only the coordinator's.</summary>
public sealed class ClusterMetricsSpecs : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private readonly List<DaemonReplica> _replicas = [];
    private readonly TempDirectory _certificates = new();

    public Task InitializeAsync()
    {
        var settings = TestData.Simulated("""
            daemon.interval = 1h
            simulated {
              pull-latency = 50ms
              nodes { w1 { images = [ { ref = "registry.example.com/team/a:1" } ] } }
            }
            """);
        var fleet = new SimulatedTransport(new SimulatedFleet(settings.Simulated, settings.Nodes.Select(n => n.Name)));
        foreach (var (replica, i) in DaemonReplica.Cluster(settings, 3, new TestCertificates(_certificates.Path)).Select((r, i) => (r, i)))
            _replicas.Add(new DaemonReplica($"replica-{i + 1}", replica, fleet, new SyncTimeline()));
        return Task.WhenAll(_replicas.Select(r => r.StartAsync()));
    }

    [Fact]
    public async Task Should_show_the_clusters_last_sync_on_every_replica_when_one_replica_ran_it()
    {
        // Each check renders the three replicas' Prometheus exports.
        await AwaitAssertAsync(() =>
        {
            var scraped = _replicas.Select(r => (Replica: r, Text: Scrape(r))).ToList();
            Assert.True(scraped.All(s => s.Text.Contains("image_sync_last_result{result=\"ok\"} 1\n")),
                "not every replica shows the cluster's last sync: " + string.Join("; ", scraped.Select(s => $"{s.Replica.Name} coordinator={s.Replica.Presence.IsHere}: "
                    + string.Join(" ", s.Text.Split('\n').Where(l => l.StartsWith("image_sync_last") || l.StartsWith("image_sync_syncs_total"))))));
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));

        Assert.Single(_replicas, r => r.Presence.IsHere);
        Assert.All(_replicas, r =>
        {
            var scraped = Scrape(r);
            Assert.DoesNotContain("image_sync_last_success_timestamp_seconds 0\n", scraped);
            Assert.Contains("image_sync_node_reachable{node=\"w2\"} 1\n", scraped);
            Assert.Contains("image_sync_images_missing{node=\"w2\"} 0\n", scraped);
        });
    }

    private static string Scrape(DaemonReplica replica) => Encoding.UTF8.GetString(replica.Metrics.ScrapeAsync(CancellationToken.None).Result.Body);

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas) await replica.DisposeAsync();
        _certificates.Dispose();
    }
}
