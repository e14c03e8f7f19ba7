using Akka.Actor;
using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Locking;
using ImageSync.Nodes;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

/// <summary>One sync at a time: a second start refused while one runs, and the lock file held for exactly the length of a run.</summary>
public sealed class SyncCoordinatorLockSpecs : SyncCoordinatorTestKit
{
    [Fact]
    public void Should_refuse_a_second_start_when_a_sync_is_running_and_accept_one_after_it_ends()
    {
        Nodes.Node("w1", "api:1");
        var w2 = Nodes.Node("w2");
        w2.Script = _ => null;
        var coordinator = StartCoordinator("w1", "w2");
        coordinator.Tell(new SyncCommands.StartSync("cron"));
        AwaitCondition(() => w2.Started.Count == 1);

        var other = CreateTestProbe();
        coordinator.Tell(new SyncCommands.StartSync("daemon tick"), other);

        var refused = other.ExpectMsg<SyncEvents.SyncRefused>().Why;
        Assert.Contains("a sync is already running", refused);
        Assert.Contains("for: cron", refused);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        w2.Release(TestData.Image("api:1"), new PullExit(0, ""));
        Assert.Equal(1, ExpectMsg<SyncEvents.SyncFinished>().Summary.Succeeded);
        other.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        coordinator.Tell(new SyncCommands.StartSync("again"));
        var again = ExpectMsg<SyncEvents.SyncFinished>().Summary;
        Assert.Empty(again.Outcomes);
        Assert.False(again.HasFailures);
    }

    [Fact]
    public void Should_refuse_a_run_when_another_process_holds_the_lock_file_but_still_plan()
    {
        Nodes.Node("w1");
        var coordinator = Sys.ActorOf(TestData.Coordinator(TestData.Simulated("", "w1"), Nodes, new HeldGate()));

        coordinator.Tell(new SyncCommands.StartSync("cron"));
        var refused = ExpectMsg<SyncEvents.SyncRefused>();
        coordinator.Tell(new SyncCommands.StartSync("look", SyncMode.Plan));

        Assert.Equal(SyncEvents.RefusalKind.LockHeld, refused.Kind);
        Assert.Contains("another image-sync run holds the lock", refused.Why);
        Assert.Equal(SyncMode.Plan, ExpectMsg<SyncEvents.SyncFinished>().Summary.Mode);
    }

    [Fact]
    public void Should_hold_the_lock_file_for_exactly_the_length_of_a_run()
    {
        Nodes.Node("w1", "api:1");
        var w2 = Nodes.Node("w2");
        w2.Script = _ => null;
        var gate = new OpenGate();
        var coordinator = Sys.ActorOf(TestData.Coordinator(TestData.Simulated("", "w1", "w2"), Nodes, gate));

        coordinator.Tell(new SyncCommands.StartSync("cron"));
        AwaitCondition(() => w2.Started.Count == 1);
        Assert.Equal(1, gate.Inside);
        w2.Release(TestData.Image("api:1"), new PullExit(0, ""));
        ExpectMsg<SyncEvents.SyncFinished>();

        Assert.Equal(0, gate.Inside);
    }

    private sealed class HeldGate : IRunGate
    {
        public IDisposable? TryEnter(string lockFile) => null;
    }
}
