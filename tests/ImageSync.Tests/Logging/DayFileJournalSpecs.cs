using ImageSync.Domain;
using ImageSync.Logging;
using ImageSync.Tests.Support;
using Serilog;

namespace ImageSync.Tests.Logging;

public sealed class DayFileJournalSpecs : IDisposable
{
    private static readonly DateTimeOffset BeforeMidnight = new(2026, 11, 26, 23, 59, 59, TimeSpan.FromHours(1));
    private readonly TempDirectory _dir = new();
    private readonly ManualClock _clock = new(BeforeMidnight);
    private readonly Serilog.Core.Logger _runLog;
    private readonly DayFileJournal _journal;

    public DayFileJournalSpecs()
    {
        _runLog = new LoggerConfiguration().WriteTo.DayFile(_dir.Path, DayFiles.RunLog, "{Timestamp:yyyy-MM-dd HH:mm:ss} [{Level:u3}] {Message:lj}{NewLine}").CreateLogger();
        _journal = new DayFileJournal(_runLog, _dir.Path, 30, _clock);
    }

    [Fact]
    public void Should_write_one_line_per_outcome_into_the_success_or_failed_file_of_the_day()
    {
        _journal.Record(new SyncEvents.PullFinished(Outcome("worker-1", "registry.example.com/team/a:1", PullResult.Success, null)));
        _journal.Record(new SyncEvents.PullFinished(Outcome("worker-2", "registry.example.com/team/b:1", PullResult.Timeout, "remote timeout (exit 124)")));
        _journal.Record(new SyncEvents.PullFinished(Outcome("worker-3", "registry.example.com/team/c:1", PullResult.Failed, "exit 1: pulling image: rpc error")));
        _journal.Record(new SyncEvents.PullFinished(Outcome("worker-3", "registry.example.com/team/d:1", PullResult.Failed, "Unavailable: EOF") with { Attempts = 3 }));
        Flush();

        Assert.Equal(["2026-11-26T23:59:59.000+01:00 SUCCESS worker-1 registry.example.com/team/a:1"], Lines("success_images-2026-11-26.log"));
        Assert.Equal(
            ["2026-11-26T23:59:59.000+01:00 TIMEOUT worker-2 registry.example.com/team/b:1 remote timeout (exit 124) (after 1 attempt)",
             "2026-11-26T23:59:59.000+01:00 FAILED worker-3 registry.example.com/team/c:1 exit 1: pulling image: rpc error (after 1 attempt)",
             "2026-11-26T23:59:59.000+01:00 FAILED worker-3 registry.example.com/team/d:1 Unavailable: EOF (after 3 attempts)"],
            Lines("failed_images-2026-11-26.log"));
    }

