using System.Net;
using ImageSync.Nodes.Simulated;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Daemon;

/// <summary>A daemon's metrics endpoint, scraped over HTTP after a simulated sync.</summary>
public sealed class DaemonMetricsSpecs : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public async Task Should_serve_the_sync_metrics_health_and_readiness_over_http()
    {
        var address = $"127.0.0.1:{DaemonReplica.FreePort()}";
        var settings = TestData.Simulated($$"""
            daemon { interval = 1h, metrics = "{{address}}" }
            pull.retries = 0
            simulated {
              pull-latency = 10ms
              nodes {
                w1 { images = [ { ref = "registry.example.com/team/a:1" }, { ref = "registry.example.com/team/b:1" } ] }
                w2 { failing = ["registry.example.com/team/b:1"] }
                w3 { faults.connect = refused }
              }
            }
            """);
        var timeline = new SyncTimeline();
        await using var daemon = new DaemonReplica("solo", settings, new SimulatedTransport(new SimulatedFleet(settings.Simulated, settings.Nodes.Select(n => n.Name))), timeline);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{address}") };

        await daemon.StartAsync();
        await AwaitAssertAsync(() => Assert.Equal(1, timeline.Finished), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        var metrics = await http.GetStringAsync("/metrics");
        var health = await http.GetAsync("/healthz");
        var ready = await http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal((HttpStatusCode.OK, "ready\n"), (ready.StatusCode, await ready.Content.ReadAsStringAsync()));
        Assert.Contains("image_sync_syncs_total{result=\"failures\"} 1", metrics);
        Assert.Contains("image_sync_pulls_total{node=\"w2\",result=\"success\"} 1", metrics);
        Assert.Contains("image_sync_pulls_total{node=\"w2\",result=\"failed\"} 1", metrics);
        Assert.Contains("image_sync_pull_duration_seconds_count{result=\"success\"} 1", metrics);
        Assert.Contains("image_sync_sync_duration_seconds_count{result=\"failures\"} 1", metrics);
        Assert.Matches(@"image_sync_last_attempt_timestamp_seconds 1[0-9]{9}", metrics);
        Assert.Matches(@"image_sync_build_info\{version=""[^""]+"",commit=""[^""]+""\} 1", metrics);
        Assert.Contains("process_cpu_seconds_total ", metrics);
        Assert.Contains("dotnet_total_memory_bytes ", metrics);
        Assert.DoesNotContain("outcome=", metrics);
        // w2 lacked a:1 and b:1, pulled a:1: b:1 is what it still lacks.
        Assert.Contains("image_sync_images_missing{node=\"w2\"} 1", metrics);
        Assert.Contains("image_sync_images_missing{node=\"w1\"} 0", metrics);
        Assert.Contains("image_sync_node_reachable{node=\"w1\"} 1", metrics);
        Assert.Contains("image_sync_node_reachable{node=\"w3\"} 0", metrics);
        Assert.Contains("image_sync_coordinator 1", metrics);
        Assert.Contains("image_sync_last_success_timestamp_seconds 0", metrics);
    }
}
