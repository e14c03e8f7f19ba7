using Akka.Actor;
using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

/// <summary>One sync from start to summary: nodes read, unreachable or silent ones reported, pulls planned and published in order, connects taken in turns.</summary>
public sealed class SyncCoordinatorSpecs : SyncCoordinatorTestKit
{
    [Fact]
    public void Should_report_an_unreachable_node_and_sync_the_reachable_ones_among_themselves()
    {
        var w1 = Nodes.Node("w1", "api:1");
        var w2 = Nodes.Node("w2", "web:1");
        Nodes.Refusing("w3", "connection refused by 10.0.0.13:22 (is sshd running?)");
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
        Nodes.Node("w1", "api:1");
        Nodes.Node("w2");
        Nodes.Hanging("w3");
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
        Nodes.Node("w1", "api:1");
        Nodes.Node("w2");
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
    public void Should_connect_at_most_max_connecting_nodes_at_once_and_the_others_as_turns_free_up()
    {
        string[] names = ["w1", "w2", "w3", "w4", "w5"];
        foreach (var name in names) Nodes.Node(name, $"{name}-app:1");
        Nodes.HoldConnects();
        var coordinator = Sys.ActorOf(TestData.Coordinator(TestData.Simulated("ssh.max-connecting = 2", names), Nodes));

        coordinator.Tell(new SyncCommands.StartSync("cron"));
        AwaitCondition(() => Nodes.ConnectsInFlight == 2);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(2, Nodes.ConnectAttempts);
        Nodes.LetConnect(1);
        AwaitCondition(() => Nodes.ConnectAttempts == 3);
        Nodes.LetConnect(names.Length);

        var summary = ExpectMsg<SyncEvents.SyncFinished>().Summary;
        Assert.All(summary.Nodes, n => Assert.True(n.Reachable, $"{n.Node}: {n.Reason}"));
        Assert.Equal(2, Nodes.MostConnectsInFlight);
        Assert.Equal(names.Length * (names.Length - 1), summary.Succeeded);
    }
}
