using Akka.Actor;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>
/// Runs one pull (or copy from another node) at a time and turns how it ended into an outcome, as the bash
/// tool did: exit 0 SUCCESS, 124 TIMEOUT, anything else FAILED with crictl's last stderr line. A receive
/// timeout is the local watchdog: a channel that never answers (frozen node, cut link) becomes a TIMEOUT
/// shortly after the remote timeout, and the worker is free again.
/// </summary>
public sealed class PullWorker : ReceiveActor
{
    /// <summary>
    /// After the watchdog, how long the worker waits for the cancelled pull to let go of its channel before
    /// it takes new work. SSH.NET ends a cancelled command within about a second even when the server is
    /// silent; waiting keeps abandoned channels inside max-parallel, and the limit keeps a worker from
    /// waiting forever.
    /// </summary>
    private static readonly TimeSpan ReleaseLimit = TimeSpan.FromSeconds(5);

    private readonly IActorRef _dispatcher;
    private readonly PullSettings _settings;
    private PullWork.Job? _job;
    private CancellationTokenSource? _cancel;
    private TimeSpan _startedAt;

    public PullWorker(IActorRef dispatcher, PullSettings settings)
    {
        _dispatcher = dispatcher;
        _settings = settings;
        Idle();
    }

    public static Props Props(IActorRef dispatcher, PullSettings settings) =>
        Akka.Actor.Props.Create(() => new PullWorker(dispatcher, settings));

    /// <summary>The scheduler's clock, so durations follow virtual time in simulations.</summary>
    private static TimeSpan Now => Context.System.Scheduler.MonotonicClock;

    protected override void PreStart() => _dispatcher.Tell(PullWork.RequestWork.Instance);

    private void Idle()
    {
        Receive<PullWork.Job>(Start);
        IgnoreLateResults();
    }

    private void Pulling()
    {
        Receive<PullExited>(m => m.JobId == _job!.Id, m => Finish(Classify(m.Exit)));
        Receive<Copied>(m => m.JobId == _job!.Id, CopyEnded);
        Receive<PullBroke>(m => m.JobId == _job!.Id, m => Finish((PullResult.Failed, NodeException.ReasonOf(m.Error)), replicaLost: IsReplicaLost(m.Error)));
        Receive<ReceiveTimeout>(_ => NoAnswer());
        IgnoreLateResults();
    }

    private void Start(PullWork.Job job)
    {
        _job = job;
        _cancel = new CancellationTokenSource();
        _startedAt = Now;
        var jobId = job.Id;
        if (job.From is { } from)
        {
            from.Session.RunAsync(new NodeCommand.CopyTo(job.Pull.Image, job.Session, from.Limits), _cancel.Token).PipeTo(
                Self,
                success: exit => new Copied(jobId, exit),
                failure: error => new PullBroke(jobId, error));
        }
        else
        {
            job.Session.RunAsync(new NodeCommand.Pull(job.Pull.Image, _settings.Timeout), _cancel.Token).PipeTo(
                Self,
                success: exit => new PullExited(jobId, exit),
                failure: error => new PullBroke(jobId, error));
        }
        SetReceiveTimeout(Watchdog(job));
        Become(Pulling);
    }

    /// <summary>A copy's watchdog follows its own time limit, sized from the image.</summary>
    private TimeSpan Watchdog(PullWork.Job job) =>
        job.From is { } from ? from.Limits.Timeout + _settings.KillAfter + _settings.WatchdogGrace : _settings.Watchdog;

    private void CopyEnded(Copied copied)
    {
        var from = _job!.From!;
        if (copied.Exit.Imported) Finish((PullResult.Success, null), copy: new PeerCopy(from.Node, copied.Exit.Bytes, copied.Exit.Note));
        else Finish((PullResult.Failed, copied.Exit.Error), sourceFailed: copied.Exit.SourceFailed, sourceCannotExport: copied.Exit.SourceCannotExport);
    }

