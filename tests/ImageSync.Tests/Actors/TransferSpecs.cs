using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes.Simulated;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

/// <summary>
/// Node-to-node copies in whole runs on the simulated fleet, in virtual time: when they happen, where they
/// come from, how they fan out, and every way one fails.
/// </summary>
public sealed class TransferSpecs : VirtualTimeTestKit
{
    private const string App = "registry.example.com/team/app:1";
    private const string Lost = "registry.example.com/team/lost:1";

    [Fact]
    public void Should_copy_from_the_holder_what_the_registry_lost_and_pull_the_rest_from_the_registry()
    {
        var (settings, fleet) = Fleet("registry-then-peer",
            $"w1 {{ images = [ {{ ref = \"{App}\", size = 1000 }}, {{ ref = \"{Lost}\", size = 1000 }} ] }}",
            $"w2 {{ failing = [\"{Lost}\"] }}");

        var summary = Run(settings, fleet);

        Assert.Equal(2, summary.Succeeded);
        var copied = Assert.Single(summary.Outcomes, o => o.Copy is not null);
        Assert.Equal((Lost, "w1", 1000L), (copied.Pull.Image.ToString(), copied.Copy!.Source.Value, copied.Copy.Bytes));
        Assert.Equal(fleet.DigestOn(Node("w1"), Image(Lost)), fleet.DigestOn(Node("w2"), Image(Lost)));
        Assert.Equal([(Node("w2"), Image(App)), (Node("w2"), Image(Lost))], fleet.PullsStarted.Order());
    }

    [Fact]
    public void Should_never_ask_the_registry_under_peer_first()
    {
        var (settings, fleet) = Fleet("peer-first", $"w1 {{ images = [ {{ ref = \"{App}\", size = 1000 }} ] }}");

        var summary = Run(settings, fleet);

        Assert.Empty(fleet.PullsStarted);
        Assert.Equal("w1", Assert.Single(summary.Outcomes, o => o.IsSuccess).Copy?.Source.Value);
    }

    [Fact]
    public void Should_fan_out_so_that_nodes_that_received_the_image_serve_the_others()
    {
        var (settings, fleet) = Fleet("peer-first", $"w1 {{ images = [ {{ ref = \"{App}\", size = 104857600 }} ] }}", nodes: 8);

        var summary = Run(settings, fleet);

        Assert.Equal(7, summary.Succeeded);
        Assert.Contains(summary.Outcomes, o => o.Copy!.Source.Value != "w1");
        // 7 copies of 1 s each: one source at a time would take 7 s; doubling sources take about 3.
        Assert.True(summary.Outcomes.Max(o => o.FinishedAfter) < TimeSpan.FromSeconds(5), $"the copies took {summary.Outcomes.Max(o => o.FinishedAfter)}");
    }

    [Fact]
    public void Should_say_a_source_discards_unpacked_layers_and_copy_from_the_next_one_without_trying_it_again()
    {
        var (settings, fleet) = Fleet("peer-first",
            $"w1 {{ images = [ {{ ref = \"{App}\", size = 1000 }}, {{ ref = \"{Lost}\", size = 1000 }} ], faults.discards-unpacked-layers = on }}",
            $"w2 {{ images = [ {{ ref = \"{App}\", size = 1000 }}, {{ ref = \"{Lost}\", size = 1000 }} ] }}", nodes: 3);

        var summary = Run(settings, fleet);

        Assert.Equal(2, summary.Succeeded);
        Assert.All(summary.Outcomes, o => Assert.Equal("w2", o.Copy?.Source.Value));
        // w1 was tried once, for one image: it exports nothing, and is not asked again in that sync.
        Assert.Single(fleet.CopiesStarted, c => c.Source.Value == "w1");
    }

    [Fact]
    public void Should_copy_from_another_source_when_the_first_dies_mid_stream()
    {
        var (settings, fleet) = Fleet("peer-first",
            $"w1 {{ images = [ {{ ref = \"{App}\", size = 1000 }} ], faults.drop-during-pull = on }}",
            $"w2 {{ images = [ {{ ref = \"{App}\", size = 1000 }} ] }}", nodes: 3);

        var summary = Run(settings, fleet);

        var outcome = Assert.Single(summary.Outcomes);
        Assert.Equal((PullResult.Success, "w2"), (outcome.Result, outcome.Copy?.Source.Value));
        Assert.Equal(["w1", "w2"], fleet.CopiesStarted.Select(c => c.Source.Value));
    }

    [Fact]
    public void Should_fail_with_both_reasons_when_no_node_can_copy_what_the_registry_lost()
    {
        var (settings, fleet) = Fleet("registry-then-peer",
            $"w1 {{ images = [ {{ ref = \"{Lost}\", size = 1000 }} ], faults.no-ctr = on }}",
            $"w2 {{ failing = [\"{Lost}\"] }}");

        var summary = Run(settings, fleet);

        var failed = Assert.Single(summary.Outcomes);
        Assert.Equal(PullResult.Failed, failed.Result);
        Assert.StartsWith("NotFound: failed to pull and unpack image", failed.Reason);
        Assert.Contains("copy failed: export on w1: w1 has no ctr", failed.Reason);
        Assert.Empty(fleet.ImagesOn(Node("w2")));
    }

    [Fact]
    public void Should_report_a_copy_to_a_node_that_died_like_a_pull_on_a_dead_node()
    {
        var (settings, fleet) = Fleet("peer-first",
            $"w1 {{ images = [ {{ ref = \"{App}\", size = 1000 }} ] }}",
            "w2 { faults.unreachable-after-inventory = on }");

        var summary = Run(settings, fleet);

        var failed = Assert.Single(summary.Outcomes);
        Assert.Equal(FailureKind.Node, failed.Kind);
        Assert.Contains(PullFailure.ConnectionLost, failed.Reason);
    }

    private SyncSummary Run(ImageSyncSettings settings, SimulatedFleet fleet)
    {
        using var recorded = new RecordedRun(this);
        var summary = RunSync(settings, new SimulatedTransport(fleet), TimeSpan.FromMinutes(2));
        recorded.AssertInvariants(summary);
        return summary;
    }

    private (ImageSyncSettings Settings, SimulatedFleet Fleet) Fleet(string mode, string w1, string w2 = "", int nodes = 2)
    {
        var names = Enumerable.Range(1, nodes).Select(i => $"w{i}").ToArray();
        var settings = TestData.Simulated($$"""
            pull { retries = 0, max-parallel = 8, max-per-node = 2 }
            transfer { mode = {{mode}}, max-per-source = 2 }
            simulated { pull-latency = 100ms, transfer-rate = 100MiB, nodes { {{w1}}
            {{w2}} } }
            """, names);
        return (settings, new SimulatedFleet(settings.Simulated, settings.Nodes.Select(n => n.Name), new SchedulerTimeProvider(Scheduler)));
    }

    private static NodeName Node(string name) => NodeName.Parse(name);

    private static ImageRef Image(string reference) => ImageRef.Parse(reference);
}
