using System.Text;
using ImageSync.Domain;
using Serilog;
using Serilog.Events;

namespace ImageSync.Logging;

/// <summary>
/// Writes a sync's record the way the bash tool did: the run log through Serilog (<c>image-sync-DAY.log</c>),
/// and one line per outcome in <c>success_images-DAY.log</c> or <c>failed_images-DAY.log</c>:
/// <c>timestamp WORD node image [reason]</c>.
/// </summary>
public sealed class DayFileJournal : ISyncJournal
{
    private const string OutcomeTemplate = Timestamps.Token + " {Message:l}{NewLine}";

    private readonly ILogger _runLog;
    private readonly Serilog.Core.Logger _successLog;
    private readonly Serilog.Core.Logger _failedLog;
    private readonly string? _dir;
    private readonly int _retentionDays;
    private readonly TimeProvider _clock;

    /// <param name="runLog">The logger whose sinks include the run log day file.</param>
    /// <param name="dir">The day files' directory; null when they are off (logs.day-files): the run's lines go to <paramref name="runLog"/> only.</param>
    /// <param name="health">Counts the outcome lines that could not be written.</param>
    public DayFileJournal(ILogger runLog, string? dir, int retentionDays, TimeProvider clock, DayFileHealth? health = null)
    {
        _runLog = runLog;
        _dir = dir;
        _retentionDays = retentionDays;
        _clock = clock;
        _successLog = OutcomeLog(dir, DayFiles.SuccessLog, health);
        _failedLog = OutcomeLog(dir, DayFiles.FailedLog, health);
    }

    private static Serilog.Core.Logger OutcomeLog(string? dir, string stem, DayFileHealth? health) =>
        dir is null ? new LoggerConfiguration().CreateLogger() : new LoggerConfiguration().WriteTo.DayFile(dir, stem, OutcomeTemplate, health).CreateLogger();

    public void Record(SyncEvents.ISyncEvent syncEvent)
    {
        switch (syncEvent)
        {
            case SyncEvents.SyncStarted started:
                Run(LogEventLevel.Information, "SYNC STARTED: {NodeCount} nodes ({Nodes}), reason: {Reason}",
                    started.Nodes.Count, Capped.Join(started.Nodes.Select(n => n.Name).ToList(), Capped.InLine), started.Reason);
                break;
            case SyncEvents.NodeChecked node:
                RecordNode(node);
                break;
            case SyncEvents.PlanMade plan:
                RecordPlan(plan.Plan);
                foreach (var drift in plan.Plan.Drifts)
                    Run(LogEventLevel.Warning, "DRIFT {Tag} points to different images on different nodes: {Digests}", drift.Tag, drift.DescribeDigests());
                break;
            case SyncEvents.PullSucceeded succeeded:
                RecordSuccessLine(succeeded.Outcome);
                break;
            case SyncEvents.PullFinished pull:
                RecordOutcome(pull.Outcome, successLineWritten: pull.AfterSucceeded);
                break;
            case SyncEvents.SyncFinished finished:
                RecordSummary(finished.Summary);
                break;
            case SyncEvents.PullRetrying retry:
                Run(LogEventLevel.Warning, "RETRY {Node} {Image} in {Delay} (attempt {Attempt} of {Max}): {Reason}", retry.Pull.Node, retry.Pull.Image,
                    Durations.Elapsed(retry.Delay), retry.NextAttempt, retry.MaxAttempts, Printable(retry.Reason));
                break;
            case SyncEvents.PinChanged { Change: var pin }:
                Run(LogEventLevel.Information, "PIN {Node} {Image}: {How}", pin.Node, pin.Image, pin.How);
                break;
            case SyncEvents.PinFailed failed:
                Run(LogEventLevel.Warning, "PIN FAILED {Node} {Image}: could not {Action}: {Reason}", failed.Work.Node, failed.Work.Image,
                    failed.Work.Pin ? "pin it" : "take off image-sync's pin", Printable(failed.Reason));
                break;
            case SyncEvents.NodeReplaced replaced:
                Run(LogEventLevel.Warning, "NODE {Node} was replaced ({Why}): pull history cleared", replaced.Node, replaced.Why);
                break;
            case SyncEvents.ImagesHeldBack held:
                // Said every sync while the backoff lasts; a warning only when this sync found new removals.
                Run(held.Removed > 0 ? LogEventLevel.Warning : LogEventLevel.Information, "NODE {Node}: {Count} images image-sync pulled were removed since (kubelet image GC?), {Removed} found by this sync: not pulled again before {NotBefore}",
                    held.Node, held.HeldBack, held.Removed, Timestamps.Show(held.NotBefore.ToLocalTime()));
                break;
            case SyncEvents.NodeWarning warning:
                Run(LogEventLevel.Warning, "NODE {Node}: {Warning}", warning.Node, Printable(warning.Warning));
                break;
            case SyncEvents.SyncRefused { Kind: SyncEvents.RefusalKind.AlreadyRunning or SyncEvents.RefusalKind.RecentlySynced } skipped:
                // Another replica's tick just after a sync is routine; a tick during a sync means syncs outlast the interval.
                Run(skipped.Kind == SyncEvents.RefusalKind.AlreadyRunning ? LogEventLevel.Warning : LogEventLevel.Information,
                    "SYNC SKIPPED: {Why}", skipped.Why);
                break;
            case SyncEvents.SyncRefused refused:
                Run(LogEventLevel.Error, "{Why}; nothing was done", refused.Why);
                break;
        }
    }

