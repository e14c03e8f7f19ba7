using System.Text.Json;
using System.Text.RegularExpressions;
using ImageSync.Daemon;
using ImageSync.Domain;
using ImageSync.Metrics;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Deploy;

/// <summary>
/// deploy/prometheus and deploy/grafana: the rules pass promtool (Debian's prometheus package), and every metric a
/// rule or a dashboard panel asks for is one the daemon exports.
/// </summary>
public sealed partial class MonitoringSpecs
{
    private static readonly string Prometheus = Path.Combine(Repository.Root, "deploy", "prometheus");

    [Theory]
    [InlineData("check", "rules", "alerts.yaml")]
    [InlineData("test", "rules", "alerts.test.yaml")]
    public void Should_pass_promtool(string verb, string what, string file)
    {
        var (exitCode, stdout, stderr) = Tool.Run("promtool", Prometheus, verb, what, file);

        Assert.True(exitCode == 0, $"promtool {verb} {what} {file}: {stdout}{stderr}");
        Assert.Contains("SUCCESS", stdout + stderr);
    }

    [Fact]
    public void Should_ask_the_alert_rules_only_for_metrics_the_daemon_exports()
    {
        var asked = Metrics(File.ReadAllText(Path.Combine(Prometheus, "alerts.yaml")));

        Assert.NotEmpty(asked);
        Assert.Empty(asked.Except(Exported()));
    }

    [Fact]
    public void Should_ask_every_dashboard_panel_only_for_metrics_the_daemon_exports()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "deploy", "grafana", "image-sync.json")));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();

        Assert.NotEmpty(panels);
        foreach (var panel in panels)
        {
            var asked = Metrics(string.Join(' ', panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString())));
            Assert.True(asked.Count > 0, $"panel '{panel.GetProperty("title")}' asks for no image_sync_ metric");
            Assert.Empty(asked.Except(Exported()));
        }
    }

    /// <summary>
    /// The node rules against what a daemon's registry really exposes after a sync (names, labels, values), held for
    /// 80 minutes: the unreachable node and the one still lacking images alert, the node in sync does not.
    /// </summary>
    [Fact]
    public void Should_alert_on_the_series_a_daemon_exposes_after_a_sync_with_an_unreachable_node_and_one_still_lacking_images()
    {
        using var dir = new TempDirectory();
        var series = ScrapedAfter(Summary()).Where(l => l.StartsWith("image_sync_node_reachable{") || l.StartsWith("image_sync_images_missing{"))
            .Select(l => (Series: l[..l.LastIndexOf(' ')].Replace("{", "{job=\"image-sync\",instance=\"image-sync-0\","), Value: l[(l.LastIndexOf(' ') + 1)..]))
            .ToList();
        Assert.Contains(series, s => s.Series.Contains("node=\"w2\"") && s.Series.StartsWith("image_sync_node_reachable"));
        File.WriteAllText(dir.File("real.test.yaml"), $$"""
            rule_files:
              - {{Path.Combine(Prometheus, "alerts.yaml")}}
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
            {{string.Join("\n", series.Select(s => $"      - series: '{s.Series}'\n        values: '{s.Value}x80'"))}}
                alert_rule_test:
                  - eval_time: 45m
                    alertname: ImageSyncNodeUnreachable
                    exp_alerts:
                      - exp_labels: { severity: warning, job: image-sync, node: w2 }
                        exp_annotations:
                          summary: "image-sync: node w2 was unreachable over SSH at the last syncs"
                  - eval_time: 75m
                    alertname: ImageSyncImagesMissing
                    exp_alerts:
                      - exp_labels: { severity: warning, job: image-sync, node: w3 }
                        exp_annotations:
                          summary: "image-sync: node w3 still lacks 2 images after its syncs"
            """);

        var (exitCode, stdout, stderr) = Tool.Run("promtool", dir.Path, "test", "rules", "real.test.yaml");

        Assert.True(exitCode == 0, $"promtool test rules on a daemon's own series: {stdout}{stderr}");
    }

    /// <summary>w1 in sync, w2 unreachable, w3 reachable with two of its three pulls failed.</summary>
    private static SyncSummary Summary()
    {
        var pulls = new[] { TestData.Pull("w3", "a:1"), TestData.Pull("w3", "b:1"), TestData.Pull("w3", "c:1") };
        return new SyncSummary(SyncMode.Run, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(1),
            [NodeStatus.Ready(NodeName.Parse("w1"), 3, []), NodeStatus.Unreachable(NodeName.Parse("w2"), "connection refused", NodeStage.Connect), NodeStatus.Ready(NodeName.Parse("w3"), 0, [])],
            new SyncPlan(pulls), [new PullOutcome(pulls[0], PullResult.Success, null, TimeSpan.FromSeconds(1)),
                new PullOutcome(pulls[1], PullResult.Failed, "NotFound: x", TimeSpan.FromSeconds(1)), new PullOutcome(pulls[2], PullResult.Timeout, "timeout", TimeSpan.FromSeconds(1))], false);
    }

    private static string[] ScrapedAfter(SyncSummary summary)
    {
        var metrics = new SyncMetrics(new CoordinatorPresence(), new ManualClock(DateTimeOffset.UnixEpoch));
        metrics.Record(summary);
        using var text = new MemoryStream();
        metrics.Registry.CollectAndExportAsTextAsync(text).GetAwaiter().GetResult();
        return System.Text.Encoding.UTF8.GetString(text.ToArray()).Split('\n');
    }

    /// <summary>The image_sync_ names a text mentions, with a histogram's _bucket, _sum and _count read as the histogram.</summary>
    private static HashSet<string> Metrics(string text) =>
        MetricName().Matches(text).Select(m => HistogramPart().Replace(m.Value, "")).ToHashSet();

    /// <summary>What a daemon's registry holds once a sync has run (HELP lines name every family).</summary>
    private static HashSet<string> Exported()
    {
        return ScrapedAfter(Summary()).Where(l => l.StartsWith("# HELP ")).Select(l => l.Split(' ')[2]).ToHashSet();
    }

    [GeneratedRegex(@"image_sync_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"_(bucket|sum|count)$")]
    private static partial Regex HistogramPart();
}
