using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit;
using ImageSync.Cluster;
using ImageSync.Actors;
using ImageSync.Daemon;
using ImageSync.Domain;
using ImageSync.Locking;
using ImageSync.Nodes;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

public sealed class SyncCoordinatorSpecs : VirtualTimeTestKit
{
    private readonly ScriptedTransport _nodes = new();

    [Fact]
    public void Should_refuse_a_second_start_when_a_sync_is_running_and_accept_one_after_it_ends()
    {
        _nodes.Node("w1", "api:1");
        var w2 = _nodes.Node("w2");
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
    public void Should_report_an_unreachable_node_and_sync_the_reachable_ones_among_themselves()
    {
        var w1 = _nodes.Node("w1", "api:1");
        var w2 = _nodes.Node("w2", "web:1");
        _nodes.Refusing("w3", "connection refused by 10.0.0.13:22 (is sshd running?)");
        var coordinator = StartCoordinator("w1", "w2", "w3");

        coordinator.Tell(new SyncCommands.StartSync("cron"));

        var summary = ExpectMsg<SyncEvents.SyncFinished>().Summary;
        var w3 = summary.Nodes.Single(n => n.Node.Value == "w3");
        Assert.Equal("connection refused by 10.0.0.13:22 (is sshd running?)", w3.Reason);
        Assert.Equal(["w1 registry.example.com/team/web:1", "w2 registry.example.com/team/api:1"], summary.Outcomes.Select(o => o.Pull.ToString()).Order());
        Assert.All(summary.Outcomes, o => Assert.Equal(PullResult.Success, o.Result));
        Assert.Equal(2, w1.Inventory.Count + w2.Inventory.Count - 2);
        Assert.True(summary.HasFailures);
    }

    [Fact]
    public void Should_give_up_on_a_node_that_never_answers_and_sync_the_others()
    {
        _nodes.Node("w1", "api:1");
        _nodes.Node("w2");
        _nodes.Hanging("w3");
        var coordinator = StartCoordinator("w1", "w2", "w3");
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events, typeof(SyncEvents.NodeChecked));

        coordinator.Tell(new SyncCommands.StartSync("cron"));
        events.ExpectMsg<SyncEvents.NodeChecked>();
        events.ExpectMsg<SyncEvents.NodeChecked>();
        Sys.ActorSelection("/user/coordinator/run-1/nodes/node-w3").Tell(new Identify(null));
        ExpectMsg<ActorIdentity>(id => id.Subject is not null);
        Scheduler.Advance(NodeActor.WatchdogFor(TestData.Simulated().Ssh));

        var summary = ExpectMsg<SyncEvents.SyncFinished>().Summary;
        Assert.StartsWith("no answer within", summary.Nodes.Single(n => n.Node.Value == "w3").Reason);
        Assert.Equal("w2 registry.example.com/team/api:1", Assert.Single(summary.Outcomes).Pull.ToString());
    }

    [Fact]
    public void Should_publish_the_run_in_order_from_start_to_summary()
    {
        _nodes.Node("w1", "api:1");
        _nodes.Node("w2");
        var coordinator = StartCoordinator("w1", "w2");
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events, typeof(SyncEvents.ISyncEvent));

        coordinator.Tell(new SyncCommands.StartSync("cron"));

