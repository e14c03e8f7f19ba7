using ImageSync.Domain;
using static ImageSync.Tests.Domain.PullHistoryFixtures;

namespace ImageSync.Tests.Domain;

/// <summary>What image-sync pulled, reckoned against what a node still lists: removals reported once, held back for a backoff that doubles up to its cap.</summary>
public sealed class PullHistorySpecs
{
    [Fact]
    public void Should_hold_an_image_back_for_the_backoff_when_it_was_removed_after_image_sync_pulled_it()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);

        var reckoning = history.Reckon(Inventory(), null, T0.AddMinutes(15), Backoff);

        Assert.Equal([Api], reckoning.Removed);
        Assert.Equal(T0.AddMinutes(15).AddHours(6), reckoning.HeldBack[Api]);
    }

    [Fact]
    public void Should_double_the_backoff_with_each_removal_up_to_the_cap()
    {
        var history = new PullHistory();
        var now = T0;
        var backoffs = new List<TimeSpan>();
        for (var removal = 1; removal <= 5; removal++)
        {
            history.Pulled(W1, Api, now);
            now = now.AddMinutes(15);
            backoffs.Add(history.Reckon(Inventory(), null, now, Backoff).HeldBack[Api] - now);
        }

        Assert.Equal([6, 12, 24, 48, 48], backoffs.Select(b => b.TotalHours));
    }

    [Fact]
    public void Should_neither_report_nor_hold_back_an_image_the_node_still_lists()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);

        var reckoning = history.Reckon(Inventory(Api), null, T0.AddHours(1), Backoff);

        Assert.Empty(reckoning.Removed);
        Assert.Empty(reckoning.HeldBack);
    }

    [Fact]
    public void Should_report_a_removal_once_and_keep_holding_back_until_the_backoff_ends()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);
        history.Reckon(Inventory(), null, T0.AddMinutes(15), Backoff);

        var later = history.Reckon(Inventory(), null, T0.AddHours(1), Backoff);
        var afterBackoff = history.Reckon(Inventory(), null, T0.AddHours(7), Backoff);

        Assert.Empty(later.Removed);
        Assert.Contains(Api, later.HeldBack.Keys);
        Assert.Empty(afterBackoff.HeldBack);
    }

    [Fact]
    public void Should_forget_an_image_the_node_kept_for_longer_than_the_cap()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);

        history.Reckon(Inventory(Api), null, T0.AddHours(49), Backoff);

        Assert.Null(history.Find(W1, Api));
    }

    [Fact]
    public void Should_not_count_a_pull_that_verification_found_missing_as_removed_later()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);
        history.Unpulled(W1, Api);

        Assert.Empty(history.Reckon(Inventory(), null, T0.AddHours(1), Backoff).Removed);
    }

    [Fact]
    public void Should_say_a_reading_changed_what_is_kept_only_when_it_did()
    {
        var history = new PullHistory();
        history.Pulled(W1, Api, T0);

        var firstIdentity = history.Reckon(Inventory(Api), Machine('a'), T0.AddMinutes(15), Backoff);
        var same = history.Reckon(Inventory(Api), Machine('a'), T0.AddMinutes(30), Backoff);
        var removal = history.Reckon(Inventory(), Machine('a'), T0.AddMinutes(45), Backoff);
        var emptyNode = new PullHistory().Reckon(Inventory(), Machine('a'), T0, Backoff);

        Assert.Equal((true, false, true, false), (firstIdentity.Changed, same.Changed, removal.Changed, emptyNode.Changed));
    }
}
