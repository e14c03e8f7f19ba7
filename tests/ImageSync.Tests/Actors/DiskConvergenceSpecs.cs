using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Nodes.Simulated;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

/// <summary>
/// Syncs in a row on a simulated fleet whose nodes' image filesystems are 70 % full and whose kubelet image GC
/// deletes pulled images above 85 % (down to 80 %) between syncs: with the disk guard and the removal backoff the
/// loop settles; without them every sync pulls what the GC deleted after the last one.
/// </summary>
public sealed class DiskConvergenceSpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private const string Off = "max-usage = 100%, removed-backoff = 0s";

    [Fact]
    public void Should_stop_pulling_after_the_first_sync_and_never_cross_the_limit_when_the_guard_is_on()
    {
        var (pulls, fleet) = Syncs(6, disk: "max-usage = 80%, min-free = 0, growth-factor = 2.0");

        // On the four workers together: five of ten images fit under 80 % on each, pulled once and never again. A disk
        // read that lands between a pull's growth and its report counts that pull twice, on the safe side, so the first
        // sync may leave one that fits to the second; from the third on nothing is pulled.
        Assert.Equal(20, pulls.Sum(p => p.Pulled));
        Assert.InRange(pulls[0].Pulled, 18, 20);
        Assert.All(pulls.Skip(2), p => Assert.Equal((0, 20), p));
        Assert.All(Workers, node => Assert.True(fleet.PeakDiskUsageOf(node) <= 0.8, $"{node} reached {fleet.PeakDiskUsageOf(node):P0}"));
        Assert.All(Workers, node => Assert.Equal(0, fleet.CollectedOn(node)));
    }

    [Fact]
    public void Should_pull_again_every_sync_what_the_gc_deleted_when_guard_and_backoff_are_off()
    {
        var (pulls, fleet) = Syncs(6, disk: Off);

        Assert.Equal([40, 20, 20, 20, 20, 20], pulls.Select(p => p.Pulled));
        Assert.All(Workers, node => Assert.Equal(25, fleet.CollectedOn(node)));
    }

    [Fact]
    public void Should_hold_back_what_the_gc_deleted_and_report_it_when_only_the_backoff_is_on()
    {
        var held = CreateTestProbe();
        Sys.EventStream.Subscribe(held, typeof(SyncEvents.ImagesHeldBack));

        var (pulls, _) = Syncs(4, disk: "max-usage = 100%, removed-backoff = 6h");

        Assert.Equal([40, 0, 0, 0], pulls.Select(p => p.Pulled));
        var first = held.ExpectMsg<SyncEvents.ImagesHeldBack>();
        Assert.Equal((5, 5, Start.AddMinutes(15).AddHours(6)), (first.Removed, first.HeldBack, first.NotBefore));
    }

    private static readonly NodeName[] Workers = [.. Enumerable.Range(1, 4).Select(i => NodeName.Parse($"w{i}"))];

    /// <summary>A source node with ten images of 1 GiB; four workers of 100 GiB, 70 GiB used, that lack them. A sync every 15 minutes.</summary>
    private (List<(int Pulled, int Skipped)>, SimulatedFleet) Syncs(int count, string disk)
    {
        var images = string.Join(", ", Enumerable.Range(1, 10).Select(i => $"{{ ref = \"registry.example.com/team/app{i}:1\", size = 1073741824 }}"));
        var workers = string.Join("\n", Workers.Select(w => $"{w} {{ disk-size = 100GiB, disk-used = 70GiB }}"));
        var settings = TestData.Simulated($$"""
            pull { canary = off, disk { {{disk}} } }
            simulated {
              pull-latency = 0ms
              disk-growth = 2.0
              gc { high-threshold = 85%, low-threshold = 80% }
              nodes {
                source { images = [ {{images}} ] }
                {{workers}}
              }
            }
            """, ["source", .. Workers.Select(w => w.Value)]);
        var fleet = new SimulatedFleet(settings.Simulated, settings.Nodes.Select(n => n.Name));
        var clock = new ManualClock(Start);
        Sys.StartPullHistory(new PullHistory(), null, clock);
        var coordinator = Sys.ActorOf(TestData.Coordinator(settings, new SimulatedTransport(fleet)));
        var pulls = new List<(int, int)>();
        for (var sync = 0; sync < count; sync++)
        {
            clock.Set(Start.AddMinutes(15 * sync));
            coordinator.Tell(new SyncCommands.StartSync($"sync {sync + 1}"), TestActor);
            var summary = ExpectMsg<SyncEvents.SyncFinished>(TimeSpan.FromSeconds(30)).Summary;
            pulls.Add((summary.Succeeded, summary.Skipped));
        }
        return (pulls, fleet);
    }
}
