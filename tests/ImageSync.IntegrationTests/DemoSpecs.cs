using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>The README's first command: the published CLI syncs the embedded simulated fleet of hocon/demo.conf.</summary>
public sealed class DemoSpecs : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("image-sync-demo-").FullName;

    [Fact]
    public void Should_sync_the_demo_fleet_copy_the_image_the_registry_lost_fail_it_where_no_ctr_and_leave_the_three_day_files()
    {
        using var process = Shell.Start(Repository.Cli, ["run", "--config", Path.Combine(Repository.Root, "hocon", "demo.conf")], workingDirectory: _dir);

        var run = process.Wait(TimeSpan.FromSeconds(60));

        Assert.True(run.ExitCode == 3, run.Output);
        Assert.Contains("7 succeeded, 1 failed, 0 timed out, 0 skipped; 0 of 3 nodes unreachable", run.Stdout);
        var day = DateTime.Now.ToString("yyyy-MM-dd");
        var logs = Path.Combine(_dir, "logs");
        var succeeded = File.ReadAllLines(Path.Combine(logs, $"success_images-{day}.log"));
        Assert.Equal(7, succeeded.Length);
        Assert.Single(succeeded, l => l.Contains(" SUCCESS worker-3 registry.example.com/team/legacy:0.1 (from worker-2 by transfer, 10.0 MiB,"));
        var failed = Assert.Single(File.ReadAllLines(Path.Combine(logs, $"failed_images-{day}.log")));
        Assert.Contains(" FAILED worker-1 registry.example.com/team/legacy:0.1 not tried: the first pull of this image, on worker-3, failed for good (NotFound", failed);
        Assert.Contains("copy failed: import on worker-1: worker-1 has no ctr", failed);
        Assert.Contains(File.ReadAllLines(Path.Combine(logs, $"image-sync-{day}.log")), l => l.Contains("SYNC COMPLETE"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