    /// <summary>
    /// Nothing came back in time. A silent pull means its node is frozen or cut off; a silent copy may be
    /// either node's fault, so it only rules its source out for this image.
    /// </summary>
    private void NoAnswer()
    {
        var job = _job!;
        var within = $"within {Durations.Show(Watchdog(job))} (local watchdog)";
        if (job.From is { } from) Finish((PullResult.Timeout, $"copy from {from.Node}: no answer {within}"), sourceFailed: true);
        else Finish((PullResult.Timeout, $"{PullFailure.NodeStoppedAnswering} {within}"), nodeStoppedAnswering: true);
    }

    /// <summary>The watchdog gave up on the job; its cancelled pull still holds a channel until it returns.</summary>
    private void Releasing(long jobId)
    {
        Receive<PullExited>(m => m.JobId == jobId, _ => AskForWork());
        Receive<Copied>(m => m.JobId == jobId, _ => AskForWork());
        Receive<PullBroke>(m => m.JobId == jobId, _ => AskForWork());
        Receive<ReceiveTimeout>(_ => AskForWork());
        IgnoreLateResults();
    }

    private void Finish((PullResult Result, string? Reason) ending, bool nodeStoppedAnswering = false, bool sourceFailed = false, PeerCopy? copy = null,
        bool replicaLost = false, bool sourceCannotExport = false)
    {
        _cancel!.Cancel();
        var outcome = new PullOutcome(_job!.Pull, ending.Result, ending.Reason, Now - _startedAt, Copy: copy);
        _dispatcher.Tell(new PullWork.Done(_job.Id, outcome, nodeStoppedAnswering, sourceFailed, replicaLost, sourceCannotExport));
        var jobId = _job.Id;
        _job = null;
        if (nodeStoppedAnswering || sourceFailed && ending.Result == PullResult.Timeout)
        {
            SetReceiveTimeout(ReleaseLimit);
            Become(() => Releasing(jobId));
            return;
        }
        AskForWork();
    }

    private static bool IsReplicaLost(Exception error) =>
        ExceptionChain.Unwrap(error) is NodeException { Kind: NodeFailure.ReplicaLost };

    private void AskForWork()
    {
        SetReceiveTimeout(null);
        Become(Idle);
        _dispatcher.Tell(PullWork.RequestWork.Instance);
    }

    private (PullResult Result, string? Reason) Classify(PullExit exit) => exit.ExitCode switch
    {
        0 => (PullResult.Success, null),
        PullExit.TimedOut => (PullResult.Timeout, $"remote timeout: no pull within {Durations.Show(_settings.Timeout)} (exit 124)"),
        var code => (PullResult.Failed, exit.LastErrorLine.Length > 0 ? PullFailure.Describe(exit.LastErrorLine) : $"exit {code}"),
    };


    /// <summary>A result for a job this worker already gave up on (watchdog) must neither count nor reset the watchdog.</summary>
    private void IgnoreLateResults()
    {
        Receive<PullExited>(_ => { });
        Receive<Copied>(_ => { });
        Receive<PullBroke>(_ => { });
    }

    /// <summary>A crash must not lose the pull in hand: it is reported FAILED before the restart.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        if (_job is not null)
        {
            _dispatcher.Tell(new PullWork.Done(_job.Id, new PullOutcome(
                _job.Pull, PullResult.Failed, $"pull worker crashed: {reason.Message}", Now - _startedAt)));
        }
        base.PreRestart(reason, message);
    }

    protected override void PostStop() => _cancel?.Cancel();

    private sealed record PullExited(long JobId, PullExit Exit) : INotInfluenceReceiveTimeout, INoSerializationVerificationNeeded;

    private sealed record PullBroke(long JobId, Exception Error) : INotInfluenceReceiveTimeout, INoSerializationVerificationNeeded;

    private sealed record Copied(long JobId, CopyExit Exit) : INotInfluenceReceiveTimeout, INoSerializationVerificationNeeded;
}
