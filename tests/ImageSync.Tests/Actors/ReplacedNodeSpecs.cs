using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Nodes.Simulated;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

/// <summary>
/// Syncs of a simulated fleet whose node w2 loses images between syncs: removed by someone while it stays the same
/// machine (they are held back), or emptied because another machine took its name (it gets everything again).
/// </summary>
public sealed class ReplacedNodeSpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly NodeName W2 = NodeName.Parse("w2");
    private static readonly ImageRef[] Images = [TestData.Image("api:1"), TestData.Image("web:1")];
    private readonly ManualClock _clock = new(Start);
    private readonly SimulatedFleet _fleet;
    private readonly Akka.Actor.IActorRef _coordinator;

    public ReplacedNodeSpecs()
    {
        var settings = TestData.Simulated("""
            simulated.pull-latency = 0ms
            simulated.nodes.w1.images = [ { ref = "registry.example.com/team/api:1", size = 1000 }, { ref = "registry.example.com/team/web:1", size = 1000 } ]
            """, "w1", "w2");
        _fleet = new SimulatedFleet(settings.Simulated, settings.Nodes.Select(n => n.Name));
        Sys.StartPullHistory(new PullHistory(), null, _clock);
        _coordinator = Sys.ActorOf(TestData.Coordinator(settings, new SimulatedTransport(_fleet)));
    }

    [Fact]
    public void Should_clear_the_history_of_a_node_another_machine_replaced_and_pull_everything_onto_it_again()
    {
        var replaced = CreateTestProbe();
        Sys.EventStream.Subscribe(replaced, typeof(SyncEvents.NodeReplaced));
        Sync(0);

        _fleet.Replace(W2);
        var summary = Sync(15);

        Assert.Equal(2, summary.Succeeded);
        Assert.Equal(Images, _fleet.ImagesOn(W2).Order());
        Assert.Equal(new SyncEvents.NodeReplaced(W2, "machine-id changed"), replaced.ExpectMsg<SyncEvents.NodeReplaced>());
    }

    [Fact]
    public void Should_hold_back_what_was_removed_from_a_node_that_is_still_the_same_machine()
    {
        Sync(0);

        foreach (var image in Images) _fleet.Remove(W2, image);
        var summary = Sync(15);

        Assert.Equal(0, summary.Succeeded);
        Assert.Empty(_fleet.ImagesOn(W2));
    }

    private SyncSummary Sync(int minutes)
    {
        _clock.Set(Start.AddMinutes(minutes));
        _coordinator.Tell(new SyncCommands.StartSync($"at +{minutes}m"), TestActor);
        return ExpectMsg<SyncEvents.SyncFinished>(TimeSpan.FromSeconds(30)).Summary;
    }
}