    /// <summary>The totals, and the nodes with the most pulls (not every node: the line must not grow with the fleet).</summary>
    private void RecordPlan(SyncPlan plan)
    {
        var byNode = plan.Pulls.GroupBy(p => p.Node).Select(g => (Node: g.Key, Pulls: g.Count())).OrderByDescending(n => n.Pulls).ThenBy(n => n.Node).ToList();
        var skipped = (plan.Skips.Count == 0 ? "" : $" ({plan.Skips.Count} to be skipped: not enough disk)")
            + (plan.HeldBack.Count == 0 ? "" : $" ({plan.HeldBack.Count} more held back by the removal backoff)");
        var most = byNode.Count == 0 ? "" : "; most: " + Capped.Join(byNode.Select(n => $"{n.Node}: {n.Pulls}").ToList(), Capped.InLine);
        Run(LogEventLevel.Information, "PLAN: {PullCount} pulls{Skipped} on {NodeCount} nodes, {Size}{Most}", plan.Pulls.Count, skipped, byNode.Count,
            Sizes.ShowMebibytes(plan.TotalBytes), most);
    }

    public void PruneExpired()
    {
        if (_dir is null) return;
        var today = DateOnly.FromDateTime(_clock.GetLocalNow().DateTime);
        try
        {
            foreach (var name in LogRetention.Prune(_dir, today, _retentionDays))
                Run(LogEventLevel.Information, "deleted {File}: older than {Days} days", name, _retentionDays);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Run(LogEventLevel.Warning, "could not delete expired day files in {Dir}: {Error}", _dir, e.Message);
        }
    }

    private void RecordNode(SyncEvents.NodeChecked node)
    {
        var status = node.Status;
        var rejected = status.Rejected;
        if (status.Reachable)
            Run(LogEventLevel.Information, "NODE {Node} READY: {Matching} matching images", status.Node, status.MatchingImages);
        else
            Run(LogEventLevel.Warning, "NODE {Node} UNREACHABLE: {Reason}", status.Node, status.Reason!);
        if (rejected.Count > 0)
            Run(LogEventLevel.Warning, "NODE {Node} reported {Count} invalid image references, ignored: {References}",
                status.Node, rejected.Count, string.Join(", ", rejected.Take(10).Select(Printable)));
    }

    /// <summary>The success day file's line; a verification that disagrees later adds its own FAILED line.</summary>
    private void RecordSuccessLine(PullOutcome outcome)
    {
        if (outcome.Copy is not null)
            Write(_successLog, LogEventLevel.Information, "{Word} {Node} {Image} ({How})", outcome.Word, outcome.Pull.Node, outcome.Pull.Image, CopyDetails(outcome));
        else
            Write(_successLog, LogEventLevel.Information, "{Word} {Node} {Image}", outcome.Word, outcome.Pull.Node, outcome.Pull.Image);
    }

