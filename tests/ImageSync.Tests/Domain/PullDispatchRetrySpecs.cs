using ImageSync.Domain;
using static ImageSync.Domain.PullDecisions;
using static ImageSync.Tests.Domain.PullDispatchFixtures;

namespace ImageSync.Tests.Domain;

/// <summary>Retries as the dispatch state decides them: transient failures after a backoff, pulls whose replica was lost after their remote timeout, canaries that hold or release an image.</summary>
public sealed class PullDispatchRetrySpecs
{
    private const string ReplicaLost = "the replica holding its session was lost (unreachable, or its shard moved to another replica) during the call";
    private const string Permanent = "NotFound: failed to pull and unpack image: not found";

    [Fact]
    public void Should_retry_a_transient_failure_after_a_jittered_backoff_and_count_the_attempt()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1)), "retries = 2, retry-backoff = 4s", jitter: 1.0);
        var first = state.NextAttempt(T0)!;

        var retry = Assert.Single(state.AttemptEnded(first.JobId, Failed(first, Transient), false, T0).OfType<RetryLater>());
        Assert.Null(state.NextAttempt(T0));
        state.RetryDue(retry.Pull, T0 + retry.Delay);
        var second = state.NextAttempt(T0 + retry.Delay)!;

        Assert.Equal((2, 3, TimeSpan.FromSeconds(5), Transient), (retry.NextAttempt, retry.MaxAttempts, retry.Delay, retry.Reason));
        Assert.Equal((first.Pull, 2), (second.Pull, second.Number));
    }

    [Fact]
    public void Should_run_a_pull_whose_replica_was_lost_once_more_only_after_its_remote_timeout_and_kill_after()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1)), "retries = 0, timeout = 30s, kill-after = 5s");
        var lost = state.NextAttempt(T0)!;

        var decisions = state.AttemptEnded(lost.JobId, Failed(lost, ReplicaLost), false, T0 + TimeSpan.FromSeconds(10), replicaLost: true);

        var rerun = Assert.Single(decisions.OfType<RetryLater>());
        Assert.Empty(decisions.OfType<Settled>());
        // Started at T0, its remote `timeout 30s` with 5 s kill-after is over at T0 + 35 s: 25 s after the loss was learnt.
        Assert.Equal((2, TimeSpan.FromSeconds(25), ReplicaLost), (rerun.NextAttempt, rerun.Delay, rerun.Reason));
        Assert.Null(state.NextAttempt(T0 + TimeSpan.FromSeconds(10)));
        state.RetryDue(rerun.Pull, T0 + TimeSpan.FromSeconds(35));
        Assert.Equal((lost.Pull, 2), (state.NextAttempt(T0 + TimeSpan.FromSeconds(35))!.Pull, 2));
    }

    [Fact]
    public void Should_fail_a_pull_whose_replica_was_lost_a_third_time_with_the_reason()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1)), "retries = 0, timeout = 30s, kill-after = 5s");
        var now = T0;
        var attempt = state.NextAttempt(now)!;
        for (var rerunNumber = 2; rerunNumber <= 3; rerunNumber++)
        {
            var rerun = Assert.Single(state.AttemptEnded(attempt.JobId, Failed(attempt, ReplicaLost), false, now, replicaLost: true).OfType<RetryLater>());
            Assert.Equal(rerunNumber, rerun.NextAttempt);
            now += rerun.Delay;
            state.RetryDue(rerun.Pull, now);
            attempt = state.NextAttempt(now)!;
        }

        var settled = Assert.Single(state.AttemptEnded(attempt.JobId, Failed(attempt, ReplicaLost), false, now, replicaLost: true).OfType<Settled>()).Outcome;

        Assert.Equal((PullResult.Failed, ReplicaLost, 3), (settled.Result, settled.Reason, settled.Attempts));
    }

    [Fact]
    public void Should_double_the_backoff_and_fail_with_the_last_reason_once_retries_run_out()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1)), "retries = 2, retry-backoff = 4s", jitter: 0.5);
        var delays = new List<TimeSpan>();
        IReadOnlyList<IPullDecision> last = [];

        for (var i = 0; i < 3; i++)
        {
            var attempt = state.NextAttempt(T0)!;
            last = state.AttemptEnded(attempt.JobId, Failed(attempt, Transient), false, T0);
            if (last.OfType<RetryLater>().SingleOrDefault() is { } retry)
            {
                delays.Add(retry.Delay);
                state.RetryDue(retry.Pull, T0);
            }
        }

        Assert.Equal([TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)], delays);
        var settled = Assert.Single(last.OfType<Settled>()).Outcome;
        Assert.Equal((PullResult.Failed, 3, Transient), (settled.Result, settled.Attempts, settled.Reason));
    }

    [Fact]
    public void Should_not_retry_a_permanent_failure()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1)), "retries = 2");
        var attempt = state.NextAttempt(T0)!;

        var decisions = state.AttemptEnded(attempt.JobId, Failed(attempt, Permanent), false, T0);

        Assert.Empty(decisions.OfType<RetryLater>());
        Assert.Equal(PullResult.Failed, Assert.Single(decisions.OfType<Settled>()).Outcome.Result);
    }

    [Fact]
    public void Should_let_the_other_nodes_pull_an_image_whose_canary_failed_by_lost_replicas()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1), ("w2", "a:1", 1), ("w3", "a:1", 1)), "canary = on, retries = 0, timeout = 30s, kill-after = 5s");
        var now = T0;
        var canary = Assert.Single(Drain(state));
        for (var loss = 1; loss <= 2; loss++)
        {
            var rerun = Assert.Single(state.AttemptEnded(canary.JobId, Failed(canary, ReplicaLost), false, now, replicaLost: true).OfType<RetryLater>());
            now += rerun.Delay;
            state.RetryDue(rerun.Pull, now);
            canary = state.NextAttempt(now)!;
        }

        var decisions = state.AttemptEnded(canary.JobId, Failed(canary, ReplicaLost), false, now, replicaLost: true);

        Assert.DoesNotContain(decisions.OfType<Settled>(), s => s.Outcome.Result == PullResult.Skipped);
        Assert.Equal(["w2", "w3"], Drain(state).Select(a => a.Pull.Node.Value).Order());
    }

    [Fact]
    public void Should_hold_an_images_other_pulls_behind_its_canary_and_skip_them_when_it_fails_for_good()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1), ("w2", "a:1", 1), ("w3", "a:1", 1)), "canary = on");
        var canary = Assert.Single(Drain(state));

        var decisions = state.AttemptEnded(canary.JobId, Failed(canary, Permanent), false, T0);

        var skipped = decisions.OfType<Settled>().Select(s => s.Outcome).Where(o => o.Result == PullResult.Skipped).ToList();
        Assert.Equal(2, skipped.Count);
        Assert.All(skipped, o => Assert.StartsWith($"not tried: the first pull of this image, on {canary.Pull.Node}, failed for good", o.Reason));
        Assert.Single(decisions.OfType<AllSettled>());
    }

    [Fact]
    public void Should_let_the_other_nodes_go_ahead_when_the_canary_fails_transiently()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1), ("w2", "a:1", 1), ("w3", "a:1", 1)), "canary = on, retries = 0");
        var canary = Assert.Single(Drain(state));

        state.AttemptEnded(canary.JobId, Failed(canary, Transient), false, T0);

        Assert.Equal(2, Drain(state).Count);
    }
}
