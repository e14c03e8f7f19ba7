using ImageSync.Domain;
using ImageSync.Tests.Support;
using static ImageSync.Domain.PullDecisions;

namespace ImageSync.Tests.Domain;

public sealed class DispatchLedgerSpecs
{
    private static readonly TimeSpan RunStart = TimeSpan.FromSeconds(100);

    [Fact]
    public void Should_add_all_settled_with_every_outcome_once_the_last_pull_is_settled()
    {
        var ledger = new DispatchLedger(2, RunStart);
        var first = TestData.Pull("w1", "app:1");
        var second = TestData.Pull("w2", "app:1");

        var decided = ledger.Decide(() =>
        {
            ledger.Skip([first, second], "not started: stopping", RunStart + TimeSpan.FromSeconds(3));
            ledger.FinishIfDone();
        });

        var all = Assert.IsType<AllSettled>(decided[^1]);
        Assert.Equal([first, second], all.Outcomes.Select(o => o.Pull));
        Assert.All(all.Outcomes, o => Assert.Equal(TimeSpan.FromSeconds(3), o.FinishedAfter));
        Assert.True(ledger.AllSettled);
    }

    [Fact]
    public void Should_not_finish_while_a_pull_is_unsettled()
    {
        var ledger = new DispatchLedger(2, RunStart);

        var decided = ledger.Decide(() =>
        {
            ledger.SettleUnstarted(TestData.Pull("w1", "app:1"), PullResult.Skipped, "disk", RunStart);
            ledger.FinishIfDone();
        });

        Assert.IsType<Settled>(Assert.Single(decided));
        Assert.False(ledger.AllSettled);
    }

    [Fact]
    public void Should_decide_nothing_more_once_all_is_settled()
    {
        var ledger = new DispatchLedger(0, RunStart);
        ledger.Decide(ledger.FinishIfDone);

        var decided = ledger.Decide(() => ledger.Add(new Verify(TestData.Pull("w1", "app:1").Node)));

        Assert.Empty(decided);
    }

    [Fact]
    public void Should_count_attempts_per_pull_and_settle_an_unstarted_pull_with_them()
    {
        var ledger = new DispatchLedger(1, RunStart);
        var pull = TestData.Pull("w1", "app:1");
        ledger.CountAttempt(pull);

        var second = ledger.CountAttempt(pull);
        var decided = ledger.Decide(() => ledger.SettleUnstarted(pull, PullResult.Failed, "no source", RunStart));

        Assert.Equal(2, second);
        Assert.Equal(2, Assert.IsType<Settled>(Assert.Single(decided)).Outcome.Attempts);
    }
}
