using ImageSync.Domain;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Domain;

public sealed class PullQueueSpecs
{
    [Fact]
    public void Should_take_from_the_node_with_most_work_biggest_image_first_within_its_cap()
    {
        var queue = new PullQueue([Pull("a", "x:1", 5), Pull("b", "y:1", 1), Pull("b", "z:1", 9)], maxPerNode: 1, canaries: false);

        Assert.Equal(["b z:1", "a x:1"], TakeAll(queue));
        queue.Done(Pull("b", "z:1", 9));
        Assert.Equal(["b y:1"], TakeAll(queue));
    }

    [Fact]
    public void Should_hold_back_the_other_pulls_of_an_image_until_its_canary_is_done()
    {
        var queue = new PullQueue([Pull("a", "x:1"), Pull("b", "x:1"), Pull("c", "x:1")], maxPerNode: 2, canaries: true);

        var canary = Assert.Single(TakeAll(queue));
        Assert.Equal(2, queue.Waiting);
        queue.ReleaseHeld(TestData.Image("x:1"));

        Assert.Equal(2, TakeAll(queue).Count);
        Assert.DoesNotContain(canary, TakeAll(queue));
    }

    [Fact]
    public void Should_hand_back_the_held_pulls_when_the_canary_fails_for_good()
    {
        var pulls = new[] { Pull("a", "x:1"), Pull("b", "x:1"), Pull("c", "x:1") };
        var queue = new PullQueue(pulls, maxPerNode: 2, canaries: true);
        queue.TryTake(out var canary);

        var dropped = queue.DropHeld(canary.Image);

        Assert.Equal(2, dropped.Count);
        Assert.DoesNotContain(canary, dropped);
        Assert.False(queue.TryTake(out _));
        Assert.Equal(0, queue.Waiting);
    }

    [Fact]
    public void Should_spread_canaries_over_the_nodes()
    {
        var pulls = new[] { "x:1", "y:1", "z:1", "w:1" }.SelectMany(image => new[] { Pull("a", image), Pull("b", image) }).ToList();
        var queue = new PullQueue(pulls, maxPerNode: 10, canaries: true);

        var canaries = TakeAll(queue);

        Assert.Equal(4, canaries.Count);
        Assert.Equal(2, canaries.Count(c => c.StartsWith("a ")));
    }

    [Fact]
    public void Should_put_a_retry_at_the_front_of_its_nodes_queue()
    {
        var queue = new PullQueue([Pull("a", "x:1", 1), Pull("a", "y:1", 5)], maxPerNode: 1, canaries: false);
        queue.TryTake(out var first);
        queue.Done(first);

        Assert.EndsWith("/y:1", first.Image.ToString());
        queue.Requeue(first);

        Assert.Equal(["a y:1"], TakeAll(queue));
        queue.Done(Pull("a", "y:1", 5));
        Assert.Equal(["a x:1"], TakeAll(queue));
    }

    [Fact]
    public void Should_drop_a_nodes_work_and_release_what_waited_on_its_canaries()
    {
        var pulls = new[] { Pull("a", "x:1"), Pull("b", "x:1"), Pull("a", "only-a:1") };
        var queue = new PullQueue(pulls, maxPerNode: 5, canaries: true);
        var canaryNode = queue.IsCanary(pulls[0]) ? "a" : "b";

        var dropped = queue.DropNode(NodeName.Parse(canaryNode));

        Assert.All(dropped, p => Assert.Equal(canaryNode, p.Node.Value));
        var other = canaryNode == "a" ? "b" : "a";
        Assert.Contains($"{other} x:1", TakeAll(queue));
    }

    [Fact]
    public void Should_tell_when_a_node_has_nothing_left()
    {
        var queue = new PullQueue([Pull("a", "x:1")], maxPerNode: 1, canaries: false);
        Assert.False(queue.IsIdle(NodeName.Parse("a")));
        queue.TryTake(out var pull);
        Assert.False(queue.IsIdle(NodeName.Parse("a")));

        queue.Done(pull);

        Assert.True(queue.IsIdle(NodeName.Parse("a")));
    }

    private static PlannedPull Pull(string node, string image, long size = 1) => TestData.Pull(node, image, size);

    private static List<string> TakeAll(PullQueue queue)
    {
        var taken = new List<string>();
        while (queue.TryTake(out var pull)) taken.Add($"{pull.Node} {pull.Image.ToString().Replace("registry.example.com/team/", "")}");
        return taken;
    }
}
