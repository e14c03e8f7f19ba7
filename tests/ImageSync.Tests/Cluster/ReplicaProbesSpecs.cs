using Akka.Actor;
using ImageSync.Cluster;

namespace ImageSync.Tests.Cluster;

public sealed class ReplicaProbesSpecs
{
    private static readonly Address One = new("akka.tcp", "image-sync", "127.0.0.1", 24553), Two = new("akka.tcp", "image-sync", "127.0.0.1", 24554),
        Three = new("akka.tcp", "image-sync", "127.0.0.1", 24555), Stranger = new("akka.tcp", "image-sync", "10.9.9.9", 4053);

    [Fact]
    public void Should_hear_the_listed_replicas_that_answered_or_probed_lately_and_forget_them_after_3s()
    {
        var probes = new ReplicaProbes(One, [Two, Three], required: 2);
        probes.Heard(new MembershipQueries.Answer(Two.ToString(), [], []), TimeSpan.FromSeconds(10));
        probes.ProbedBy(Three, TimeSpan.FromSeconds(11));
        probes.ProbedBy(Stranger, TimeSpan.FromSeconds(11));

        Assert.Equal([Two, Three], probes.Hears(TimeSpan.FromSeconds(12)).Order(Akka.Cluster.Member.AddressOrdering));
        Assert.Equal([Three], probes.Hears(TimeSpan.FromSeconds(13.5)));
    }

    [Fact]
    public void Should_form_once_the_same_majority_answered_for_3s_and_ignore_what_is_not_an_address()
    {
        var probes = new ReplicaProbes(One, [Two, Three], required: 2);
        probes.Started(TimeSpan.Zero);
        probes.Heard(new MembershipQueries.Answer("not an address", ["neither"], []), TimeSpan.FromSeconds(1));
        probes.Heard(new MembershipQueries.Answer(Two.ToString(), ["garbage"], ["more garbage"]), TimeSpan.FromSeconds(1));

        Assert.IsType<BootstrapDecider.Decision.Wait>(probes.Decide(TimeSpan.FromSeconds(1)));
        probes.Heard(new MembershipQueries.Answer(Two.ToString(), [], []), TimeSpan.FromSeconds(3.5));
        Assert.IsType<BootstrapDecider.Decision.FormCluster>(probes.Decide(TimeSpan.FromSeconds(4)));
    }

    [Fact]
    public void Should_say_a_silence_after_30s_and_again_only_after_5_minutes_more_when_no_replica_answers()
    {
        var probes = new ReplicaProbes(One, [Two, Three], required: 2);
        probes.Started(TimeSpan.Zero);

        Assert.Null(probes.QuietToSay(TimeSpan.FromSeconds(29)));
        Assert.Equal(TimeSpan.FromSeconds(30), probes.QuietToSay(TimeSpan.FromSeconds(30)));
        Assert.Null(probes.QuietToSay(TimeSpan.FromSeconds(31)));
        Assert.Equal(TimeSpan.FromSeconds(330), probes.QuietToSay(TimeSpan.FromSeconds(330)));
    }

    [Fact]
    public void Should_count_the_silence_from_the_last_probe_when_a_replica_probed_this_one()
    {
        var probes = new ReplicaProbes(One, [Two], required: 2);
        probes.Started(TimeSpan.Zero);
        probes.ProbedBy(Two, TimeSpan.FromSeconds(20));

        Assert.Null(probes.QuietToSay(TimeSpan.FromSeconds(40)));
        Assert.Equal(TimeSpan.FromSeconds(30), probes.QuietToSay(TimeSpan.FromSeconds(50)));
    }

    [Fact]
    public void Should_never_say_a_silence_when_no_other_replica_is_listed()
    {
        var probes = new ReplicaProbes(One, [], required: 1);
        probes.Started(TimeSpan.Zero);

        Assert.Null(probes.QuietToSay(TimeSpan.FromHours(1)));
    }
}
