using ImageSync.Domain;

namespace ImageSync.Tests.Domain;

public sealed class TurnsSpecs
{
    [Fact]
    public void Should_grant_turns_up_to_the_limit_and_make_the_rest_wait_in_order()
    {
        var turns = new Turns<string>(2);

        var granted = new[] { "a", "b", "c", "d" }.SelectMany(turns.Request).ToList();

        Assert.Equal(["a", "b"], granted);
        Assert.Equal(["c", "d"], [.. turns.Release("a"), .. turns.Release("b")]);
    }

    [Fact]
    public void Should_pass_a_released_turn_to_the_first_in_line()
    {
        var turns = new Turns<string>(1);
        foreach (var who in new[] { "a", "b", "c" }) turns.Request(who);

        Assert.Equal(["b"], turns.Release("a"));
        Assert.Equal(["c"], turns.Release("b"));
        Assert.Empty(turns.Release("c"));
        Assert.Equal(["d"], turns.Request("d"));
    }

    [Fact]
    public void Should_free_a_waiting_place_when_one_leaves_before_its_turn()
    {
        var turns = new Turns<string>(1);
        foreach (var who in new[] { "a", "b", "c" }) turns.Request(who);

        Assert.Empty(turns.Release("b"));

        Assert.Equal(["c"], turns.Release("a"));
    }

    [Fact]
    public void Should_give_back_and_queue_again_when_a_holder_asks_again_after_a_restart()
    {
        var turns = new Turns<string>(1);
        turns.Request("a");
        turns.Request("b");

        var granted = turns.Request("a");

        Assert.Equal(["b"], granted);
        Assert.Equal(["a"], turns.Release("b"));
    }

    [Fact]
    public void Should_keep_a_waiting_place_when_asked_twice()
    {
        var turns = new Turns<string>(1);
        turns.Request("a");
        turns.Request("b");
        turns.Request("c");

        Assert.Empty(turns.Request("b"));

        Assert.Equal(["b"], turns.Release("a"));
    }

    [Fact]
    public void Should_ignore_a_release_from_one_that_never_asked()
    {
        var turns = new Turns<string>(1);
        turns.Request("a");

        Assert.Empty(turns.Release("x"));
        Assert.Empty(turns.Request("b"));
    }
}
