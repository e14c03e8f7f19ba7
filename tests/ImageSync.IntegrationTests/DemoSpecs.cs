using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>The README's first command: the published CLI syncs the embedded simulated fleet of hocon/demo.conf.</summary>
public sealed class DemoSpecs : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("image-sync-demo-").FullName;

    [Fact]
    public void Should_sync_the_demo_fleet_fail_the_one_missing_image_once_and_leave_the_three_day_files_in_logs()
    {
        using var process = Shell.Start(Repository.Cli, ["run", "--config", Path.Combine(Repository.Root, "hocon", "demo.conf")], workingDirectory: _dir);

        var run = process.Wait(TimeSpan.FromSeconds(60));

        Assert.True(run.ExitCode == 3, run.Output);
        Assert.Contains("6 succeeded, 1 failed, 0 timed out, 1 skipped; 0 of 3 nodes unreachable", run.Stdout);
        var day = DateTime.Now.ToString("yyyy-MM-dd");
        var logs = Path.Combine(_dir, "logs");
        Assert.Equal(6, File.ReadAllLines(Path.Combine(logs, $"success_images-{day}.log")).Length);
        var failed = File.ReadAllLines(Path.Combine(logs, $"failed_images-{day}.log"));
        Assert.Equal(2, failed.Length);
        Assert.Single(failed, l => l.Contains(" FAILED worker-3 registry.example.com/team/legacy:0.1 NotFound"));
        Assert.Single(failed, l => l.Contains(" SKIPPED worker-1 registry.example.com/team/legacy:0.1 not tried"));
        Assert.Contains(File.ReadAllLines(Path.Combine(logs, $"image-sync-{day}.log")), l => l.Contains("SYNC COMPLETE"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
