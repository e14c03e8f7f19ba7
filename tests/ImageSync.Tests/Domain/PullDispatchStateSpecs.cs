using ImageSync.Domain;
using ImageSync.Tests.Support;
using static ImageSync.Domain.PullDecisions;
using static ImageSync.Tests.Domain.PullDispatchFixtures;

namespace ImageSync.Tests.Domain;

/// <summary>The dispatcher's decisions, as plain calls: no actors, no time but the one passed in. Here the order pulls start in, settling, and verification.</summary>
public sealed class PullDispatchStateSpecs
{
    [Fact]
    public void Should_start_no_more_than_a_nodes_cap_and_the_biggest_image_of_the_busiest_node_first()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1), ("w1", "b:1", 9), ("w1", "c:1", 5), ("w2", "d:1", 1)), "max-per-node = 2");

        var started = Drain(state);

        Assert.Equal(["w1 registry.example.com/team/b:1", "w1 registry.example.com/team/c:1", "w2 registry.example.com/team/d:1"], started.Select(a => a.Pull.ToString()));
        Assert.Null(state.NextAttempt(T0));
    }

    [Fact]
    public void Should_settle_each_pull_once_and_ignore_a_repeated_or_late_report()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1)));
        var attempt = state.NextAttempt(T0)!;

        var first = state.AttemptEnded(attempt.JobId, Success(attempt), false, T0 + TimeSpan.FromSeconds(2));
        var again = state.AttemptEnded(attempt.JobId, Success(attempt), false, T0 + TimeSpan.FromSeconds(3));

        var settled = Assert.Single(first.OfType<Settled>()).Outcome;
        Assert.Equal((PullResult.Success, 1, TimeSpan.FromSeconds(2)), (settled.Result, settled.Attempts, settled.FinishedAfter));
        Assert.Single(first.OfType<AllSettled>());
        Assert.Empty(again);
    }

    [Fact]
    public void Should_verify_a_node_once_its_pulls_are_done_and_fail_a_success_whose_image_is_missing()
    {
        var state = StartedState(Pulls(("w1", "a:1", 1), ("w1", "b:1", 1)), "verify = on");
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
        var state = StartedState(Pulls(("w1", "a:1", 1)), "verify = on");
        var attempt = state.NextAttempt(T0)!;
        state.AttemptEnded(attempt.JobId, Success(attempt), false, T0);

        var decisions = state.NotVerified(NodeName.Parse("w1"), "timed out", T0);

        Assert.Equal("1 successful pulls not verified: timed out", Assert.Single(decisions.OfType<Warn>()).Warning);
        Assert.Equal(PullResult.Success, Assert.Single(decisions.OfType<Settled>()).Outcome.Result);
    }

    [Fact]
    public void Should_be_settled_at_once_when_the_plan_is_empty()
    {
        var settings = TestData.Simulated();
        var state = new PullDispatchState(SyncPlan.Empty, TestData.OnePlatform(SyncPlan.Empty), settings.Dispatch, T0, () => 0.5);

        Assert.Empty(Assert.Single(state.Start(T0).OfType<AllSettled>()).Outcomes);
    }
}