        events.ExpectMsg<SyncEvents.SyncStarted>(s => s.Reason == "cron" && s.Nodes.Count == 2);
        events.ExpectMsg<SyncEvents.NodeChecked>();
        events.ExpectMsg<SyncEvents.NodeChecked>();
        events.ExpectMsg<SyncEvents.PlanMade>(p => p.Plan.Pulls.Count == 1);
        events.ExpectMsg<SyncEvents.PullStarted>(p => p.Attempt == 1);
        events.ExpectMsg<SyncEvents.PullAttemptEnded>(p => p.Result == PullResult.Success);
        // Held for verification (on by default), and on record as it ended.
        events.ExpectMsg<SyncEvents.PullSucceeded>(p => p.Outcome.IsSuccess);
        events.ExpectMsg<SyncEvents.PullFinished>(p => p.Outcome.IsSuccess && p.AfterSucceeded);
        events.ExpectMsg<SyncEvents.SyncFinished>();
    }

    [Fact]
    public void Should_finish_as_interrupted_when_stopped_while_nodes_are_being_read()
    {
        _nodes.Node("w1");
        _nodes.Hanging("w2");
        var coordinator = StartCoordinator("w1", "w2");
        coordinator.Tell(new SyncCommands.StartSync("cron"));

        coordinator.Tell(new SyncCommands.StopSync("SIGINT received"));

        var summary = ExpectMsg<SyncEvents.SyncFinished>().Summary;
        Assert.True(summary.Interrupted);
        Assert.Contains(summary.Nodes, n => n.Reason == "not checked: SIGINT received");
    }

    [Fact]
    public void Should_refuse_a_run_when_another_process_holds_the_lock_file_but_still_plan()
    {
        _nodes.Node("w1");
        var coordinator = Sys.ActorOf(TestData.Coordinator(TestData.Simulated("", "w1"), _nodes, new HeldGate()));

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
        _nodes.Node("w1", "api:1");
        var w2 = _nodes.Node("w2");
        w2.Script = _ => null;
        var gate = new OpenGate();
        var coordinator = Sys.ActorOf(TestData.Coordinator(TestData.Simulated("", "w1", "w2"), _nodes, gate));

        coordinator.Tell(new SyncCommands.StartSync("cron"));
        AwaitCondition(() => w2.Started.Count == 1);
        Assert.Equal(1, gate.Inside);
        w2.Release(TestData.Image("api:1"), new PullExit(0, ""));
        ExpectMsg<SyncEvents.SyncFinished>();

        Assert.Equal(0, gate.Inside);
    }

    [Fact]
    public void Should_acknowledge_a_triggered_sync_at_once_and_publish_its_summary()
    {
        _nodes.Node("w1", "api:1");
        _nodes.Node("w2");
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
    public void Should_connect_at_most_max_connecting_nodes_at_once_and_the_others_as_turns_free_up()
    {
        string[] names = ["w1", "w2", "w3", "w4", "w5"];
        foreach (var name in names) _nodes.Node(name, $"{name}-app:1");
        _nodes.HoldConnects();
        var coordinator = Sys.ActorOf(TestData.Coordinator(TestData.Simulated("ssh.max-connecting = 2", names), _nodes));

        coordinator.Tell(new SyncCommands.StartSync("cron"));
        AwaitCondition(() => _nodes.ConnectsInFlight == 2);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(2, _nodes.ConnectAttempts);
        _nodes.LetConnect(1);
        AwaitCondition(() => _nodes.ConnectAttempts == 3);
        _nodes.LetConnect(names.Length);

        var summary = ExpectMsg<SyncEvents.SyncFinished>().Summary;
        Assert.All(summary.Nodes, n => Assert.True(n.Reachable, $"{n.Node}: {n.Reason}"));
        Assert.Equal(2, _nodes.MostConnectsInFlight);
        Assert.Equal(names.Length * (names.Length - 1), summary.Succeeded);
    }

    [Fact]
    public void Should_start_a_sync_as_a_singleton_only_once_a_majority_confirmed_this_replica_is_still_a_member()
    {
        var w2 = _nodes.Node("w2");
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
        _nodes.Node("w2");
        var (coordinator, membership, events) = StartSingleton();
        membership.ExpectMsg<MembershipCommands.ConfirmMembership>();

        var refused = events.ExpectMsg<SyncEvents.SyncRefused>(TimeSpan.FromSeconds(10));
        Assert.Equal((SyncEvents.RefusalKind.NotConfirmed, "no sync started here: this replica's membership did not answer within 5s"), (refused.Kind, refused.Why));
        coordinator.Tell(new SyncCommands.TriggerSync("daemon tick"));
        membership.ExpectMsg<MembershipCommands.ConfirmMembership>();
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

    /// <summary>Four fifths of the daemon.interval of <see cref="SyncTriggeredOnce"/>'s config, 15m.</summary>
    private static readonly TimeSpan Spacing = TimeSpan.FromMinutes(12);

    /// <summary>A coordinator on the clock, its config's daemon.interval 15m, that has run one triggered sync to its end.</summary>
    private IActorRef SyncTriggeredOnce(TimeProvider clock)
    {
        _nodes.Node("w1");
        _nodes.Node("w2");
        var coordinator = Sys.ActorOf(SyncCoordinator.Props(new ReloadableSetup(new SyncSetup(TestData.Simulated("daemon.interval = 15m", "w1", "w2"), _nodes)), new OpenGate(), clock));
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events, typeof(SyncEvents.SyncFinished));
        coordinator.Tell(new SyncCommands.TriggerSync("first"));
        ExpectMsg<SyncEvents.SyncAccepted>();
        events.ExpectMsg<SyncEvents.SyncFinished>();
        return coordinator;
    }

    private sealed class HeldGate : IRunGate
    {
        public IDisposable? TryEnter(string lockFile) => null;
    }

    /// <summary>A singleton coordinator on w1 (holding api:1) and w2, its membership a probe, its refusals and summaries on another.</summary>
    private (IActorRef Coordinator, TestProbe Membership, TestProbe Events) StartSingleton()
    {
        _nodes.Node("w1", "api:1");
        var membership = CreateTestProbe();
        ActorRegistry.For(Sys).Register<ReplicaMembership>(membership);
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events, typeof(SyncEvents.SyncRefused));
        Sys.EventStream.Subscribe(events, typeof(SyncEvents.SyncFinished));
        var setup = new ReloadableSetup(new SyncSetup(TestData.Simulated("", "w1", "w2"), _nodes));
        return (Sys.ActorOf(SyncCoordinator.Props(setup, new OpenGate(), TimeProvider.System, asSingleton: true)), membership, events);
    }

    /// <summary>A watched coordinator whose sync's one pull, onto w2, never ends.</summary>
    private IActorRef StartWatchedWithAHangingPull()
    {
        _nodes.Node("w1", "api:1");
        var w2 = _nodes.Node("w2");
        w2.Script = _ => null;
        var coordinator = StartCoordinator("w1", "w2");
        Watch(coordinator);
        coordinator.Tell(new SyncCommands.StartSync("cron"));
        AwaitCondition(() => w2.Started.Count == 1);
        return coordinator;
    }

    private IActorRef StartCoordinator(params string[] nodes) =>
        Sys.ActorOf(TestData.Coordinator(TestData.Simulated("", nodes), _nodes), "coordinator");
}