    /// <param name="successLineWritten">The success day file has this pull's line already (written as it ended).</param>
    private void RecordOutcome(PullOutcome outcome, bool successLineWritten)
    {
        var pull = outcome.Pull;
        var seconds = Seconds(outcome);
        if (outcome.IsSuccess)
        {
            if (!successLineWritten) RecordSuccessLine(outcome);
            if (outcome.Copy is not null)
                Run(LogEventLevel.Information, "{Word} {Node} {Image} ({How})", outcome.Word, pull.Node, pull.Image, CopyDetails(outcome));
            else
                Run(LogEventLevel.Information, "{Word} {Node} {Image} ({Seconds})", outcome.Word, pull.Node, pull.Image, seconds);
            return;
        }
        var attempts = outcome.Attempts == 1 ? "1 attempt" : $"{outcome.Attempts} attempts";
        var reason = Printable(outcome.Reason ?? "no reason given") + (outcome.Result == PullResult.Skipped ? "" : $" (after {attempts})");
        Write(_failedLog, LogEventLevel.Information, "{Word} {Node} {Image} {Reason}", outcome.Word, pull.Node, pull.Image, reason);
        Run(LogEventLevel.Warning, "{Word} {Node} {Image} ({Seconds}): {Reason}", outcome.Word, pull.Node, pull.Image, seconds, reason);
    }

    private static string CopyDetails(PullOutcome outcome) =>
        $"from {outcome.Copy!.Source} by transfer, {Sizes.ShowMebibytes(outcome.Copy.Bytes)}, {Seconds(outcome)}{(outcome.Copy.Note is { } note ? $"; {note}" : "")}";

    private static string Seconds(PullOutcome outcome) => Durations.Elapsed(outcome.Duration);

    private void RecordSummary(SyncSummary summary)
    {
        Run(LogEventLevel.Information,
            "SUMMARY: {Succeeded} succeeded, {Failed} failed, {TimedOut} timed out, {Skipped} skipped; {HeldBack}{Unreachable} of {NodeCount} nodes unreachable",
            summary.Succeeded, summary.Failed, summary.TimedOut, summary.Skipped, summary.HeldBackNote is { } note ? $"{note}; " : "", summary.UnreachableNodes, summary.Nodes.Count);
        foreach (var row in summary.PerNode())
            Run(LogEventLevel.Information, "  {Node,-20} {State,-11} planned {Planned,4}  pulled {Pulled,4}  failed {Failed,4}  skipped {Skipped,4}  held back {HeldBack,4}",
                row.Node, row.Reachable ? "reachable" : "UNREACHABLE", row.Planned, row.Pulled, row.Failed, row.Skipped, row.HeldBack);
        var seconds = Durations.Elapsed(summary.Duration);
        if (summary.Fault is not null) Run(LogEventLevel.Error, "SYNC ABORTED after {Seconds}: {Fault}", seconds, summary.Fault);
        else if (summary.Interrupted) Run(LogEventLevel.Warning, "SYNC INTERRUPTED after {Seconds}", seconds);
        else Run(LogEventLevel.Information, "SYNC COMPLETE in {Seconds}", seconds);
    }

    private void Run(LogEventLevel level, string template, params object[] values) => Write(_runLog, level, template, values);

    /// <summary>Stamps the event with the journal's clock, so the day a line lands in is the day the clock says.</summary>
    private void Write(ILogger logger, LogEventLevel level, string template, params object[] values)
    {
        if (!logger.BindMessageTemplate(template, values, out var parsed, out var properties)) return;
        logger.Write(new LogEvent(_clock.GetLocalNow(), level, null, parsed, properties));
    }

    /// <summary>Node-supplied text on one line, without control characters that could forge log lines.</summary>
    private static string Printable(string text)
    {
        var clean = new StringBuilder(Math.Min(text.Length, 600));
        foreach (var c in text.Take(600)) clean.Append(char.IsControl(c) ? ' ' : c);
        if (text.Length > 600) clean.Append('…');
        return clean.ToString();
    }

    public void Dispose()
    {
        _successLog.Dispose();
        _failedLog.Dispose();
    }
}
