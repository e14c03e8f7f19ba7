using ImageSync.Domain;
using static ImageSync.Domain.PullDecisions;
using static ImageSync.Tests.Domain.PullDispatchFixtures;

namespace ImageSync.Tests.Domain;

/// <summary>Stopping the dispatch state: a node that stopped answering, the shutdown grace, abandoning, and pulls waiting for a retry.</summary>
public sealed class PullDispatchStopSpecs
{
    [Fact]
    public void Should_give_a_node_that_stopped_answering_nothing_more()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1), ("w1", "b:1", 1), ("w2", "c:1", 1)), "max-per-node = 1");
        var started = Drain(state);
        var frozen = started.Single(a => a.Pull.Node.Value == "w1");

        var decisions = state.AttemptEnded(frozen.JobId, new PullOutcome(frozen.Pull, PullResult.Timeout, "no answer from the node within 4s (local watchdog)", TimeSpan.Zero), true, T0);

        var skipped = Assert.Single(decisions.OfType<Settled>(), s => s.Outcome.Result == PullResult.Skipped).Outcome;
        Assert.StartsWith("not started: w1 stopped answering", skipped.Reason);
        Assert.Empty(decisions.OfType<RetryLater>());
        Assert.Null(state.NextAttempt(T0));
    }

    [Fact]
    public void Should_skip_what_waits_and_give_what_is_in_flight_the_grace_when_stopped()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1), ("w1", "b:1", 1), ("w1", "c:1", 1)), "max-per-node = 2", grace: "10s");
        var (a, b) = (state.NextAttempt(T0)!, state.NextAttempt(T0)!);

        var stopped = state.Stop("SIGTERM received", T0);
        var withinGrace = state.AttemptEnded(a.JobId, Success(a), false, T0 + TimeSpan.FromSeconds(1));
        var expired = state.GraceExpired(T0 + TimeSpan.FromSeconds(10));

        Assert.Equal("not started: SIGTERM received", Assert.Single(stopped.OfType<Settled>()).Outcome.Reason);
        Assert.Equal(TimeSpan.FromSeconds(10), Assert.Single(stopped.OfType<StartGrace>()).Grace);
        Assert.Equal(PullResult.Success, Assert.Single(withinGrace.OfType<Settled>()).Outcome.Result);
        var abandoned = Assert.Single(expired.OfType<Settled>()).Outcome;
        Assert.Equal((b.Pull, PullResult.Failed, "interrupted: abandoned after the 10s shutdown grace"), (abandoned.Pull, abandoned.Result, abandoned.Reason));
        Assert.Single(expired.OfType<AllSettled>());
        Assert.Null(state.NextAttempt(T0));
    }

    [Fact]
    public void Should_fail_what_is_in_flight_at_once_when_abandoned_even_during_a_grace()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1), ("w1", "b:1", 1), ("w2", "c:1", 1)), "max-per-node = 1", grace: "10s");
        var (a, c) = (state.NextAttempt(T0)!, state.NextAttempt(T0)!);

        var graceful = state.Stop("SIGTERM received", T0);
        var abandoned = state.Stop("this replica left the cluster", T0 + TimeSpan.FromSeconds(1), abandon: true);

        Assert.Single(graceful.OfType<StartGrace>());
        Assert.Equal(
            [(a.Pull, "interrupted: abandoned at once: this replica left the cluster"), (c.Pull, "interrupted: abandoned at once: this replica left the cluster")],
            abandoned.OfType<Settled>().Select(s => (s.Outcome.Pull, s.Outcome.Reason)).OrderBy(s => s.Pull.ToString()));
        Assert.Single(abandoned.OfType<AllSettled>());
        Assert.Empty(state.GraceExpired(T0 + TimeSpan.FromSeconds(10)).OfType<Settled>());
    }

    [Fact]
    public void Should_skip_a_pull_waiting_for_its_retry_when_stopped()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1)), "retries = 2");
        var attempt = state.NextAttempt(T0)!;
        var retry = Assert.Single(state.AttemptEnded(attempt.JobId, Failed(attempt, Transient), false, T0).OfType<RetryLater>());

        var stopped = state.Stop("SIGINT received", T0);

        var skipped = Assert.Single(stopped.OfType<Settled>()).Outcome;
        Assert.Equal((PullResult.Skipped, "not retried: SIGINT received", 1), (skipped.Result, skipped.Reason, skipped.Attempts));
        Assert.Empty(state.RetryDue(retry.Pull, T0));
    }
}
