using ImageSync.Domain;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

/// <summary>Supervision in a whole run: a crash costs at most the work in hand, never a lost or a doubled pull.</summary>
public sealed class SupervisionSpecs : VirtualTimeTestKit
{
    private readonly ScriptedTransport _nodes = new();

    [Fact]
    public void Should_restart_a_crashed_node_actor_and_pull_each_image_once()
    {
        _nodes.Node("w1", "a:1", "b:1");
        var w2 = _nodes.Node("w2");
        _nodes.Crashing("w2", times: 2);
        using var recorded = new RecordedRun(this);
        SyncSummary? summary = null;

        // Each crash is logged as an error with its exception: the CLI routes Akka's log to the run log.
        EventFilter.Exception<InvalidOperationException>(contains: "bug while connecting to w2")
            .Expect(2, () => summary = RunSync(TestData.Simulated("", "w1", "w2"), _nodes, TimeSpan.FromMinutes(1)));

        recorded.AssertInvariants(summary!);
        Assert.True(summary!.Nodes.Single(n => n.Node.Value == "w2").Reachable, summary.Nodes.Single(n => n.Node.Value == "w2").Reason);
        Assert.Equal(2, summary.Succeeded);
        Assert.Equal(["registry.example.com/team/a:1", "registry.example.com/team/b:1"], w2.Started.Select(i => i.ToString()).Order());
    }

    [Fact]
    public void Should_report_the_node_unreachable_when_its_actor_keeps_crashing()
    {
        _nodes.Node("w1", "a:1");
        _nodes.Node("w2");
        _nodes.Node("w3");
        _nodes.Crashing("w3", times: 100);
        using var recorded = new RecordedRun(this);

        var summary = RunSync(TestData.Simulated("", "w1", "w2", "w3"), _nodes, TimeSpan.FromMinutes(1));

        recorded.AssertInvariants(summary);
        Assert.Contains("internal error", summary.Nodes.Single(n => n.Node.Value == "w3").Reason);
        Assert.Equal("w2 registry.example.com/team/a:1", Assert.Single(summary.Outcomes).Pull.ToString());
        Assert.True(summary.Outcomes[0].IsSuccess);
    }

    [Fact]
    public void Should_report_a_crashed_workers_pull_FAILED_once_and_pull_everything_else_once()
    {
        _nodes.Node("w1", "a:1", "b:1", "c:1", "d:1");
        var w2 = _nodes.Node("w2");
        w2.CrashesOn = image => image.Tag == "1" && image.Path.EndsWith("/b");
        using var recorded = new RecordedRun(this);

        var summary = RunSync(TestData.Simulated("pull { max-parallel = 2, max-per-node = 2 }", "w1", "w2"), _nodes, TimeSpan.FromMinutes(1));

        recorded.AssertInvariants(summary);
        var crashed = Assert.Single(summary.Outcomes, o => !o.IsSuccess);
        Assert.Equal(("w2 registry.example.com/team/b:1", PullResult.Failed), (crashed.Pull.ToString(), crashed.Result));
        Assert.Equal(3, w2.Started.Count);
        Assert.Equal(3, w2.Started.Distinct().Count());
    }
}
