using CsCheck;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes.Simulated;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

/// <summary>
/// Random fleets (2-20 nodes, random inventories, random faults and limits) synced in virtual time: the
/// invariants of every run, and those of the plan, hold whatever the fleet.
/// </summary>
public sealed class RandomFleetProperties : VirtualTimeTestKit
{
    public enum Fault
    {
        ConnectRefused,
        ConnectHang,
        AuthRejected,
        HostKeyMismatch,
        CheckHang,
        CheckFail,
        InventoryMalformed,
        InventoryFail,
        InventoryHang,
        PullFails,
        PullHangs,
        PullSlowerThanTimeout,
        Flaky,
        FailsFirst,
        DropDuringPull,
        UnreachableAfterInventory,
        None,
    }

    public sealed record NodeCase(int Images, Fault Fault, int LatencyTenths);

    public sealed record FleetCase(int MaxParallel, int MaxPerNode, NodeCase[] Nodes)
    {
        public bool FaultFree => Nodes.All(n => n.Fault == Fault.None);

        public override string ToString() =>
            $"max-parallel {MaxParallel}, max-per-node {MaxPerNode}, nodes [{string.Join(", ", Nodes.Select(n => $"{n.Images:b6}/{n.Fault}/{n.LatencyTenths}"))}]";
    }

    private static readonly ImageRef[] Pool =
    [
        .. Enumerable.Range(0, 5).Select(i => ImageRef.Parse($"registry.example.com/team/app{i}:1")),
        ImageRef.Parse("docker.io/library/busybox:1.36"),
    ];

    private static readonly Fault[] NodeFaults = [Fault.ConnectRefused, Fault.ConnectHang, Fault.AuthRejected, Fault.HostKeyMismatch,
        Fault.CheckHang, Fault.CheckFail, Fault.InventoryMalformed, Fault.InventoryFail, Fault.InventoryHang];

    // Some fleets have no fault at all; in the others about a third of the nodes misbehave.
    private static readonly Gen<FleetCase> Fleets =
        Gen.Select(Gen.Int[1, 8], Gen.Int[1, 3], Gen.Bool, Gen.Int[2, 20])
            .SelectMany(t => Gen.Select(Gen.Int[0, 63], Gen.Int[0, 2 * (int)Fault.None], Gen.Int[0, 5])
                .Select((images, fault, latency) => new NodeCase(images, t.Item3 || fault >= (int)Fault.None ? Fault.None : (Fault)fault, latency))
                .Array[t.Item4]
                .Select(nodes => new FleetCase(t.Item1, t.Item2, nodes)));

    [Fact]
    public void Should_hold_the_run_and_plan_invariants_for_random_fleets_with_random_faults()
    {
        Fleets.Sample(Check, iter: 40, threads: 1);
    }

