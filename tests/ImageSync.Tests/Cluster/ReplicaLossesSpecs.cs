using Akka.Actor;
using ImageSync.Cluster;

namespace ImageSync.Tests.Cluster;

public sealed class ReplicaLossesSpecs
{
    private static readonly Address Replica = new("akka.tcp", "image-sync", "10.0.0.2", 4053);

    [Fact]
    public void Should_end_a_call_to_a_replica_once_it_is_unreachable_and_not_before()
    {
        var losses = new ReplicaLosses();
        var lost = losses.WhenLost(Replica);

        Assert.False(lost.IsCompleted);
        losses.Lost(Replica);
        Assert.True(lost.IsCompleted);
        Assert.True(losses.WhenLost(Replica).IsCompleted);
    }

    [Fact]
    public void Should_hold_a_reopened_session_until_the_lost_replica_is_removed()
    {
        var losses = new ReplicaLosses();
        Assert.True(losses.WhenSettled(Replica).IsCompleted);

        losses.Lost(Replica);
        var settled = losses.WhenSettled(Replica);
        Assert.False(settled.IsCompleted);

        losses.Removed(Replica);
        Assert.True(settled.IsCompleted);
        Assert.True(losses.WhenSettled(Replica).IsCompleted);
    }

    [Fact]
    public void Should_let_a_reopened_session_go_when_the_lost_replica_is_reachable_again()
    {
        var losses = new ReplicaLosses();
        losses.Lost(Replica);
        var settled = losses.WhenSettled(Replica);

        losses.Back(Replica);

        Assert.True(settled.IsCompleted);
        Assert.False(losses.WhenLost(Replica).IsCompleted);
    }

    [Fact]
    public void Should_treat_a_replica_restarted_on_a_removed_address_as_one_that_can_be_lost_and_settled_again()
    {
        var losses = new ReplicaLosses();
        losses.Removed(Replica);
        losses.Back(Replica);
        Assert.False(losses.WhenLost(Replica).IsCompleted);

        losses.Lost(Replica);
        var settled = losses.WhenSettled(Replica);

        Assert.False(settled.IsCompleted);
        losses.Removed(Replica);
        Assert.True(settled.IsCompleted);
    }
}
