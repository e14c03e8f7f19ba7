using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>
/// The published daemon while its log dir is taken away: a 1 MiB tmpfs filled up, then remounted read-only,
/// and a plain dir deleted. The syncs go on, the loss is reported once per sync on stderr and in a metric,
/// and the day files are written again once the dir can be.
/// </summary>
public sealed class LogPressureSpecs : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private readonly TestFleet _fleet = new(nodes: 2);
    private readonly int _metricsPort = SshdNode.FreePort();
    private bool _mounted;

    [Fact]
    public async Task Should_keep_syncing_while_the_log_dir_is_full_or_read_only_report_each_sync_once_and_write_again_after()
    {
        Directory.CreateDirectory(_fleet.LogDir);
        Shell.Require("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0750", "tmpfs", _fleet.LogDir]);
        _mounted = true;
        // Full before the start: the day files are created empty (no data block needed), every line then fails.
        var filler = Path.Combine(_fleet.LogDir, "filler");
        Shell.Run("dd", ["if=/dev/zero", $"of={filler}", "bs=64k"]);
        using var daemon = StartDaemon();

        await AwaitSyncsAsync(2);
        var lostWhileFull = LinesLost();
        File.Delete(filler);
        await AwaitWrittenAsync();

        // The remount fails while a line is being written (a file open for writing); the next try finds none.
        await Eventually.TrueAsync("the log dir to remount read-only", () => Shell.Run("mount", ["-o", "remount,ro", _fleet.LogDir]).ExitCode == 0,
            TimeSpan.FromSeconds(10), every: TimeSpan.FromMilliseconds(50));
        await AwaitSyncsAsync(1);
        Shell.Require("mount", ["-o", "remount,rw", _fleet.LogDir]);
        await AwaitWrittenAsync();
        daemon.Signal("TERM");
        var stopped = daemon.Wait(TimeSpan.FromSeconds(30));

        Assert.True(stopped.ExitCode == 0, stopped.Output);
        Assert.True(lostWhileFull > 0, "no lost line was counted while the log dir was full");
        var reports = stopped.Stderr.Split('\n').Where(l => l.Contains("log lines to the day files")).ToList();
        Assert.Contains(reports, r => r.Contains("No space left on device"));
        Assert.Contains(reports, r => r.Contains("Read-only file system"));
        // Once per sync: one report for each sync that ran under pressure (two or three while full, one or two while read-only).
        Assert.True(reports.Count is >= 3 and <= 5, stopped.Stderr);
    }

    [Fact]
    public async Task Should_write_the_day_files_again_when_the_log_dir_is_deleted_while_it_runs()
    {
        using var daemon = StartDaemon();
        Assert.True(await _fleet.RunLogShowsAsync("SYNC COMPLETE", TimeSpan.FromSeconds(30)), "the first sync never completed");

        Directory.Delete(_fleet.LogDir, recursive: true);
        await AwaitWrittenAsync();
        daemon.Signal("TERM");
        var stopped = daemon.Wait(TimeSpan.FromSeconds(30));

        Assert.True(stopped.ExitCode == 0, stopped.Output);
        Assert.Contains(_fleet.DayFile("image-sync"), l => l.Contains("SYNC STARTED"));
        Assert.DoesNotContain("log lines to the day files", stopped.Stderr);
    }

    private RunningProcess StartDaemon()
    {
        _fleet.Serving(TestFleet.Prefix + "api:1");
        _fleet[1].Holding(TestFleet.Prefix + "api:1");
        _fleet.Start($$"""
            daemon { interval = {{Interval.TotalSeconds}}s, metrics = "127.0.0.1:{{_metricsPort}}" }
            """);
        return _fleet.StartDaemon();
    }

    /// <summary>Waits until the nodes have been read this many more times: that many more syncs ran.</summary>
    private async Task AwaitSyncsAsync(int more)
    {
        var before = Inventories();
        await Eventually.TrueAsync($"{more} more syncs to run", () => Inventories() >= before + more, Interval * (more + 1.5));
    }

    /// <summary>Waits until a sync writes its record in the run log again.</summary>
    private async Task AwaitWrittenAsync()
    {
        var before = _fleet.DayFile("image-sync").Count(l => l.Contains("SYNC COMPLETE"));
        await Eventually.TrueAsync("a sync to be written to the run log again", () => _fleet.DayFile("image-sync").Count(l => l.Contains("SYNC COMPLETE")) > before, Interval * 2.5);
    }

    // node-1 holds every image: it pulls nothing, so it is read once per sync (node-2 is read again after its pull).
    private int Inventories() => _fleet[1].CrictlCalls.Count(c => c == "images -o json");

    private double LinesLost()
    {
        var metrics = Shell.Run("curl", ["-sf", $"http://127.0.0.1:{_metricsPort}/metrics"]).Stdout;
        var line = metrics.Split('\n').Single(l => l.StartsWith("image_sync_log_write_failures_total ", StringComparison.Ordinal));
        return double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        if (_mounted) Shell.Run("umount", ["-l", _fleet.LogDir]);
        _fleet.Dispose();
    }
}
