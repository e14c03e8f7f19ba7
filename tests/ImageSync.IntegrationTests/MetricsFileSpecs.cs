using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>`run --metrics-file`, as a cron line would run it, over the demo fleet.</summary>
public sealed class MetricsFileSpecs : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("image-sync-metrics-").FullName;

    [Fact]
    public void Should_write_the_runs_metrics_for_node_exporters_textfile_collector()
    {
        var prom = Path.Combine(_dir, "textfile", "image-sync.prom");
        Directory.CreateDirectory(Path.GetDirectoryName(prom)!);
        using var process = Shell.Start(Repository.Cli, ["run", "--config", Path.Combine(Repository.Root, "hocon", "demo.conf"), "--quiet", "--metrics-file", prom],
            workingDirectory: _dir);

        var run = process.Wait(TimeSpan.FromSeconds(60));

        Assert.True(run.ExitCode == 3, run.Output);
        var lines = File.ReadAllLines(prom);
        Assert.Contains("image_sync_syncs_total{result=\"failures\"} 1", lines);
        Assert.Contains("image_sync_images_missing{node=\"worker-1\"} 1", lines);
        Assert.Contains("image_sync_pulls_total{node=\"worker-3\",result=\"success\"} 3", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("process_"));
        Assert.Equal(["image-sync.prom"], Directory.GetFiles(Path.GetDirectoryName(prom)!).Select(Path.GetFileName));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
