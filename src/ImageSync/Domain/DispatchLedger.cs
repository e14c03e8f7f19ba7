namespace ImageSync.Domain;

/// <summary>
/// What a run's pull dispatch has counted and settled: each planned pull's attempts and its one outcome, and the
/// decisions the event being handled led to, in order. Once every pull is settled it adds
/// <see cref="PullDecisions.AllSettled"/>, and nothing more is decided.
/// </summary>
/// <param name="total">How many pulls the plan holds.</param>
/// <param name="runStartedAt">On the run's monotonic clock, as every time passed in.</param>
public sealed class DispatchLedger(int total, TimeSpan runStartedAt)
{
    private readonly Dictionary<PlannedPull, int> _attempts = [];
    private readonly List<PullOutcome> _outcomes = [];
    private readonly List<IPullDecision> _decisions = [];

    public bool AllSettled { get; private set; }

    public int Attempts(PlannedPull pull) => _attempts.GetValueOrDefault(pull);

    /// <returns>The number of the attempt that starts now.</returns>
    public int CountAttempt(PlannedPull pull) => _attempts[pull] = Attempts(pull) + 1;

    /// <summary>Runs one event's handling and returns the decisions it added; none once all is settled.</summary>
    public IReadOnlyList<IPullDecision> Decide(Action handle)
    {
        _decisions.Clear();
        if (!AllSettled) handle();
        return [.. _decisions];
    }

    public void Add(IPullDecision decision) => _decisions.Add(decision);

    /// <param name="wasHeld">The outcome was held for verification (its SUCCESS line is already written).</param>
    public void Settle(PullOutcome outcome, TimeSpan now, bool wasHeld = false)
    {
        var settled = outcome with { FinishedAfter = now - runStartedAt };
        _outcomes.Add(settled);
        _decisions.Add(new PullDecisions.Settled(settled, wasHeld));
    }

    /// <summary>Settles a pull that is not running: it took no time, after the attempts it had.</summary>
    public void SettleUnstarted(PlannedPull pull, PullResult result, string? reason, TimeSpan now) =>
        Settle(new PullOutcome(pull, result, reason, TimeSpan.Zero, Attempts(pull)), now);

    public void Skip(IEnumerable<PlannedPull> pulls, string reason, TimeSpan now)
    {
        foreach (var skipped in pulls.ToList()) SettleUnstarted(skipped, PullResult.Skipped, reason, now);
    }

    public void FinishIfDone()
    {
        if (AllSettled || _outcomes.Count < total) return;
        AllSettled = true;
        _decisions.Add(new PullDecisions.AllSettled(_outcomes.ToList()));
    }
}
