using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Tests.Support;
using static ImageSync.Domain.PullDecisions;

namespace ImageSync.Tests.Domain;

/// <summary>The dispatcher's decisions, as plain calls: no actors, no time but the one passed in.</summary>
public sealed class PullDispatchStateSpecs
{
    private const string Transient = "Unavailable: EOF";
    private const string ReplicaLost = "the replica holding its session was lost (unreachable, or its shard moved to another replica) during the call";
    private const string Permanent = "NotFound: failed to pull and unpack image: not found";
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(100);

    [Fact]
    public void Should_start_no_more_than_a_nodes_cap_and_the_biggest_image_of_the_busiest_node_first()
    {
        var state = State(Pulls(("w1", "a:1", 1), ("w1", "b:1", 9), ("w1", "c:1", 5), ("w2", "d:1", 1)), "max-per-node = 2");

        var started = Drain(state);

        Assert.Equal(["w1 registry.example.com/team/b:1", "w1 registry.example.com/team/c:1", "w2 registry.example.com/team/d:1"], started.Select(a => a.Pull.ToString()));
        Assert.Null(state.NextAttempt(T0));
    }

    [Fact]
    public void Should_settle_each_pull_once_and_ignore_a_repeated_or_late_report()
    {
        var state = State(Pulls(("w1", "a:1", 1)));
        var attempt = state.NextAttempt(T0)!;

        var first = state.AttemptEnded(attempt.JobId, Success(attempt), false, T0 + TimeSpan.FromSeconds(2));
        var again = state.AttemptEnded(attempt.JobId, Success(attempt), false, T0 + TimeSpan.FromSeconds(3));

        var settled = Assert.Single(first.OfType<Settled>()).Outcome;
        Assert.Equal((PullResult.Success, 1, TimeSpan.FromSeconds(2)), (settled.Result, settled.Attempts, settled.FinishedAfter));
        Assert.Single(first.OfType<AllSettled>());
        Assert.Empty(again);
    }

