using Akka.Cluster;
using ImageSync.Daemon;

namespace ImageSync.Tests.Daemon;

public sealed class ReadinessSpecs
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(15);

    [Fact]
    public void Should_be_ready_as_an_up_member_whose_coordinator_ran_a_sync_within_two_intervals() =>
        Assert.Null(Readiness.Problem(MemberStatus.Up, TimeSpan.FromMinutes(29), Interval));

    [Fact]
    public void Should_be_ready_as_an_up_member_while_the_coordinator_runs_elsewhere() =>
        Assert.Null(Readiness.Problem(MemberStatus.Up, sinceLastAttempt: null, Interval));

    [Theory]
    [InlineData(MemberStatus.Joining)]
    [InlineData(MemberStatus.Down)]
    [InlineData(MemberStatus.Removed)]
    public void Should_not_be_ready_unless_an_up_member(MemberStatus status) =>
        Assert.Equal($"this replica is {status}, not an Up member of the cluster", Readiness.Problem(status, null, Interval));

    [Fact]
    public void Should_not_be_ready_when_the_coordinator_here_attempted_no_sync_for_over_two_intervals() =>
        Assert.Equal("the last sync attempt was 31m ago, more than two intervals (30m)", Readiness.Problem(null, TimeSpan.FromMinutes(31), Interval));
}
