using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit;
using ImageSync.Actors;
using ImageSync.Cluster;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

/// <summary>Triggered syncs: acknowledged at once, spaced on the monotonic clock, and started by a singleton only once its membership is confirmed.</summary>
public sealed class SyncCoordinatorTriggerSpecs : SyncCoordinatorTestKit
{
    [Fact]
    public void Should_acknowledge_a_triggered_sync_at_once_and_publish_its_summary()
    {
        Nodes.Node("w1", "api:1");
        Nodes.Node("w2");
        var coordinator = StartCoordinator("w1", "w2");
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events, typeof(SyncEvents.SyncFinished));

        coordinator.Tell(new SyncCommands.TriggerSync("daemon tick"));

        Assert.Equal("daemon tick", ExpectMsg<SyncEvents.SyncAccepted>().Reason);
        Assert.Equal(1, events.ExpectMsg<SyncEvents.SyncFinished>().Summary.Succeeded);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Should_refuse_a_trigger_within_four_fifths_of_its_own_interval_of_the_last_sync_start_whoever_sends_it_and_accept_one_after()
    {
        var clock = new SchedulerTimeProvider(Sys.Scheduler);
        var start = clock.GetLocalNow();
        var coordinator = SyncTriggeredOnce(clock);

        Scheduler.Advance(Spacing - TimeSpan.FromSeconds(1));
        coordinator.Tell(new SyncCommands.TriggerSync("replica 2"));
        var refused = ExpectMsg<SyncEvents.SyncRefused>();
        Scheduler.Advance(TimeSpan.FromSeconds(1));
        coordinator.Tell(new SyncCommands.TriggerSync("replica 3"));

        Assert.Equal(SyncEvents.RefusalKind.RecentlySynced, refused.Kind);
        Assert.Equal($"the last sync started at {start:yyyy-MM-ddTHH:mm:ss.fffzzz}, less than 12m ago", refused.Why);
        Assert.Equal("replica 3", ExpectMsg<SyncEvents.SyncAccepted>().Reason);
    }

    [Fact]
    public void Should_measure_the_spacing_on_the_monotonic_clock_so_a_wall_clock_stepped_back_an_hour_suppresses_nothing()
    {
        var clock = new SchedulerTimeProvider(Sys.Scheduler);
        var coordinator = SyncTriggeredOnce(clock);

        clock.StepWallClock(TimeSpan.FromHours(-1));
        Scheduler.Advance(Spacing);
        coordinator.Tell(new SyncCommands.TriggerSync("after the step"));

        Assert.Equal("after the step", ExpectMsg<SyncEvents.SyncAccepted>().Reason);
    }

    [Fact]
    public void Should_start_a_sync_as_a_singleton_only_once_a_majority_confirmed_this_replica_is_still_a_member()
    {
        var w2 = Nodes.Node("w2");
        var (coordinator, membership, events) = StartSingleton();
        membership.ExpectMsg<MembershipCommands.ConfirmMembership>();
        membership.Reply(new MembershipEvents.NotConfirmed("only 1 of the 3 replicas confirmed"));

        var refused = events.ExpectMsg<SyncEvents.SyncRefused>();
        Assert.Equal((SyncEvents.RefusalKind.NotConfirmed, "no sync started here: only 1 of the 3 replicas confirmed"), (refused.Kind, refused.Why));
        Assert.Empty(w2.Started);

        coordinator.Tell(new SyncCommands.TriggerSync("daemon tick"));
        membership.ExpectMsg<MembershipCommands.ConfirmMembership>();
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        membership.Reply(MembershipEvents.Confirmed.Instance);

        Assert.Equal("daemon tick", ExpectMsg<SyncEvents.SyncAccepted>().Reason);
        Assert.Equal(1, events.ExpectMsg<SyncEvents.SyncFinished>().Summary.Succeeded);
    }

    [Fact]
    public void Should_refuse_the_sync_when_the_membership_never_answers_and_take_the_next_tick()
    {
        Nodes.Node("w2");
        var (coordinator, membership, events) = StartSingleton();
        membership.ExpectMsg<MembershipCommands.ConfirmMembership>();

        var refused = events.ExpectMsg<SyncEvents.SyncRefused>(TimeSpan.FromSeconds(10));
        Assert.Equal((SyncEvents.RefusalKind.NotConfirmed, "no sync started here: this replica's membership did not answer within 5s"), (refused.Kind, refused.Why));
        coordinator.Tell(new SyncCommands.TriggerSync("daemon tick"));
        membership.ExpectMsg<MembershipCommands.ConfirmMembership>();
    }

    /// <summary>Four fifths of the daemon.interval of <see cref="SyncTriggeredOnce"/>'s config, 15m.</summary>
    private static readonly TimeSpan Spacing = TimeSpan.FromMinutes(12);

    /// <summary>A coordinator on the clock, its config's daemon.interval 15m, that has run one triggered sync to its end.</summary>
    private IActorRef SyncTriggeredOnce(TimeProvider clock)
    {
        Nodes.Node("w1");
        Nodes.Node("w2");
        var coordinator = Sys.ActorOf(SyncCoordinator.Props(new ReloadableSetup(new SyncSetup(TestData.Simulated("daemon.interval = 15m", "w1", "w2"), Nodes)), new OpenGate(), clock));
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events, typeof(SyncEvents.SyncFinished));
        coordinator.Tell(new SyncCommands.TriggerSync("first"));
        ExpectMsg<SyncEvents.SyncAccepted>();
        events.ExpectMsg<SyncEvents.SyncFinished>();
        return coordinator;
    }

    /// <summary>A singleton coordinator on w1 (holding api:1) and w2, its membership a probe, its refusals and summaries on another.</summary>
    private (IActorRef Coordinator, TestProbe Membership, TestProbe Events) StartSingleton()
    {
        Nodes.Node("w1", "api:1");
        var membership = CreateTestProbe();
        ActorRegistry.For(Sys).Register<ReplicaMembership>(membership);
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events, typeof(SyncEvents.SyncRefused));
        Sys.EventStream.Subscribe(events, typeof(SyncEvents.SyncFinished));
        var setup = new ReloadableSetup(new SyncSetup(TestData.Simulated("", "w1", "w2"), Nodes));
        return (Sys.ActorOf(SyncCoordinator.Props(setup, new OpenGate(), TimeProvider.System, asSingleton: true)), membership, events);
    }
}
