using Akka.Actor;
using ImageSync.Actors;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Nodes.Simulated;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

/// <summary>
/// Every fault rule of the simulated fleet, first on the actor that meets it, then in a whole run in
/// virtual time: whatever a node does, the run ends, each planned pull gets exactly one outcome, the day
/// files agree with the summary, and the others still sync.
/// </summary>
public sealed class SimulatedFaultSpecs : VirtualTimeTestKit
{
    private const string Timeouts = """
        ssh { connect-timeout = 2s, command-timeout = 2s }
        pull { timeout = 2s, kill-after = 1s, watchdog-grace = 1s, max-parallel = 4, max-per-node = 2, retries = 0 }
        """;

    // pull.timeout + kill-after + watchdog-grace
    private static readonly TimeSpan PullWatchdog = TimeSpan.FromSeconds(4);

    public static TheoryData<string, string> NodeFaults => new()
    {
        { "faults.connect = refused", "connection refused by" },
        { "faults.connect = auth-rejected", "authentication failed for user 'root'" },
        { "faults.connect = host-key-mismatch", "has CHANGED: expected SHA256:" },
        { "faults.connect = hang", "no answer within 11s" },
        { "faults.check = hang", "no answer within 11s" },
        { "faults.check = fail", "`echo ok` answered nothing with exit code 255" },
        { "faults.inventory = malformed", "malformed crictl images output: not valid JSON" },
        { "faults.inventory = fail", "`crictl images -o json` exited with code 1" },
        { "faults.inventory = hang", "no answer within 11s" },
        // Both are read at once; the check's failure is the one reported, as when they ran one after the other.
        { "faults { check = fail, inventory = fail }", "`echo ok` answered nothing with exit code 255" },
        { "faults { check = hang, inventory = fail }", "no answer within 11s" },
    };

    public static TheoryData<string, PullResult, string> PullFaults => new()
    {
        { "failing = [\"registry.example.com/team/a:1\"]", PullResult.Failed, "NotFound: failed to pull and unpack image" },
        { "hanging = [\"registry.example.com/team/a:1\"]", PullResult.Timeout, "no answer from the node within 4s (local watchdog)" },
        { "pull-latency = 3s", PullResult.Timeout, "remote timeout: no pull within 2s (exit 124)" },
        { "faults.pull-failure-probability = 1.0", PullResult.Failed, "Unavailable: failed to pull and unpack image" },
        { "faults.pull-fails-first = 1", PullResult.Failed, "Unavailable: failed to pull and unpack image" },
        { "faults.drop-during-pull = on", PullResult.Failed, "connection lost while running `crictl pull`" },
        { "faults.unreachable-after-inventory = on", PullResult.Failed, "connection lost while running `crictl pull`" },
    };

    [Theory]
    [MemberData(nameof(NodeFaults))]
    public void Should_report_the_node_unavailable_with_the_reason_when_it_misbehaves_before_its_pulls(string fault, string reason)
    {
        var (settings, transport) = Fleet($"w1 {{ {fault} }}");
        var watchdog = NodeActor.WatchdogFor(settings.Ssh);

        StartNodeActorWithTurn(NodeActor.Props(settings.Nodes[0], transport, watchdog));

        Assert.Contains(reason, ExpectInVirtualTime<NodeEvents.Unavailable>(this, watchdog + Step).Reason);
    }

    [Theory]
    [MemberData(nameof(PullFaults))]
    public async Task Should_end_the_pull_with_the_outcome_a_real_node_would_give_when_it_misbehaves_during_pulls(string fault, PullResult result, string reason)
    {
        var (settings, transport) = Fleet($"w1 {{ {fault} }}");
        var session = await transport.ConnectAsync(settings.Nodes[0], CancellationToken.None);
        await session.RunAsync(NodeCommand.ListImages.Instance, CancellationToken.None);
        var worker = Sys.ActorOf(PullWorker.Props(TestActor, settings.Pull));
        ExpectMsg<PullWork.RequestWork>();

        worker.Tell(new PullWork.Job(1, TestData.Pull("w1", "a:1"), session));

        var outcome = ExpectInVirtualTime<PullWork.Done>(this, PullWatchdog + Step).Outcome;
        Assert.Equal(result, outcome.Result);
        Assert.Contains(reason, outcome.Reason);
    }

    [Fact]
    public async Task Should_succeed_on_a_later_attempt_when_a_node_fails_only_the_first_pulls()
    {
        var (settings, transport) = Fleet("w1 { faults.pull-fails-first = 1 }");
        var session = await transport.ConnectAsync(settings.Nodes[0], CancellationToken.None);
        var worker = Sys.ActorOf(PullWorker.Props(TestActor, settings.Pull));
        ExpectMsg<PullWork.RequestWork>();

        worker.Tell(new PullWork.Job(1, TestData.Pull("w1", "a:1"), session));
        Assert.Equal(PullResult.Failed, ExpectInVirtualTime<PullWork.Done>(this, PullWatchdog).Outcome.Result);
        ExpectMsg<PullWork.RequestWork>();
        worker.Tell(new PullWork.Job(2, TestData.Pull("w1", "a:1"), session));

        Assert.Equal(PullResult.Success, ExpectInVirtualTime<PullWork.Done>(this, PullWatchdog).Outcome.Result);
    }

    public static TheoryData<string, bool> RunFaults()
    {
        var data = new TheoryData<string, bool>();
        foreach (var row in NodeFaults) data.Add((string)row[0], false);
        foreach (var row in PullFaults) data.Add((string)row[0], true);
        return data;
    }

    [Theory]
    [MemberData(nameof(RunFaults))]
    public void Should_end_every_planned_pull_once_and_sync_the_other_nodes_when_one_node_has_a_fault(string fault, bool reachable)
    {
        var (settings, transport) = Fleet($$"""
            w1 { images = [ { ref = "registry.example.com/team/a:1" }, { ref = "registry.example.com/team/b:1" } ] }
            w3 { {{fault}}, images = [ { ref = "registry.example.com/team/c:1" } ] }
            """);
        using var recorded = new RecordedRun(this);

        var summary = RunSync(settings, transport, TimeSpan.FromMinutes(2));

        recorded.AssertInvariants(summary);
        Assert.Equal(reachable, summary.Nodes.Single(n => n.Node.Value == "w3").Reachable);
        Assert.True(summary.HasFailures);
        var w2 = summary.Outcomes.Where(o => o.Pull.Node.Value == "w2").ToList();
        Assert.Equal(reachable ? 3 : 2, w2.Count);
        Assert.All(w2, o => Assert.True(o.IsSuccess, $"{o.Pull}: {o.Reason}"));
    }

    private (ImageSyncSettings Settings, SimulatedTransport Transport) Fleet(string nodes)
    {
        var settings = TestData.Simulated(Timeouts + $"\nsimulated {{ pull-latency = 100ms, nodes {{ {nodes} }} }}");
        var fleet = new SimulatedFleet(settings.Simulated, settings.Nodes.Select(n => n.Name), new SchedulerTimeProvider(Scheduler));
        return (settings, new SimulatedTransport(fleet));
    }
}
