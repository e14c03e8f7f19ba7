using System.Text.Json;
using ImageSync.Domain;
using ImageSync.Reporting;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Cli;

public sealed class JsonReportSpecs
{
    [Fact]
    public void Should_write_a_document_that_parses_back_with_every_field()
    {
        var w1 = new NodeSpec(NodeName.Parse("w1"), "10.0.0.1", 22, "root");
        var w2 = new NodeSpec(NodeName.Parse("w2"), "10.0.0.2", 22, "root");
        var pull = new PlannedPull(w2.Name, TestData.Image("a:1"), 1234, [w1.Name]);
        var outcome = new PullOutcome(pull, PullResult.Timeout, "remote timeout: no pull within 10m (exit 124)", TimeSpan.FromSeconds(600.5), 3);
        var summary = new SyncSummary(SyncMode.Run, new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero), TimeSpan.FromSeconds(601),
            [NodeStatus.Ready(w1.Name, 1, ["bad;ref"]), NodeStatus.Ready(w2.Name, 0, [])], new SyncPlan([pull]), [outcome], false);
        using var buffer = new MemoryStream();

        JsonReport.Write(buffer, summary, [w1, w2], 3);

        using var document = JsonDocument.Parse(buffer.ToArray());
        var root = document.RootElement;
        Assert.Equal(("schemaVersion", 1), (root.EnumerateObject().First().Name, root.GetProperty("schemaVersion").GetInt32()));
        Assert.Equal("2026-11-26T12:00:00+00:00", root.GetProperty("startedAt").GetString());
        Assert.Equal(601, root.GetProperty("durationSeconds").GetDouble());
        Assert.Equal(1234, root.GetProperty("totals").GetProperty("plannedBytes").GetInt64());
        Assert.Equal(1, root.GetProperty("totals").GetProperty("timedOut").GetInt32());
        Assert.Equal("bad;ref", root.GetProperty("nodes")[0].GetProperty("rejectedReferences")[0].GetString());
        Assert.Equal("w1", root.GetProperty("plan")[0].GetProperty("sources")[0].GetString());
        var written = root.GetProperty("outcomes")[0];
        Assert.Equal(("TIMEOUT", "transient", 3, 600.5), (written.GetProperty("result").GetString(), written.GetProperty("kind").GetString(),
            written.GetProperty("attempts").GetInt32(), written.GetProperty("durationSeconds").GetDouble()));
    }

    [Fact]
    public void Should_write_each_nodes_facts_and_the_reason_of_a_skipped_pull()
    {
        var w1 = new NodeSpec(NodeName.Parse("w1"), "10.0.0.1", 22, "root");
        var w2 = new NodeSpec(NodeName.Parse("w2"), "10.0.0.2", 22, "root");
        var pull = new PlannedPull(w2.Name, TestData.Image("a:1"), 1234, [w1.Name]);
        var facts = new NodeFacts(new Platform("linux", "arm64"), new ImageFilesystem("/var/lib/containerd/x", "/var/lib/containerd", 1000, 700, 250), []);
        var plan = new SyncPlan([pull]) { Skips = [new SkippedPull(pull, "disk: would reach 83 % of /var/lib/containerd (limit 80 %)")] };
        var summary = new SyncSummary(SyncMode.Plan, new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero), TimeSpan.FromSeconds(1),
            [NodeStatus.Ready(w1.Name, 1, [], new NodeFacts(null, null, ["no platform: `uname -sm` printed ''"])), NodeStatus.Ready(w2.Name, 0, [], facts)], plan, [], false);
        using var buffer = new MemoryStream();

        JsonReport.Write(buffer, summary, [w1, w2], 0);

        using var document = JsonDocument.Parse(buffer.ToArray());
        var nodes = document.RootElement.GetProperty("nodes");
        Assert.Equal(JsonValueKind.Null, nodes[0].GetProperty("facts").GetProperty("platform").ValueKind);
        Assert.Equal("no platform: `uname -sm` printed ''", nodes[0].GetProperty("facts").GetProperty("missing")[0].GetString());
        var imageFs = nodes[1].GetProperty("facts").GetProperty("imageFs");
        Assert.Equal(("linux/arm64", "/var/lib/containerd", 1000L, 250L, 75.0), (nodes[1].GetProperty("facts").GetProperty("platform").GetString(),
            imageFs.GetProperty("mountedOn").GetString(), imageFs.GetProperty("sizeBytes").GetInt64(), imageFs.GetProperty("availableBytes").GetInt64(),
            imageFs.GetProperty("usagePercent").GetDouble()));
        Assert.Equal("disk: would reach 83 % of /var/lib/containerd (limit 80 %)", document.RootElement.GetProperty("plan")[0].GetProperty("skip").GetString());
    }

    [Fact]
    public void Should_count_the_pulls_held_back_in_the_totals_and_per_node_and_list_each_with_its_time()
    {
        var w1 = new NodeSpec(NodeName.Parse("w1"), "10.0.0.1", 22, "root");
        var until = new DateTimeOffset(2026, 12, 2, 21, 40, 0, TimeSpan.Zero);
        var plan = new SyncPlan([]) { HeldBack = [new HeldBackPull(TestData.Pull("w1", "a:1", 1234), until)] };
        var summary = new SyncSummary(SyncMode.Run, until.AddHours(-6), TimeSpan.FromSeconds(1), [NodeStatus.Ready(w1.Name, 0, [])], plan, [], false);
        using var buffer = new MemoryStream();

        JsonReport.Write(buffer, summary, [w1], 0);

        using var document = JsonDocument.Parse(buffer.ToArray());
        var root = document.RootElement;
        Assert.Equal((1, 1), (root.GetProperty("totals").GetProperty("heldBack").GetInt32(), root.GetProperty("nodes")[0].GetProperty("heldBack").GetInt32()));
        var held = Assert.Single(root.GetProperty("heldBack").EnumerateArray());
        Assert.Equal(("w1", "registry.example.com/team/a:1", 1234L, "removed since image-sync pulled it", "2026-12-02T21:40:00+00:00"),
            (held.GetProperty("node").GetString(), held.GetProperty("image").GetString(), held.GetProperty("sizeBytes").GetInt64(),
                held.GetProperty("reason").GetString(), held.GetProperty("notBefore").GetString()));
        Assert.Equal(0, root.GetProperty("totals").GetProperty("planned").GetInt32());
    }

    [Fact]
    public void Should_list_every_source_of_a_pull_that_the_plan_table_shortens()
    {
        var sources = Enumerable.Range(1, 999).Select(i => NodeName.Parse($"w{i:D5}")).ToList();
        var pull = new PlannedPull(NodeName.Parse("w01000"), TestData.Image("a:1"), 1, sources);
        var summary = new SyncSummary(SyncMode.Plan, DateTimeOffset.UnixEpoch, TimeSpan.Zero, [], new SyncPlan([pull]), [], false);
        using var buffer = new MemoryStream();

        JsonReport.Write(buffer, summary, [], 0);

        using var document = JsonDocument.Parse(buffer.ToArray());
        Assert.Equal(sources.Select(s => s.Value), document.RootElement.GetProperty("plan")[0].GetProperty("sources").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public void Should_write_the_problems_when_nothing_was_done()
    {
        using var buffer = new MemoryStream();

        JsonReport.WriteError(buffer, "run", 2, "invalid configuration", ["image-sync.pull.timeout: '600' is not a duration"]);

        using var document = JsonDocument.Parse(buffer.ToArray());
        Assert.Equal(1, document.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(2, document.RootElement.GetProperty("exitCode").GetInt32());
        Assert.Equal("image-sync.pull.timeout: '600' is not a duration", document.RootElement.GetProperty("problems")[0].GetString());
    }
}
