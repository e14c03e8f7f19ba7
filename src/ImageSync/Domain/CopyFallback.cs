namespace ImageSync.Domain;

/// <summary>
/// When a pull becomes a copy from a node that holds the image (the registry failed it for good, or is never asked
/// under peer-first), and how a copy that cannot be made or failed ends: another source, or settled with why not.
/// A pull the registry failed keeps the registry's result, so one that timed out is still TIMEOUT if no copy works either.
/// </summary>
public sealed class CopyFallback(PeerQueue peers, DispatchRules rules, DispatchLedger ledger)
{
    private readonly Dictionary<PlannedPull, PullResult> _registryResults = [];

    /// <summary>The registry could not serve the pull, for good: a node that holds the image may.</summary>
    public void AfterRegistry(PullOutcome failed, TimeSpan now)
    {
        _registryResults[failed.Pull] = failed.Result;
        Instead(failed.Pull, failed.Reason ?? "", now, failed);
    }

    /// <summary>The pull is to be copied from a node that holds it; one that cannot be is settled with why not.</summary>
    /// <param name="registryFailure">Why the registry did not serve it; null under peer-first, which never asks.</param>
    public void Instead(PlannedPull planned, string? registryFailure, TimeSpan now, PullOutcome? failed = null)
    {
        if (PeerQueue.Copyable(planned) && rules.Copies(planned.Image))
        {
            peers.Add(planned, registryFailure);
            return;
        }
        var notCopied = rules.Copies(planned.Image)
            ? "no copy from another node: the nodes that hold it hold different images under its name"
            : "no copy from another node: transfer.exclude names it (its pods pull it with their own credentials)";
        var unserved = failed ?? new PullOutcome(planned, PullResult.Failed, null, TimeSpan.Zero, ledger.Attempts(planned));
        ledger.Settle(unserved with { Reason = registryFailure is null ? notCopied : $"{registryFailure}; {notCopied}" }, now);
    }

    /// <param name="sourceFailed">The copy failed on its source's side: another source may do.</param>
    public void Failed(PullOutcome outcome, bool sourceFailed, bool stopping, TimeSpan now)
    {
        // A target whose own link broke is reported like a pull on a node that died.
        var targetLinkBroke = !sourceFailed && PullFailure.Classify(outcome.Result, outcome.Reason) == FailureKind.Node;
        if (!targetLinkBroke) peers.Failed(outcome.Pull, outcome.Reason ?? "");
        if (targetLinkBroke) ledger.Settle(outcome, now);
        else if (sourceFailed && !stopping && peers.MayTryAgain(outcome.Pull)) peers.Add(outcome.Pull);
        else ledger.Settle(outcome with { Result = FailedAs(outcome.Pull), Reason = peers.WhyNot(outcome.Pull) }, now);
    }

    /// <summary>Copies left without any source that could still serve them are settled.</summary>
    public void SettleStranded(TimeSpan now)
    {
        foreach (var stranded in peers.DropStranded()) ledger.SettleUnstarted(stranded, FailedAs(stranded), peers.WhyNot(stranded), now);
    }

    private PullResult FailedAs(PlannedPull failed) => _registryResults.GetValueOrDefault(failed, PullResult.Failed);
}
