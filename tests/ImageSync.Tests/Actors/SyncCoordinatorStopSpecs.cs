using Akka.Actor;
using ImageSync.Actors;

namespace ImageSync.Tests.Actors;

/// <summary>Stopping a sync: interrupted while nodes are read, given the shutdown grace, or abandoned at once.</summary>
public sealed class SyncCoordinatorStopSpecs : SyncCoordinatorTestKit
{
    [Fact]
    public void Should_finish_as_interrupted_when_stopped_while_nodes_are_being_read()
    {
        Nodes.Node("w1");
        Nodes.Hanging("w2");
        var coordinator = StartCoordinator("w1", "w2");
        coordinator.Tell(new SyncCommands.StartSync("cron"));

        coordinator.Tell(new SyncCommands.StopSync("SIGINT received"));

        var summary = ExpectMsg<SyncEvents.SyncFinished>().Summary;
        Assert.True(summary.Interrupted);
        Assert.Contains(summary.Nodes, n => n.Reason == "not checked: SIGINT received");
    }

    [Fact]
    public void Should_let_the_running_sync_stop_gracefully_before_it_stops_on_shutdown()
    {
        var coordinator = StartWatchedWithAHangingPull();

        coordinator.Tell(SyncCommands.Shutdown.Instance);

        var summary = ExpectInVirtualTime<SyncEvents.SyncFinished>(this, TimeSpan.FromSeconds(15)).Summary;
        Assert.True(summary.Interrupted);
        Assert.Equal("interrupted: abandoned after the 10s shutdown grace", Assert.Single(summary.Outcomes).Reason);
        ExpectTerminated(coordinator);
    }

    [Fact]
    public void Should_cut_the_shutdown_grace_short_when_the_sync_is_abandoned()
    {
        var coordinator = StartWatchedWithAHangingPull();
        coordinator.Tell(SyncCommands.Shutdown.Instance);

        coordinator.Tell(new SyncCommands.StopSync("this replica left the cluster", Abandon: true));

        var summary = ExpectMsg<SyncEvents.SyncFinished>().Summary;
        Assert.Equal("interrupted: abandoned at once: this replica left the cluster", Assert.Single(summary.Outcomes).Reason);
        ExpectTerminated(coordinator);
    }

    /// <summary>A watched coordinator whose sync's one pull, onto w2, never ends.</summary>
    private IActorRef StartWatchedWithAHangingPull()
    {
        Nodes.Node("w1", "api:1");
        var w2 = Nodes.Node("w2");
        w2.Script = _ => null;
        var coordinator = StartCoordinator("w1", "w2");
        Watch(coordinator);
        coordinator.Tell(new SyncCommands.StartSync("cron"));
        AwaitCondition(() => w2.Started.Count == 1);
        return coordinator;
    }
}
