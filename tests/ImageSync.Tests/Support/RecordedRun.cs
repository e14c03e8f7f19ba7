using Akka.Actor;
using Akka.TestKit;
using ImageSync.Actors;
using ImageSync.Cli;
using ImageSync.Domain;
using ImageSync.Logging;
using Serilog;

namespace ImageSync.Tests.Support;

/// <summary>
/// Records one run the way an operator reads it afterwards: the plan it made, every outcome it published,
/// and the day files the LogActor wrote. Then checks what must hold for every run, whatever the faults.
/// </summary>
public sealed class RecordedRun : IDisposable
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _logs = new();
    private readonly TestProbe _events;
    private readonly Serilog.Core.Logger _runLog;
    private readonly DayFileJournal _journal;
    private readonly IActorRef _logActor;
    private readonly TestKitBase _kit;

    public RecordedRun(TestKitBase kit)
    {
        _kit = kit;
        _events = kit.CreateTestProbe();
        kit.Sys.EventStream.Subscribe(_events, typeof(SyncEvents.PlanMade));
        kit.Sys.EventStream.Subscribe(_events, typeof(SyncEvents.PullFinished));
        _runLog = new LoggerConfiguration().WriteTo.DayFile(_logs.Path, DayFiles.RunLog, "{Message:l}{NewLine}").CreateLogger();
        // A fixed clock: however far virtual time runs, every line lands in the same day's files.
        _journal = new DayFileJournal(_runLog, _logs.Path, 30, new ManualClock(Noon));
        _logActor = kit.Sys.StartLogActor(_journal);
    }

    /// <summary>Checks the run's invariants and returns its plan.</summary>
    public SyncPlan AssertInvariants(SyncSummary summary)
    {
        var plan = _events.FishForMessage<SyncEvents.PlanMade>(_ => true, TimeSpan.FromSeconds(5)).Plan;
        var published = new List<PullOutcome>();
        while (_events.ReceiveOne(TimeSpan.FromMilliseconds(50)) is { } message)
            if (message is SyncEvents.PullFinished finished) published.Add(finished.Outcome);

        // Each planned pull ends in exactly one outcome, with a reason unless it succeeded.
        Assert.Equal(Keys(plan.Pulls), Keys(summary.Outcomes.Select(o => o.Pull)));
        Assert.Equal(Keys(plan.Pulls), Keys(published.Select(o => o.Pull)));
        Assert.All(summary.Outcomes, o => Assert.True(o.IsSuccess == (o.Reason is null), $"{o.Pull}: {o.Word} with reason '{o.Reason}'"));
        Assert.All(summary.Nodes.Where(n => !n.Reachable), n => Assert.False(string.IsNullOrWhiteSpace(n.Reason)));

        // The summary counts are the lines in the day files: written once, to the right file.
        _logActor.Tell(LogCommands.Flush.Instance, _events);
        _events.FishForMessage<LogCommands.Flushed>(_ => true);
        _journal.Dispose();
        _runLog.Dispose();
        Assert.Equal(summary.Succeeded, Lines(DayFiles.SuccessLog).Count(l => l.Contains(" SUCCESS ")));
        Assert.Equal(summary.Outcomes.Count - summary.Succeeded, Lines(DayFiles.FailedLog).Length);
        Assert.Equal(summary.Failed, Lines(DayFiles.FailedLog).Count(l => l.Contains(" FAILED ")));
        Assert.Equal(summary.TimedOut, Lines(DayFiles.FailedLog).Count(l => l.Contains(" TIMEOUT ")));

        // The exit code follows: 3 exactly when a node was unreachable or a pull did not succeed.
        var failed = summary.Nodes.Any(n => !n.Reachable) || summary.Outcomes.Any(o => !o.IsSuccess);
        Assert.Equal(failed ? ExitCodes.Failures : ExitCodes.Ok, ExitCodes.For(summary, signal: null));
        return plan;
    }

    private string[] Lines(string stem)
    {
        var path = _logs.File(DayFiles.NameFor(stem, DateOnly.FromDateTime(Noon.DateTime)));
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    private static List<string> Keys(IEnumerable<PlannedPull> pulls) => pulls.Select(p => p.ToString()).Order().ToList();

    public void Dispose()
    {
        _kit.Sys.EventStream.Unsubscribe(_events);
        _kit.Sys.Stop(_logActor);
        _journal.Dispose();
        _runLog.Dispose();
        _logs.Dispose();
    }
}