    private void Check(FleetCase fleetCase)
    {
        var names = fleetCase.Nodes.Select((_, i) => $"n{i}").ToArray();
        var settings = TestData.Simulated($$"""
            ssh { connect-timeout = 2s, command-timeout = 2s }
            pull { timeout = 10s, kill-after = 1s, watchdog-grace = 1s, max-parallel = {{fleetCase.MaxParallel}}, max-per-node = {{fleetCase.MaxPerNode}}, retries = 2, retry-backoff = 1s }
            """, names) with { Simulated = new SimulatedFleetSettings(Simulated(fleetCase, names), Seed: 7) };
        var fleet = new SimulatedFleet(settings.Simulated, settings.Nodes.Select(n => n.Name), new SchedulerTimeProvider(Scheduler));
        var before = settings.Nodes.ToDictionary(n => n.Name, n => fleet.ImagesOn(n.Name).ToHashSet());
        using var recorded = new RecordedRun(this);

        var summary = RunSync(settings, new SimulatedTransport(fleet), TimeSpan.FromMinutes(10));

        var plan = recorded.AssertInvariants(summary);
        for (var i = 0; i < names.Length; i++)
            Assert.Equal(!NodeFaults.Contains(fleetCase.Nodes[i].Fault), summary.Nodes[i].Reachable);

        // Every pull sent was planned, none more often than its retries allow: no node is asked for an image it has.
        var planned = plan.Pulls.Select(p => (p.Node, p.Image)).ToHashSet();
        Assert.All(fleet.PullsStarted, p => Assert.Contains(p, planned));
        Assert.All(fleet.PullsStarted.GroupBy(p => p), sent => Assert.True(sent.Count() <= settings.Pull.Retries + 1, $"{sent.Key} sent {sent.Count()} times"));
        // A node whose connection is gone is not even reached, so it may have seen fewer pulls than were attempted.
        Assert.All(summary.Outcomes, o => Assert.True(fleet.PullsStarted.Count(p => p == (o.Pull.Node, o.Pull.Image)) <= o.Attempts, $"{o.Pull}: more pulls sent than attempts counted"));
        Assert.All(fleet.PullsStarted, p => Assert.DoesNotContain(p.Image, before[p.Node]));

        // The bounds hold, and no pull outlives its timeout plus the watchdog's grace (to within virtual steps).
        Assert.True(fleet.MaxConcurrentPulls <= fleetCase.MaxParallel, $"{fleet.MaxConcurrentPulls} pulls ran at once");
        Assert.All(settings.Nodes, n => Assert.True(fleet.MaxConcurrentPullsOn(n.Name) <= fleetCase.MaxPerNode));
        Assert.All(summary.Outcomes, o => Assert.True(o.Duration <= settings.Pull.Watchdog + 2 * Step, $"{o.Pull} took {o.Duration}"));

        if (fleetCase.FaultFree)
        {
            var matching = before.Values.SelectMany(i => i).Where(settings.Images.Filter.Matches).ToHashSet();
            Assert.All(settings.Nodes, n => Assert.Superset(matching, fleet.ImagesOn(n.Name).ToHashSet()));
            Assert.False(summary.HasFailures);
        }
    }

    private static Dictionary<NodeName, SimulatedNodeSettings> Simulated(FleetCase fleetCase, string[] names) =>
        fleetCase.Nodes.Select((node, i) =>
        {
            var images = Pool.Where((_, bit) => (node.Images & (1 << bit)) != 0).Select(i => new SimulatedImage(i, 1000 + i.ToString().Length, null)).ToList();
            var latency = node.Fault == Fault.PullSlowerThanTimeout ? TimeSpan.FromSeconds(11) : TimeSpan.FromMilliseconds(100 * node.LatencyTenths);
            var someImages = Pool.Where((_, bit) => bit % 2 == i % 2).ToList();
            return (Name: NodeName.Parse(names[i]), Settings: new SimulatedNodeSettings(
                images,
                latency,
                node.Fault == Fault.PullFails ? someImages : [],
                node.Fault == Fault.PullHangs ? someImages : [],
                FaultsOf(node.Fault)));
        }).ToDictionary(n => n.Name, n => n.Settings);

    private static SimulatedFaults FaultsOf(Fault fault) => fault switch
    {
        Fault.ConnectRefused => new(Connect: ConnectFault.Refused),
        Fault.ConnectHang => new(Connect: ConnectFault.Hang),
        Fault.AuthRejected => new(Connect: ConnectFault.AuthRejected),
        Fault.HostKeyMismatch => new(Connect: ConnectFault.HostKeyMismatch),
        Fault.CheckHang => new(Check: CheckFault.Hang),
        Fault.CheckFail => new(Check: CheckFault.Fail),
        Fault.InventoryMalformed => new(Inventory: InventoryFault.Malformed),
        Fault.InventoryFail => new(Inventory: InventoryFault.Fail),
        Fault.InventoryHang => new(Inventory: InventoryFault.Hang),
        Fault.Flaky => new(PullFailureProbability: 0.5),
        Fault.FailsFirst => new(PullFailsFirst: 1),
        Fault.DropDuringPull => new(DropDuringPull: true),
        Fault.UnreachableAfterInventory => new(UnreachableAfterInventory: true),
        _ => SimulatedFaults.None,
    };
}
