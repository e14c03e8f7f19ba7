using Akka.Actor;
using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Logging;
using ImageSync.Nodes.Simulated;
using ImageSync.Tests.Support;
using Serilog;

namespace ImageSync.Tests.Actors;

public sealed class LogActorSpecs : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Should_log_as_many_outcome_lines_as_the_summary_counts_when_a_run_mixes_outcomes()
    {
        var settings = TestData.Simulated("""
            pull { timeout = 1s, kill-after = 1s, retries = 0 }
            simulated {
              pull-latency = 10ms
              nodes {
                w1 { images = [ { ref = "registry.example.com/team/a:1" }, { ref = "registry.example.com/team/b:1" }, { ref = "registry.example.com/team/c:1" } ] }
                w2 { failing = ["registry.example.com/team/b:1"] }
                w3 { pull-latency = 5s }
              }
            }
            """);
        var fleet = new SimulatedFleet(settings.Simulated, settings.Nodes.Select(n => n.Name));
        using var runLog = new LoggerConfiguration().WriteTo.DayFile(_dir.Path, DayFiles.RunLog, "{Message:lj}{NewLine}").CreateLogger();
        using var journal = new DayFileJournal(runLog, _dir.Path, 30, TimeProvider.System);
        var log = Sys.StartLogActor(journal);
        var coordinator = Sys.ActorOf(TestData.Coordinator(settings, new SimulatedTransport(fleet)));

        coordinator.Tell(new SyncCommands.StartSync("spec"));
        var summary = ExpectMsg<SyncEvents.SyncFinished>(TimeSpan.FromSeconds(20)).Summary;
        log.Tell(LogCommands.Flush.Instance);
        ExpectMsg<LogCommands.Flushed>();
        journal.Dispose();

        Assert.Equal((2, 1, 3), (summary.Succeeded, summary.Failed, summary.TimedOut));
        var day = DateOnly.FromDateTime(DateTime.Now);
        var succeeded = File.ReadAllLines(_dir.File(DayFiles.NameFor(DayFiles.SuccessLog, day)));
        var failed = File.ReadAllLines(_dir.File(DayFiles.NameFor(DayFiles.FailedLog, day)));
        Assert.Equal(summary.Succeeded, succeeded.Length);
        Assert.Equal(summary.Failed + summary.TimedOut, failed.Length);
        Assert.Equal(summary.Failed, failed.Count(l => l.Contains(" FAILED w2 registry.example.com/team/b:1 NotFound: ")));
        Assert.Equal(summary.TimedOut, failed.Count(l => l.Contains(" TIMEOUT w3 ")));
        Assert.Contains("SYNC COMPLETE", File.ReadAllText(_dir.File(DayFiles.NameFor(DayFiles.RunLog, day))));
    }

    [Fact]
    public void Should_answer_a_flush_only_after_everything_sent_before_it_is_written()
    {
        var journal = new RecordingJournal();
        var log = Sys.StartLogActor(journal);
        var outcome = new PullOutcome(TestData.Pull("w1", "a:1"), PullResult.Success, null, TimeSpan.Zero);

        for (var i = 0; i < 100; i++) Sys.EventStream.Publish(new SyncEvents.PullFinished(outcome));
        log.Tell(LogCommands.Flush.Instance);

        ExpectMsg<LogCommands.Flushed>();
        Assert.Equal(100, journal.Recorded.Count);
    }

    [Fact]
    public void Should_prune_expired_day_files_when_it_starts()
    {
        var journal = new RecordingJournal();

        Sys.StartLogActor(journal);

        AwaitAssert(() => Assert.Equal(1, journal.Prunes));
    }

    private sealed class RecordingJournal : ISyncJournal
    {
        public List<SyncEvents.ISyncEvent> Recorded { get; } = [];

        public int Prunes { get; private set; }

        public void Record(SyncEvents.ISyncEvent syncEvent) => Recorded.Add(syncEvent);

        public void PruneExpired() => Prunes++;

        public void Dispose()
        {
        }
    }

    public new void Dispose()
    {
        base.Dispose();
        _dir.Dispose();
    }
}
