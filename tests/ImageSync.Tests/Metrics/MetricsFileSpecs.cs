using ImageSync.Domain;
using ImageSync.Metrics;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Metrics;

/// <summary>`run --metrics-file`: a cron run's series for node_exporter's textfile collector.</summary>
public sealed class MetricsFileSpecs : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Should_write_the_runs_image_sync_series_and_no_process_series_with_nothing_left_beside()
    {
        await Write(inSync: true);

        var text = System.IO.File.ReadAllText(File);
        Assert.Contains("image_sync_syncs_total{result=\"ok\"} 1\n", text);
        Assert.Contains("image_sync_node_reachable{node=\"w1\"} 1\n", text);
        Assert.Contains($"image_sync_last_success_timestamp_seconds {Now.ToUnixTimeSeconds()}\n", text);
        Assert.DoesNotContain("process_", text);
        Assert.DoesNotContain("dotnet_", text);
        Assert.Equal([File], Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task Should_keep_the_last_clean_sync_of_an_earlier_run_when_this_one_has_failures()
    {
        await Write(inSync: true);

        await Write(inSync: false, at: Now.AddMinutes(15));

        var text = System.IO.File.ReadAllText(File);
        Assert.Contains("image_sync_syncs_total{result=\"failures\"} 1\n", text);
        Assert.Contains($"image_sync_last_success_timestamp_seconds {Now.ToUnixTimeSeconds()}\n", text);
    }

    private string File => _dir.File("image-sync.prom");

    private Task Write(bool inSync, DateTimeOffset? at = null)
    {
        var node = inSync ? NodeStatus.Ready(NodeName.Parse("w1"), 1, []) : NodeStatus.Unreachable(NodeName.Parse("w1"), "connection refused", NodeStage.Connect);
        var summary = new SyncSummary(SyncMode.Run, at ?? Now, TimeSpan.FromSeconds(1), [node], SyncPlan.Empty, [], false);
        return MetricsFile.WriteAsync(File, summary, new ManualClock(at ?? Now), CancellationToken.None);
    }

    public void Dispose() => _dir.Dispose();
}
