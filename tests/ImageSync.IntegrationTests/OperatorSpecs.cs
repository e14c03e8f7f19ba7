using System.Text.Json;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>plan, --json, --quiet and drift reports, over real sshd nodes.</summary>
public sealed class OperatorSpecs : IDisposable
{
    private const string Api = TestFleet.Prefix + "api:1";
    private const string Web = TestFleet.Prefix + "web:1";

    private readonly TestFleet _fleet = new(nodes: 3);

    [Fact]
    public void Should_show_the_plan_and_change_nothing_on_the_nodes()
    {
        _fleet.Serving(Api, Web);
        _fleet[1].Holding(Api, Web);
        _fleet[2].Holding(Api);
        _fleet.Start();

        var plan = _fleet.Run("plan", "--config", _fleet.ConfigFile);

        Assert.True(plan.ExitCode == 0, plan.Output);
        Assert.Contains("3 pulls", plan.Stdout);
        Assert.Contains(Web, plan.Stdout);
        Assert.All(_fleet.Nodes, n => Assert.Equal(["images -o json"], n.ImageCalls));
        Assert.Equal([Api], _fleet[2].Images);
        Assert.Empty(_fleet[3].Images);
        Assert.False(Directory.Exists(_fleet.LogDir), "plan wrote day files");
    }

    [Fact]
    public void Should_plan_for_the_reachable_nodes_and_exit_3_when_one_is_unreachable()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet.Start();
        _fleet[3].Dispose();

        var plan = _fleet.Run("plan", "--config", _fleet.ConfigFile, "--json");

