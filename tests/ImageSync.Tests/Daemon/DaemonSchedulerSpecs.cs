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

        scheduler.Tell(DaemonCommands.StopTicking.Instance);
        ExpectMsg<DaemonCommands.TickingStopped>();
        Scheduler.Advance(Interval * 3);

        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }
}