    [Fact]
    public void Should_write_the_run_lines_only_to_the_run_logger_and_no_outcome_file_when_day_files_are_off()
    {
        using var journal = new DayFileJournal(_runLog, null, 30, _clock);

        journal.Record(new SyncEvents.PullFinished(Outcome("worker-1", "registry.example.com/team/a:1", PullResult.Success, null)));
        journal.Record(new SyncEvents.PullFinished(Outcome("worker-2", "registry.example.com/team/b:1", PullResult.Failed, "NotFound: gone")));
        Flush();

        Assert.Equal(["image-sync-2026-11-26.log"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
        Assert.Equal(["2026-11-26 23:59:59 [INF] SUCCESS worker-1 registry.example.com/team/a:1 (1.0s)",
            "2026-11-26 23:59:59 [WRN] FAILED worker-2 registry.example.com/team/b:1 (1.0s): NotFound: gone (after 1 attempt)"], Lines("image-sync-2026-11-26.log"));
    }

    [Fact]
    public void Should_write_a_held_success_as_it_ends_and_only_a_disagreeing_verification_after_it()
    {
        var kept = Outcome("worker-1", "registry.example.com/team/a:1", PullResult.Success, null);
        var missing = Outcome("worker-1", "registry.example.com/team/b:1", PullResult.Success, null);
        _journal.Record(new SyncEvents.PullSucceeded(kept));
        _journal.Record(new SyncEvents.PullSucceeded(missing));
        Flush();
        Assert.Equal(2, Lines("success_images-2026-11-26.log").Length);
        Assert.False(File.Exists(_dir.File("image-sync-2026-11-26.log")), "the run log has a line before the verdict");

        _journal.Record(new SyncEvents.PullFinished(kept, AfterSucceeded: true));
        _journal.Record(new SyncEvents.PullFinished(missing with { Result = PullResult.Failed, Reason = "not present after pull" }, AfterSucceeded: true));
        Flush();

        Assert.Equal(
            ["2026-11-26T23:59:59.000+01:00 SUCCESS worker-1 registry.example.com/team/a:1", "2026-11-26T23:59:59.000+01:00 SUCCESS worker-1 registry.example.com/team/b:1"],
            Lines("success_images-2026-11-26.log"));
        Assert.Equal(["2026-11-26T23:59:59.000+01:00 FAILED worker-1 registry.example.com/team/b:1 not present after pull (after 1 attempt)"], Lines("failed_images-2026-11-26.log"));
        Assert.Contains(Lines("image-sync-2026-11-26.log"), l => l.Contains("SUCCESS worker-1 registry.example.com/team/a:1"));
    }

    [Fact]
    public void Should_switch_to_the_new_days_files_when_the_clock_passes_midnight()
    {
        _journal.Record(new SyncEvents.PullFinished(Outcome("worker-1", "registry.example.com/team/a:1", PullResult.Success, null)));
        _clock.Set(BeforeMidnight.AddSeconds(2));
        _journal.Record(new SyncEvents.PullFinished(Outcome("worker-1", "registry.example.com/team/b:1", PullResult.Success, null)));
        Flush();

        Assert.Contains("team/a:1", Assert.Single(Lines("success_images-2026-11-26.log")));
        Assert.Contains("team/b:1", Assert.Single(Lines("success_images-2026-11-27.log")));
        Assert.Contains("SUCCESS worker-1 registry.example.com/team/b:1", Assert.Single(Lines("image-sync-2026-11-27.log")));
    }

    [Fact]
    public void Should_keep_the_reason_on_one_line_when_a_node_sends_control_characters()
    {
        _journal.Record(new SyncEvents.PullFinished(Outcome("worker-1", "registry.example.com/team/a:1", PullResult.Failed, "bad\nFAKE SUCCESS line\r")));
        Flush();

        Assert.Single(Lines("failed_images-2026-11-26.log"));
    }

    [Fact]
    public void Should_write_the_run_log_lines_the_bash_tool_wrote()
    {
        var node = new NodeSpec(NodeName.Parse("worker-1"), "h", 22, "root");
        var outcome = Outcome("worker-1", "registry.example.com/team/a:1", PullResult.Success, null);
        _journal.Record(new SyncEvents.SyncStarted(BeforeMidnight, [node], "run"));
        _journal.Record(new SyncEvents.NodeChecked(NodeStatus.Ready(node.Name, 4, [])));
        _journal.Record(new SyncEvents.NodeChecked(NodeStatus.Unreachable(NodeName.Parse("worker-2"), "connection refused", NodeStage.Connect)));
        _journal.Record(new SyncEvents.NodeChecked(NodeStatus.Ready(NodeName.Parse("worker-3"), 0, ["a/b:1;touch /tmp/x"])));
        _journal.Record(new SyncEvents.PullFinished(outcome));
        _journal.Record(new SyncEvents.SyncFinished(new SyncSummary(
            SyncMode.Run, BeforeMidnight, TimeSpan.FromSeconds(3), [NodeStatus.Ready(node.Name, 4, [])], new SyncPlan([outcome.Pull]), [outcome], false)));
        Flush();

        var log = string.Join("\n", Lines("image-sync-2026-11-26.log"));
        Assert.Contains("SYNC STARTED: 1 nodes (worker-1), reason: run", log);
        Assert.Contains("NODE worker-1 READY: 4 matching images", log);
        Assert.Contains("[WRN] NODE worker-2 UNREACHABLE: connection refused", log);
        Assert.Contains("NODE worker-3 reported 1 invalid image references, ignored: a/b:1;touch /tmp/x", log);
        Assert.Contains("SUMMARY: 1 succeeded, 0 failed, 0 timed out, 0 skipped; 0 of 1 nodes unreachable", log);
        Assert.Contains("  worker-1             reachable   planned    1  pulled    1  failed    0  skipped    0", log);
        Assert.Contains("SYNC COMPLETE in 3.0s", log);
    }

    [Fact]
    public void Should_keep_the_start_and_plan_lines_short_when_the_fleet_has_a_thousand_nodes()
    {
        var nodes = Enumerable.Range(1, 1000).Select(i => new NodeSpec(NodeName.Parse($"w{i:D5}"), "h", 22, "root")).ToList();
        var pulls = nodes.Select((n, i) => new PlannedPull(n.Name, TestData.Image($"app{i % 7}:1"), 1 << 20, [])).Append(new PlannedPull(nodes[41].Name, TestData.Image("extra:1"), 1 << 20, [])).ToList();
        var drift = new TagDrift(TestData.Image("moved:1"), nodes.ToDictionary(n => n.Name, n => "sha256:" + new string(n.Name.Value[^1] == '1' ? 'a' : 'b', 64)));

        _journal.Record(new SyncEvents.SyncStarted(BeforeMidnight, nodes, "daemon tick"));
        _journal.Record(new SyncEvents.PlanMade(new SyncPlan(pulls, [drift])));
        Flush();

        var log = Lines("image-sync-2026-11-26.log");
        Assert.Contains(log, l => l.EndsWith("SYNC STARTED: 1000 nodes (w00001, w00002, w00003, w00004, w00005 +995 more), reason: daemon tick"));
        Assert.Contains(log, l => l.EndsWith("PLAN: 1001 pulls on 1000 nodes, 1001.0 MiB; most: w00042: 2, w00001: 1, w00002: 1, w00003: 1, w00004: 1 +995 more"));
        var driftLine = Assert.Single(log, l => l.Contains("DRIFT"));
        Assert.Contains("sha256:aaaaaaaaaaaa… on w00001, w00011 +98 more; sha256:bbbbbbbbbbbb… on w00002, w00003 +898 more", driftLine);
        Assert.All(log, l => Assert.True(l.Length < 400, $"a line of {l.Length} characters: {l[..80]}…"));
    }

    [Fact]
    public void Should_log_a_skipped_tick_by_why_it_was_skipped_and_a_refused_run_as_an_error()
    {
        _journal.Record(new SyncEvents.SyncRefused("a sync is already running", SyncEvents.RefusalKind.AlreadyRunning));
        _journal.Record(new SyncEvents.SyncRefused("the last sync started at 10:00, less than 12m ago", SyncEvents.RefusalKind.RecentlySynced));
        _journal.Record(new SyncEvents.SyncRefused("another image-sync run holds the lock /l", SyncEvents.RefusalKind.LockHeld));
        Flush();

        Assert.Equal(
            ["[WRN] SYNC SKIPPED: a sync is already running",
             "[INF] SYNC SKIPPED: the last sync started at 10:00, less than 12m ago",
             "[ERR] another image-sync run holds the lock /l; nothing was done"],
            Lines("image-sync-2026-11-26.log").Select(l => l[20..]));
    }

    [Fact]
    public void Should_create_day_files_readable_by_owner_and_group_only()
    {
        _journal.Record(new SyncEvents.PullFinished(Outcome("worker-1", "registry.example.com/team/a:1", PullResult.Success, null)));
        Flush();

        Assert.Equal(DayFiles.FileMode, File.GetUnixFileMode(_dir.File("success_images-2026-11-26.log")));
    }

    [Fact]
    public void Should_delete_expired_day_files_by_the_journals_clock()
    {
        File.WriteAllText(_dir.File("image-sync-2026-10-26.log"), "old");
        File.WriteAllText(_dir.File("image-sync-2026-10-27.log"), "recent");

        _journal.PruneExpired();

        Assert.False(File.Exists(_dir.File("image-sync-2026-10-26.log")));
        Assert.True(File.Exists(_dir.File("image-sync-2026-10-27.log")));
    }

    private static PullOutcome Outcome(string node, string image, PullResult result, string? reason) =>
        new(new PlannedPull(NodeName.Parse(node), ImageRef.Parse(image), 1, []), result, reason, TimeSpan.FromSeconds(1));

    private void Flush()
    {
        _journal.Dispose();
        _runLog.Dispose();
    }

    private string[] Lines(string name) => File.ReadAllLines(_dir.File(name));

    public void Dispose()
    {
        Flush();
        _dir.Dispose();
    }
}
