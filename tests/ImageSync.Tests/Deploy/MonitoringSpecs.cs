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

    /// <summary>The image_sync_ names a text mentions, with a histogram's _bucket, _sum and _count read as the histogram.</summary>
    private static HashSet<string> Metrics(string text) =>
        MetricName().Matches(text).Select(m => HistogramPart().Replace(m.Value, "")).ToHashSet();

    /// <summary>What a daemon's registry holds once a sync has run (HELP lines name every family).</summary>
    private static HashSet<string> Exported()
    {
        var metrics = new SyncMetrics(new CoordinatorPresence(), new ManualClock(DateTimeOffset.UnixEpoch));
        var pull = TestData.Pull("w1", "a:1");
        metrics.Record(new SyncSummary(SyncMode.Run, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(1), [NodeStatus.Ready(pull.Node, 1, [])], new SyncPlan([pull]),
            [new PullOutcome(pull, PullResult.Success, null, TimeSpan.FromSeconds(1))], false));
        using var text = new MemoryStream();
        metrics.Registry.CollectAndExportAsTextAsync(text).GetAwaiter().GetResult();
        return System.Text.Encoding.UTF8.GetString(text.ToArray()).Split('\n').Where(l => l.StartsWith("# HELP ")).Select(l => l.Split(' ')[2]).ToHashSet();
    }

    [GeneratedRegex(@"image_sync_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"_(bucket|sum|count)$")]
    private static partial Regex HistogramPart();
}
