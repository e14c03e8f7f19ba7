using Akka.Actor;
using ImageSync.Daemon;
using ImageSync.Domain;
using ImageSync.Logging;
using ImageSync.Metrics;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Metrics;

public sealed class SyncMetricsSpecs
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);
    private readonly CoordinatorPresence _presence = new();
    private readonly SyncMetrics _metrics;

    public SyncMetricsSpecs() => _metrics = new SyncMetrics(_presence, new ManualClock(Now));

    [Fact]
    public async Task Should_stamp_the_last_success_only_when_a_run_ends_with_every_node_in_sync()
    {
        _metrics.Record(Finished(SyncMode.Run, unreachable: true));
        Assert.Contains("image_sync_last_success_timestamp_seconds 0\n", await Scrape());

        _metrics.Record(Finished(SyncMode.Plan, unreachable: false));
        Assert.Contains("image_sync_last_success_timestamp_seconds 0\n", await Scrape());

        _metrics.Record(Finished(SyncMode.Run, unreachable: false));
        var scraped = await Scrape();
        Assert.Contains($"image_sync_last_success_timestamp_seconds {Now.ToUnixTimeSeconds()}\n", scraped);
        Assert.Contains("image_sync_syncs_total{result=\"ok\"} 1\n", scraped);
        Assert.Contains("image_sync_syncs_total{result=\"failures\"} 1\n", scraped);
    }

    [Fact]
    public async Task Should_not_stamp_the_last_success_when_a_run_found_no_node()
    {
        var empty = new SyncSummary(SyncMode.Run, Now, TimeSpan.FromSeconds(1), [], SyncPlan.Empty, [], false)
        {
            DiscoveryError = "kubernetes: found no node with nodes-from.kubernetes.label-selector 'pool=none', and the config lists none: nothing to sync",
        };

        _metrics.Record(new SyncEvents.SyncFinished(empty));

        var scraped = await Scrape();
        Assert.Contains("image_sync_last_success_timestamp_seconds 0\n", scraped);
        Assert.Contains("image_sync_syncs_total{result=\"failures\"} 1\n", scraped);
    }

    [Fact]
    public async Task Should_name_the_version_of_the_version_file_in_the_build_info()
    {
        var version = File.ReadAllText(Path.Combine(Repository.Root, "VERSION")).Trim();

        Assert.Contains($"image_sync_build_info{{version=\"{version}\",commit=\"{BuildInfo.Current.Commit}\"}} 1\n", await Scrape());
    }

    [Fact]
    public async Task Should_count_what_each_node_still_lacks_when_the_sync_ends()
    {
        var (w1, w2) = (NodeName.Parse("w1"), NodeName.Parse("w2"));
        var a = TestData.Pull("w2", "a:1");
        var b = TestData.Pull("w2", "b:1");
        var summary = new SyncSummary(SyncMode.Run, Now, TimeSpan.FromSeconds(1), [NodeStatus.Ready(w1, 2, []), NodeStatus.Ready(w2, 0, [])], new SyncPlan([a, b]),
            [new PullOutcome(a, PullResult.Success, null, TimeSpan.FromSeconds(1)), new PullOutcome(b, PullResult.Failed, "NotFound", TimeSpan.FromSeconds(1))], false);

        _metrics.Record(new SyncEvents.SyncFinished(summary));

        // w2 lacked a:1 and b:1 and got a:1.
        Assert.Equal(["image_sync_images_missing{node=\"w1\"} 0", "image_sync_images_missing{node=\"w2\"} 1"],
            (await Scrape()).Split('\n').Where(l => l.StartsWith("image_sync_images_missing{")).Order());
    }

    [Fact]
    public async Task Should_delete_the_series_of_a_node_that_left_the_fleet()
    {
        _metrics.Record(RunOf("w1", "w2"));

        _metrics.Record(RunOf("w1"));

        var scraped = await Scrape();
        Assert.Contains("image_sync_node_reachable{node=\"w1\"} 1\n", scraped);
        Assert.DoesNotContain("node=\"w2\"", scraped);
    }

    [Fact]
    public async Task Should_keep_the_series_of_the_discovered_nodes_when_discovery_failed()
    {
        _metrics.Record(RunOf("w1", "k1"));

        _metrics.Record(RunOf("w1") with { DiscoveryError = "kubernetes: cannot reach https://10.0.0.1:6443" });

        Assert.Contains("image_sync_node_reachable{node=\"k1\"} 1\n", await Scrape());
    }

    [Fact]
    public async Task Should_count_a_refused_sync_but_not_a_tick_skipped_after_another_replicas_sync()
    {
        _metrics.Record(new SyncEvents.SyncRefused("the last sync started at 03:00, less than 12m ago", SyncEvents.RefusalKind.RecentlySynced));
        Assert.DoesNotContain("result=\"refused\"", await Scrape());

        _metrics.Record(new SyncEvents.SyncRefused("another image-sync run holds the lock /l", SyncEvents.RefusalKind.LockHeld));
        Assert.Contains("image_sync_syncs_total{result=\"refused\"} 1\n", await Scrape());
    }

    [Fact]
    public async Task Should_count_the_day_file_lines_that_could_not_be_written()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("logs"), "");
        var health = new DayFileHealth(dir.File("logs"));
        var metrics = new SyncMetrics(_presence, new ManualClock(Now), health);
        using var log = new Serilog.LoggerConfiguration().WriteTo.DayFile(dir.File("logs"), DayFiles.RunLog, "{Message}", health).CreateLogger();

        log.Information("a line that cannot be written");
        log.Information("another one");

        Assert.Contains("image_sync_log_write_failures_total 2\n", System.Text.Encoding.UTF8.GetString((await metrics.ScrapeAsync(CancellationToken.None)).Body));
    }

    [Fact]
    public async Task Should_say_whether_this_replica_runs_the_coordinator_at_each_scrape()
    {
        var coordinator = ActorRefs.Nobody;

        Assert.Contains("image_sync_coordinator 0\n", await Scrape());
        _presence.Arrived(coordinator);
        Assert.Contains("image_sync_coordinator 1\n", await Scrape());
        _presence.Left(coordinator);
        Assert.Contains("image_sync_coordinator 0\n", await Scrape());
    }

    [Fact]
    public async Task Should_expose_each_nodes_image_filesystem_and_count_the_images_removed_from_it()
    {
        var facts = new NodeFacts(new Platform("linux", "amd64"), new ImageFilesystem("/x", "/var/lib/containerd", 1000, 700, 250), []);
        _metrics.Record(new SyncEvents.NodeChecked(NodeStatus.Ready(NodeName.Parse("w1"), 1, [], facts)));
        _metrics.Record(new SyncEvents.ImagesHeldBack(NodeName.Parse("w1"), 3, 5, Now));
        _metrics.Record(new SyncEvents.ImagesHeldBack(NodeName.Parse("w1"), 0, 5, Now));

        var scraped = await Scrape();

        Assert.Contains("image_sync_node_image_fs_bytes{node=\"w1\",kind=\"size\"} 1000\n", scraped);
        Assert.Contains("image_sync_node_image_fs_bytes{node=\"w1\",kind=\"used\"} 700\n", scraped);
        Assert.Contains("image_sync_node_image_fs_bytes{node=\"w1\",kind=\"available\"} 250\n", scraped);
        Assert.Contains("image_sync_images_removed_total{node=\"w1\"} 3\n", scraped);
    }

    [Fact]
    public async Task Should_count_each_nodes_held_back_pulls_and_when_the_first_may_be_pulled_again()
    {
        var until = Now.AddHours(6);
        var summary = RunOf("w1", "w2") with
        {
            Plan = new SyncPlan([]) { HeldBack = [new HeldBackPull(TestData.Pull("w1", "b:1"), until), new HeldBackPull(TestData.Pull("w1", "c:1"), until.AddHours(1))] },
            Outcomes = [],
        };

        _metrics.Record(summary);

        var scraped = await Scrape();
        Assert.Contains("image_sync_pulls_held_back{node=\"w1\"} 2\n", scraped);
        Assert.Contains("image_sync_pulls_held_back{node=\"w2\"} 0\n", scraped);
        Assert.Contains($"image_sync_pulls_held_back_until_timestamp_seconds{{node=\"w1\"}} {until.ToUnixTimeSeconds()}\n", scraped);
        Assert.DoesNotContain("image_sync_pulls_held_back_until_timestamp_seconds{node=\"w2\"}", scraped);
    }

    /// <summary>A run's summary of the nodes named, each reachable, with one pull done on the first.</summary>
    private static SyncSummary RunOf(params string[] nodes)
    {
        var pull = TestData.Pull(nodes[0], "a:1");
        return new SyncSummary(SyncMode.Run, Now, TimeSpan.FromSeconds(1), nodes.Select(n => NodeStatus.Ready(NodeName.Parse(n), 1, [])).ToList(), new SyncPlan([pull]),
            [new PullOutcome(pull, PullResult.Success, null, TimeSpan.FromSeconds(1))], false);
    }

    [Fact]
    public async Task Should_apply_another_replicas_report_and_ignore_one_older_than_what_it_shows()
    {
        var newer = new FleetReport(2000, 2010, "ok", [new FleetReport.NodeGauges("w1", true, 0, [100, 40, 60])], WholeFleet: true);
        var older = new FleetReport(1000, null, "failures", [new FleetReport.NodeGauges("w1", false, null, null)], WholeFleet: true);

        _metrics.Apply(newer);
        _metrics.Apply(older);

        var scraped = await Scrape();
        Assert.Contains("image_sync_last_attempt_timestamp_seconds 2000\n", scraped);
        Assert.Contains("image_sync_last_success_timestamp_seconds 2010\n", scraped);
        Assert.Contains("image_sync_last_result{result=\"ok\"} 1\n", scraped);
        Assert.DoesNotContain("result=\"failures\"", scraped);
        Assert.Contains("image_sync_node_reachable{node=\"w1\"} 1\n", scraped);
        Assert.Contains("image_sync_node_image_fs_bytes{node=\"w1\",kind=\"available\"} 60\n", scraped);
    }

    private static SyncEvents.SyncFinished Finished(SyncMode mode, bool unreachable)
    {
        var node = unreachable ? NodeStatus.Unreachable(NodeName.Parse("w1"), "connection refused", NodeStage.Connect) : NodeStatus.Ready(NodeName.Parse("w1"), 1, []);
        return new(new SyncSummary(mode, Now, TimeSpan.FromSeconds(1), [node], SyncPlan.Empty, [], false));
    }

    private async Task<string> Scrape()
    {
        using var text = new MemoryStream();
        await _metrics.Registry.CollectAndExportAsTextAsync(text);
        return System.Text.Encoding.UTF8.GetString(text.ToArray());
    }
}
