using Akka.Actor;
using static ImageSync.Cluster.BootstrapDecider;

namespace ImageSync.Tests.Cluster;

public sealed class BootstrapDeciderSpecs
{
    private static readonly Address One = Replica(24553), Two = Replica(24554), Three = Replica(24555);
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(3);
    private static readonly IReadOnlyList<Address> InNone = [];

    [Fact]
    public void Should_form_the_cluster_when_a_stable_majority_answers_and_this_is_the_lowest_address()
    {
        var decision = Decide(Two, new Dictionary<Address, IReadOnlyList<Address>> { [Three] = InNone }, required: 2, stableFor: Margin, Margin);

        Assert.IsType<Decision.FormCluster>(decision);
    }

    [Fact]
    public void Should_join_the_other_members_never_its_own_former_self_still_listed()
    {
        var decision = Decide(One, new Dictionary<Address, IReadOnlyList<Address>> { [Two] = [One, Two] }, required: 2, stableFor: TimeSpan.Zero, Margin);

        Assert.Equal([Two], Assert.IsType<Decision.JoinExisting>(decision).Members);
    }

    [Fact]
    public void Should_leave_the_forming_to_a_lower_replica_it_cannot_reach_but_a_shared_one_hears()
    {
        // One and Two are cut from each other; both reach Three, which hears both.
        var answeredTwo = new Dictionary<Address, IReadOnlyList<Address>> { [Three] = InNone };
        var answeredOne = new Dictionary<Address, IReadOnlyList<Address>> { [Three] = InNone };

        var two = Decide(Two, answeredTwo, required: 2, stableFor: Margin, Margin, heardOf: [One, Two]);
        var one = Decide(One, answeredOne, required: 2, stableFor: Margin, Margin, heardOf: [One, Two]);

        Assert.Contains($"{One} forms the cluster", Assert.IsType<Decision.Wait>(two).Why);
        Assert.IsType<Decision.FormCluster>(one);
    }

    [Fact]
    public void Should_wait_for_the_lowest_address_to_form_it()
    {
        var decision = Decide(Three, new Dictionary<Address, IReadOnlyList<Address>> { [Two] = InNone }, required: 2, stableFor: Margin, Margin);

        Assert.Contains($"{Two} forms the cluster", Assert.IsType<Decision.Wait>(decision).Why);
    }

    [Fact]
    public void Should_never_form_a_cluster_alone_when_a_majority_needs_two()
    {
        var decision = Decide(One, new Dictionary<Address, IReadOnlyList<Address>>(), required: 2, stableFor: TimeSpan.FromMinutes(5), Margin);

        Assert.Equal("1 of the 2 replicas needed to form a cluster answer", Assert.IsType<Decision.Wait>(decision).Why);
    }

    [Fact]
    public void Should_wait_while_the_replicas_that_answer_change()
    {
        var decision = Decide(One, new Dictionary<Address, IReadOnlyList<Address>> { [Two] = InNone }, required: 2, stableFor: TimeSpan.FromSeconds(1), Margin);

        Assert.IsType<Decision.Wait>(decision);
    }

    [Fact]
    public void Should_join_a_running_cluster_rather_than_form_one_even_with_the_lowest_address()
    {
        var decision = Decide(One, new Dictionary<Address, IReadOnlyList<Address>> { [Two] = [Two, Three], [Three] = [Two, Three] }, required: 2, stableFor: Margin, Margin);

        Assert.Equal([Two, Three], Assert.IsType<Decision.JoinExisting>(decision).Members);
    }

    [Fact]
    public void Should_form_a_cluster_of_one_when_one_replica_is_listed()
    {
        var decision = Decide(One, new Dictionary<Address, IReadOnlyList<Address>>(), required: 1, stableFor: Margin, Margin);

        Assert.IsType<Decision.FormCluster>(decision);
    }

    private static Address Replica(int port) => new("akka.tcp", "image-sync", "127.0.0.1", port);
}
