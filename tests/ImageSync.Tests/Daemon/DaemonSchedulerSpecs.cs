using Akka.Actor;
using ImageSync.Actors;
using ImageSync.Daemon;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Daemon;

public sealed class DaemonSchedulerSpecs : VirtualTimeTestKit
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(15);

    [Fact]
    public void Should_ask_for_a_sync_at_start_and_then_every_interval_within_its_jitter()
    {
        var coordinator = CreateTestProbe();
        var scheduler = Sys.ActorOf(DaemonScheduler.Props(coordinator, () => Interval));

        coordinator.ExpectMsg<SyncCommands.TriggerSync>();
        coordinator.Reply(new SyncEvents.SyncAccepted("daemon interval"));
        WaitUntilHandled(scheduler);
        Scheduler.Advance(Interval * 0.9 - TimeSpan.FromMilliseconds(1));
        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Scheduler.Advance(Interval * 0.2);

        coordinator.ExpectMsg<SyncCommands.TriggerSync>();
    }

    [Fact]
    public void Should_sync_once_per_interval_when_three_replicas_tick_one_coordinator()
    {
        var nodes = new ScriptedTransport();
        nodes.Node("w1", "api:1");
        nodes.Node("w2", "api:1");
        var gate = new OpenGate();
        var coordinator = Sys.ActorOf(SyncCoordinator.Props(
            new ReloadableSetup(new SyncSetup(TestData.Simulated("", "w1", "w2"), nodes)), gate, new SchedulerTimeProvider(Sys.Scheduler)));
        var replicas = Enumerable.Range(1, 3).Select(_ => Sys.ActorOf(DaemonScheduler.Props(coordinator, () => Interval))).ToList();

        // Minute by minute through three intervals, each sync finished before time moves on.
        for (var minute = 0; minute <= 45; minute++)
        {
            replicas.ForEach(WaitUntilHandled);
            WaitUntilHandled(coordinator);
            AwaitCondition(() => gate.Inside == 0);
            Scheduler.Advance(TimeSpan.FromMinutes(1));
        }

        // One at start, then one every 0.8 to 1.1 intervals: three replicas alone would make twelve.
        Assert.InRange(gate.Entered, 3, 4);
    }

    [Fact]
    public void Should_keep_syncing_every_interval_when_the_wall_clock_is_stepped_back_an_hour()
    {
        var nodes = new ScriptedTransport();
        nodes.Node("w1", "api:1");
        nodes.Node("w2");
        var gate = new OpenGate();
        var clock = new SchedulerTimeProvider(Sys.Scheduler);
        var coordinator = Sys.ActorOf(SyncCoordinator.Props(new ReloadableSetup(new SyncSetup(TestData.Simulated("", "w1", "w2"), nodes)), gate, clock));
        var scheduler = Sys.ActorOf(DaemonScheduler.Props(coordinator, () => Interval));
        AwaitCondition(() => gate.Entered == 1 && gate.Inside == 0);

        // NTP or a VM restore steps the wall clock back; the daemon's own clock goes on.
        clock.StepWallClock(TimeSpan.FromHours(-1));
        for (var minute = 1; minute <= 34; minute++)
        {
            WaitUntilHandled(scheduler);
            WaitUntilHandled(coordinator);
            AwaitCondition(() => gate.Inside == 0);
            Scheduler.Advance(TimeSpan.FromMinutes(1));
        }

        // Ticks at 0.9 to 1.1 intervals: by 34 minutes, two more syncs (the next tick is 40 minutes away at the soonest).
        AwaitCondition(() => gate.Entered >= 3);
        Assert.Equal(3, gate.Entered);
    }

    [Fact]
    public void Should_skip_a_tick_the_coordinator_refuses_and_not_ask_again_before_the_next_one()
    {
        var coordinator = CreateTestProbe();
        var scheduler = Sys.ActorOf(DaemonScheduler.Props(coordinator, () => Interval));
        coordinator.ExpectMsg<SyncCommands.TriggerSync>();

        coordinator.Reply(new SyncEvents.SyncRefused("a sync is already running", SyncEvents.RefusalKind.AlreadyRunning));
        WaitUntilHandled(scheduler);

        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Scheduler.Advance(Interval * 1.1);
        coordinator.ExpectMsg<SyncCommands.TriggerSync>();
    }

    [Fact]
    public void Should_follow_a_reloaded_interval_from_the_next_tick()
    {
        var coordinator = CreateTestProbe();
        var interval = Interval;
        var scheduler = Sys.ActorOf(DaemonScheduler.Props(coordinator, () => interval));
        coordinator.ExpectMsg<SyncCommands.TriggerSync>();
        WaitUntilHandled(scheduler);
        interval = TimeSpan.FromMinutes(1);
        Scheduler.Advance(Interval * 1.1);
        coordinator.ExpectMsg<SyncCommands.TriggerSync>();
        WaitUntilHandled(scheduler);

        Scheduler.Advance(TimeSpan.FromMinutes(1.1));

        coordinator.ExpectMsg<SyncCommands.TriggerSync>();
    }

    [Fact]
    public void Should_stop_ticking_when_asked()
    {
        var coordinator = CreateTestProbe();
        var scheduler = Sys.ActorOf(DaemonScheduler.Props(coordinator, () => Interval));
        coordinator.ExpectMsg<SyncCommands.TriggerSync>();

        scheduler.Tell(SchedulerCommands.StopTicking.Instance);
        ExpectMsg<SchedulerCommands.TickingStopped>();
        Scheduler.Advance(Interval * 3);

        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }
}