    [Fact]
    public void Should_retry_a_transient_failure_after_a_jittered_backoff_and_count_the_attempt()
    {
        var state = State(Pulls(("w1", "a:1", 1)), "retries = 2, retry-backoff = 4s", jitter: 1.0);
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
        var state = State(Pulls(("w1", "a:1", 1)), "retries = 0, timeout = 30s, kill-after = 5s");
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
        var state = State(Pulls(("w1", "a:1", 1)), "retries = 0, timeout = 30s, kill-after = 5s");
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
    public void Should_let_the_other_nodes_pull_an_image_whose_canary_failed_by_lost_replicas()
    {
        var state = State(Pulls(("w1", "a:1", 1), ("w2", "a:1", 1), ("w3", "a:1", 1)), "canary = on, retries = 0, timeout = 30s, kill-after = 5s");
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
    public void Should_double_the_backoff_and_fail_with_the_last_reason_once_retries_run_out()
    {
        var state = State(Pulls(("w1", "a:1", 1)), "retries = 2, retry-backoff = 4s", jitter: 0.5);
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
        var state = State(Pulls(("w1", "a:1", 1)), "retries = 2");
        var attempt = state.NextAttempt(T0)!;

        var decisions = state.AttemptEnded(attempt.JobId, Failed(attempt, Permanent), false, T0);

        Assert.Empty(decisions.OfType<RetryLater>());
        Assert.Equal(PullResult.Failed, Assert.Single(decisions.OfType<Settled>()).Outcome.Result);
    }

    [Fact]
    public void Should_hold_an_images_other_pulls_behind_its_canary_and_skip_them_when_it_fails_for_good()
    {
        var state = State(Pulls(("w1", "a:1", 1), ("w2", "a:1", 1), ("w3", "a:1", 1)), "canary = on");
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
        var state = State(Pulls(("w1", "a:1", 1), ("w2", "a:1", 1), ("w3", "a:1", 1)), "canary = on, retries = 0");
        var canary = Assert.Single(Drain(state));

        state.AttemptEnded(canary.JobId, Failed(canary, Transient), false, T0);

        Assert.Equal(2, Drain(state).Count);
    }

    [Fact]
    public void Should_verify_a_node_once_its_pulls_are_done_and_fail_a_success_whose_image_is_missing()
    {
        var state = State(Pulls(("w1", "a:1", 1), ("w1", "b:1", 1)), "verify = on");
        var (a, b) = (state.NextAttempt(T0)!, state.NextAttempt(T0)!);

        var first = state.AttemptEnded(a.JobId, Success(a), false, T0);
        Assert.Empty(first.OfType<Verify>());
        Assert.Equal(a.Pull, Assert.Single(first.OfType<Held>()).Outcome.Pull);
        var verify = Assert.Single(state.AttemptEnded(b.JobId, Success(b), false, T0).OfType<Verify>());
        var decisions = state.Verified(verify.Node, Inventory("w1", a.Pull.Image), T0);

        Assert.All(decisions.OfType<Settled>(), settled => Assert.True(settled.WasHeld));
        var outcomes = decisions.OfType<Settled>().Select(s => s.Outcome).ToDictionary(o => o.Pull.Image);
        Assert.Equal(PullResult.Success, outcomes[a.Pull.Image].Result);
        Assert.Equal((PullResult.Failed, "not present after pull: crictl reported success, but the node does not list the image"),
            (outcomes[b.Pull.Image].Result, outcomes[b.Pull.Image].Reason));
    }

    [Fact]
    public void Should_keep_successes_it_could_not_verify_and_warn()
    {
        var state = State(Pulls(("w1", "a:1", 1)), "verify = on");
        var attempt = state.NextAttempt(T0)!;
        state.AttemptEnded(attempt.JobId, Success(attempt), false, T0);

        var decisions = state.NotVerified(NodeName.Parse("w1"), "timed out", T0);

        Assert.Equal("1 successful pulls not verified: timed out", Assert.Single(decisions.OfType<Warn>()).Warning);
        Assert.Equal(PullResult.Success, Assert.Single(decisions.OfType<Settled>()).Outcome.Result);
    }

    [Fact]
    public void Should_give_a_node_that_stopped_answering_nothing_more()
    {
        var state = State(Pulls(("w1", "a:1", 1), ("w1", "b:1", 1), ("w2", "c:1", 1)), "max-per-node = 1");
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
        var state = State(Pulls(("w1", "a:1", 1), ("w1", "b:1", 1), ("w1", "c:1", 1)), "max-per-node = 2", grace: "10s");
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
        var state = State(Pulls(("w1", "a:1", 1), ("w1", "b:1", 1), ("w2", "c:1", 1)), "max-per-node = 1", grace: "10s");
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
        var state = State(Pulls(("w1", "a:1", 1)), "retries = 2");
        var attempt = state.NextAttempt(T0)!;
        var retry = Assert.Single(state.AttemptEnded(attempt.JobId, Failed(attempt, Transient), false, T0).OfType<RetryLater>());

        var stopped = state.Stop("SIGINT received", T0);

        var skipped = Assert.Single(stopped.OfType<Settled>()).Outcome;
        Assert.Equal((PullResult.Skipped, "not retried: SIGINT received", 1), (skipped.Result, skipped.Reason, skipped.Attempts));
        Assert.Empty(state.RetryDue(retry.Pull, T0));
    }

    [Fact]
    public void Should_be_settled_at_once_when_the_plan_is_empty()
    {
        var settings = TestData.Simulated();
        var state = new PullDispatchState(SyncPlan.Empty, TestData.OnePlatform(SyncPlan.Empty), settings.Dispatch, T0, () => 0.5);

        Assert.Empty(Assert.Single(state.Start(T0).OfType<AllSettled>()).Outcomes);
    }

    private static PullDispatchState State(IReadOnlyList<PlannedPull> pulls, string pull = "", double jitter = 0.5, string grace = "10s", string transfer = "registry-only")
    {
        var settings = TestData.Simulated($"pull {{ canary = off, verify = off, retries = 0, {pull} }}\nshutdown-grace = {grace}\ntransfer {{ mode = {transfer}, max-per-source = 1 }}");
        var plan = new SyncPlan(pulls);
        var state = new PullDispatchState(plan, TestData.OnePlatform(plan), settings.Dispatch, T0, () => jitter);
        state.Start(T0);
        return state;
    }

    private static List<PlannedPull> Pulls(params (string Node, string Image, long Size)[] pulls) =>
        [.. pulls.Select(p => TestData.Pull(p.Node, p.Image, p.Size))];

    private static List<PullAttempt> Drain(PullDispatchState state)
    {
        var started = new List<PullAttempt>();
        while (state.NextAttempt(T0) is { } attempt) started.Add(attempt);
        return started;
    }

    private static PullOutcome Success(PullAttempt attempt) => new(attempt.Pull, PullResult.Success, null, TimeSpan.FromSeconds(1));

    private static PullOutcome Failed(PullAttempt attempt, string reason) => new(attempt.Pull, PullResult.Failed, reason, TimeSpan.FromSeconds(1));

    private static NodeInventory Inventory(string node, params ImageRef[] images) =>
        new(NodeName.Parse(node), [.. images.Select(i => new NodeImage(i.ToString(), [i], [], 1))], []);
}