        Assert.True(plan.ExitCode == 3, plan.Output);
        using var report = plan.JsonReport();
        var planned = Assert.Single(report.RootElement.GetProperty("plan").EnumerateArray());
        Assert.Equal(("node-2", Api), (planned.GetProperty("node").GetString(), planned.GetProperty("image").GetString()));
        Assert.Equal(1, report.RootElement.GetProperty("totals").GetProperty("unreachable").GetInt32());
        Assert.Empty(_fleet[2].Images);
    }

    [Fact]
    public void Should_report_every_run_field_in_one_json_document_and_nothing_else_on_stdout()
    {
        _fleet.Serving(Api, Web);
        _fleet[1].Holding(Api, Web);
        _fleet[2].Failing(Web);
        _fleet.Start();
        _fleet[3].Dispose();
        var run = _fleet.Run("run", "--config", _fleet.ConfigFile, "--json");

        Assert.Equal(3, run.ExitCode);
        using var report = run.JsonReport();
        var root = report.RootElement;
        Assert.Equal("run", root.GetProperty("command").GetString());
        Assert.Equal(3, root.GetProperty("exitCode").GetInt32());
        Assert.False(root.GetProperty("interrupted").GetBoolean());
        var totals = root.GetProperty("totals");
        Assert.Equal((3, 2, 1, 2, 1, 1, 0, 0), (
            totals.GetProperty("nodes").GetInt32(), totals.GetProperty("reachable").GetInt32(), totals.GetProperty("unreachable").GetInt32(),
            totals.GetProperty("planned").GetInt32(), totals.GetProperty("succeeded").GetInt32(), totals.GetProperty("failed").GetInt32(),
            totals.GetProperty("timedOut").GetInt32(), totals.GetProperty("skipped").GetInt32()));
        var nodes = root.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("name").GetString()!);
        Assert.True(nodes["node-1"].GetProperty("reachable").GetBoolean());
        Assert.Equal("connect", nodes["node-3"].GetProperty("failedAt").GetString());
        Assert.StartsWith("connection refused by 127.0.0.1:", nodes["node-3"].GetProperty("reason").GetString());
        Assert.Equal("failed", nodes["node-3"].GetProperty("checks").GetProperty("connect").GetString());
        Assert.Equal(_fleet[2].Port, nodes["node-2"].GetProperty("port").GetInt32());
        var plan = root.GetProperty("plan").EnumerateArray().Select(p => (p.GetProperty("node").GetString(), p.GetProperty("image").GetString())).ToList();
        Assert.Equal([("node-2", Api), ("node-2", Web)], plan);
        var outcomes = root.GetProperty("outcomes").EnumerateArray().ToList();
        Assert.Equal("SUCCESS", outcomes[0].GetProperty("result").GetString());
        Assert.Equal(JsonValueKind.Null, outcomes[0].GetProperty("reason").ValueKind);
        var outcome = outcomes[1];
        Assert.Equal(("node-2", Web, "FAILED", "permanent", 1), (outcome.GetProperty("node").GetString(), outcome.GetProperty("image").GetString(),
            outcome.GetProperty("result").GetString(), outcome.GetProperty("kind").GetString(), outcome.GetProperty("attempts").GetInt32()));
        Assert.StartsWith("NotFound: ", outcome.GetProperty("reason").GetString());
        Assert.True(outcome.GetProperty("durationSeconds").GetDouble() > 0);
        Assert.Empty(root.GetProperty("drift").EnumerateArray());
    }

    [Fact]
    public void Should_print_nothing_at_all_when_a_quiet_run_ends_in_sync_and_the_summary_on_stderr_when_it_does_not()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api, Web);
        _fleet.Start();

        var failing = _fleet.Run("run", "--config", _fleet.ConfigFile, "--quiet");
        _fleet.Serving(Web);
        var pulled = _fleet.Run("run", "--config", _fleet.ConfigFile, "--quiet");
        var inSync = _fleet.Run("run", "--config", _fleet.ConfigFile, "--quiet");
        var plain = _fleet.Run("run", "--config", _fleet.ConfigFile);

        Assert.Equal(3, failing.ExitCode);
        Assert.Equal("", failing.Stdout);
        Assert.Contains("2 succeeded, 1 failed", failing.Stderr);
        Assert.Contains(Web, failing.Stderr);
        Assert.DoesNotContain("SYNC STARTED", failing.Stderr);
        Assert.True(pulled.ExitCode == 0, pulled.Output);
        Assert.Equal([Api, Web], _fleet[3].Images.Order());
        Assert.Equal(("", ""), (pulled.Stdout, pulled.Stderr));
        Assert.Equal((0, "", ""), (inSync.ExitCode, inSync.Stdout, inSync.Stderr));
        Assert.Contains("INF SYNC STARTED: 3 nodes", plain.Stdout);
        Assert.Contains("summary", plain.Stdout);
    }

    [Fact]
    public void Should_report_a_tag_that_points_to_different_images_on_three_nodes()
    {
        _fleet[1].HoldingWithDigest(Api, 'a');
        _fleet[2].HoldingWithDigest(Api, 'b');
        _fleet[3].HoldingWithDigest(Api, 'a');
        _fleet.Start();

        var plan = _fleet.Run("plan", "--config", _fleet.ConfigFile, "--json");
        var run = _fleet.Run();
        var json = _fleet.Run("run", "--config", _fleet.ConfigFile, "--json");

        Assert.Equal(0, plan.ExitCode);
        using var report = plan.JsonReport();
        var drift = Assert.Single(report.RootElement.GetProperty("drift").EnumerateArray());
        Assert.Equal(Api, drift.GetProperty("image").GetString());
        Assert.Equal("sha256:" + new string('b', 64), drift.GetProperty("digests").GetProperty("node-2").GetString());
        Assert.Equal(3, drift.GetProperty("digests").EnumerateObject().Count());
        Assert.Contains(_fleet.DayFile("image-sync"), l => l.Contains($"[WRN] DRIFT {Api} points to different images on different nodes"));
        Assert.Contains("drift", run.Stdout);
        // Drift is reported, not a failure: no node lacks the tag, so nothing is pulled.
        Assert.Equal((0, 0), (run.ExitCode, json.ExitCode));
        using var runReport = json.JsonReport();
        Assert.Equal(Api, Assert.Single(runReport.RootElement.GetProperty("drift").EnumerateArray()).GetProperty("image").GetString());
        Assert.Equal(1, runReport.RootElement.GetProperty("totals").GetProperty("drifted").GetInt32());
        Assert.All(_fleet.Nodes, n => Assert.DoesNotContain(n.CrictlCalls, c => c.StartsWith("pull")));
    }

    [Theory]
    [InlineData("off", 0)]
    [InlineData("on", 2)]
    public void Should_sync_an_untagged_image_by_digest_only_when_asked(string includeUntagged, int pulls)
    {
        var untagged = TestFleet.Prefix + "old@sha256:" + new string('c', 64);
        _fleet.Serving(untagged);
        _fleet[1].Holding(untagged);
        _fleet.Start($"images.include-untagged = {includeUntagged}");

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal(pulls, _fleet.Nodes.Sum(n => n.CrictlCalls.Count(c => c == $"pull {untagged}")));
        Assert.All(_fleet.Nodes.Skip(1), n => Assert.Equal(pulls > 0, n.Images.Contains(untagged)));
    }

    public void Dispose() => _fleet.Dispose();
}
