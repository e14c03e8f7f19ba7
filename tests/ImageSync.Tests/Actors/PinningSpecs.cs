using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Nodes.Simulated;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

/// <summary>
/// Images declared with pin = on, synced on a simulated fleet whose nodes label images as containerd does (and whose
/// kubelet GC passes pinned images by): pinned once there, unpinned when no longer so declared (only image-sync's own
/// pins), pulled again at once when someone removes one, and a node without ctr (CRI-O) said so without failing the run.
/// </summary>
public sealed class PinningSpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly NodeName W1 = NodeName.Parse("w1");
    private static readonly NodeName W2 = NodeName.Parse("w2");
    private static readonly ImageRef Api = TestData.Image("api:1");
    private static readonly ImageRef Web = TestData.Image("web:1");
    private readonly ManualClock _clock = new(Start);
    private SimulatedFleet _fleet = null!;

    public PinningSpecs() => Sys.StartPullHistory(new PullHistory(), null, _clock);

    [Fact]
    public void Should_pin_a_declared_image_once_it_is_pulled_and_take_off_only_its_own_pin_when_it_is_no_longer_declared()
    {
        var pins = CreateTestProbe();
        Sys.EventStream.Subscribe(pins, typeof(SyncEvents.PinChanged));
        var pinned = Fleet(WantedApiAndWeb(pin: "on"));
        _fleet.PinByHand(W1, Web);

        var first = Sync(pinned, 0);
        var second = Sync(Coordinator(WantedApiAndWeb(pin: "off")), 15);

        Assert.Equal(2, first.Succeeded);
        Assert.Equal((PinOwner?)PinOwner.ImageSync, first.Pins.States.Single(s => s.Node == W2 && s.Image == Api).By);
        Assert.Equal((PinOwner?)PinOwner.Operator, first.Pins.States.Single(s => s.Node == W1 && s.Image == Web).By);
        Assert.DoesNotContain(second.Pins.States, s => s.By == PinOwner.ImageSync);
        Assert.False(_fleet.IsPinned(W2, Api) || _fleet.IsPinned(W1, Api) || _fleet.IsPinned(W2, Web));
        Assert.True(_fleet.IsPinned(W1, Web), "the operator's pin was taken off");
        var changes = pins.ReceiveN(8).Cast<SyncEvents.PinChanged>().Select(p => $"{p.Change.Node} {p.Change.Image.ToString()[26..]} {p.Change.How}")
            .Order(StringComparer.Ordinal);
        Assert.Equal([
            "w1 api:1 pinned", "w1 api:1 unpinned: no longer declared with pin = on",
            "w1 web:1 no longer declared with pin = on; its pin is not image-sync's and stays", "w1 web:1 pinned already, not by image-sync",
            "w2 api:1 pinned", "w2 api:1 unpinned: no longer declared with pin = on", "w2 web:1 pinned", "w2 web:1 unpinned: no longer declared with pin = on",
        ], changes);
    }

    [Fact]
    public void Should_pull_a_removed_pinned_image_again_at_the_next_sync_and_hold_back_a_removed_unpinned_one()
    {
        var coordinator = Fleet("""
            images.wanted = [ { ref = "registry.example.com/team/api:1", pin = on }, { ref = "registry.example.com/team/web:1" } ]
            """);
        Sync(coordinator, 0);

        _fleet.Remove(W2, Api);
        _fleet.Remove(W2, Web);
        var second = Sync(coordinator, 15);

        Assert.Equal(["w2 " + Api], second.Outcomes.Where(o => o.IsSuccess).Select(o => o.Pull.ToString()));
        Assert.Equal(["w2 " + Web], second.Plan.HeldBack.Select(h => h.Pull.ToString()));
        Assert.True(_fleet.IsPinned(W2, Api), "the image pulled again was not pinned again");
    }

    [Fact]
    public void Should_say_a_node_without_ctr_cannot_pin_and_still_end_the_sync_in_sync()
    {
        var failed = CreateTestProbe();
        Sys.EventStream.Subscribe(failed, typeof(SyncEvents.PinFailed));
        var coordinator = Fleet(WantedApiAndWeb(pin: "on") + "\nsimulated.nodes.w2.faults.no-ctr = on");

        var summary = Sync(coordinator, 0);

        Assert.False(summary.HasFailures);
        var failures = failed.ReceiveN(2).Cast<SyncEvents.PinFailed>().ToList();
        Assert.All(failures, f => Assert.Equal((W2, true), (f.Work.Node, f.Work.Pin)));
        Assert.All(failures, f => Assert.Contains("has no ctr", f.Reason));
        Assert.Equal(2, summary.Pins.Pending.Count);
    }

    [Fact]
    public void Should_leave_pinned_images_to_the_node_when_its_image_gc_frees_the_disk()
    {
        // Each image takes 2000 bytes: with both, w2 is 87 % full, past the GC's 85 %, which then deletes unpinned images only.
        var coordinator = Fleet("""
            images.wanted = [ { ref = "registry.example.com/team/api:1", pin = on }, { ref = "registry.example.com/team/web:1" } ]
            simulated.gc { high-threshold = 85%, low-threshold = 80% }
            simulated.nodes.w2 { disk-size = 100000, disk-used = 83000 }
            pull.disk.max-usage = 100%
            """);
        Sync(coordinator, 0);

        Sync(coordinator, 15);

        Assert.Equal(1, _fleet.CollectedOn(W2));
        Assert.Equal([Api], _fleet.ImagesOn(W2));
        Assert.True(_fleet.IsPinned(W2, Api));
    }

    private static string WantedApiAndWeb(string pin) => $$"""
        images.wanted = [ { ref = "registry.example.com/team/api:1", pin = {{pin}} }, { ref = "registry.example.com/team/web:1", pin = {{pin}} } ]
        """;

    /// <summary>w1 holds api and web (1000 bytes each), w2 nothing; the registry serves both.</summary>
    private Akka.Actor.IActorRef Fleet(string extra)
    {
        var settings = Settings(extra);
        _fleet = new SimulatedFleet(settings.Simulated, settings.Nodes.Select(n => n.Name));
        return Sys.ActorOf(TestData.Coordinator(settings, new SimulatedTransport(_fleet)));
    }

    private Akka.Actor.IActorRef Coordinator(string extra) => Sys.ActorOf(TestData.Coordinator(Settings(extra), new SimulatedTransport(_fleet)));

    private static ImageSync.Configuration.ImageSyncSettings Settings(string extra) => TestData.Simulated($$"""
        simulated.pull-latency = 0ms
        simulated.nodes.w1.images = [ { ref = "registry.example.com/team/api:1", size = 1000 }, { ref = "registry.example.com/team/web:1", size = 1000 } ]
        {{extra}}
        """, "w1", "w2");

    private SyncSummary Sync(Akka.Actor.IActorRef coordinator, int minutes)
    {
        _clock.Set(Start.AddMinutes(minutes));
        coordinator.Tell(new SyncCommands.StartSync($"at +{minutes}m"), TestActor);
        return ExpectMsg<SyncEvents.SyncFinished>(TimeSpan.FromSeconds(30)).Summary;
    }
}
