using System.Text.RegularExpressions;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>
/// Nodes as they change between two cron runs, on real sshd nodes with the published CLI: a node another machine
/// replaced under its name, and a node from which someone removed what image-sync pulled.
/// </summary>
public sealed class NodeChangeSpecs : IDisposable
{
    private static readonly string[] Images = [$"{TestFleet.Prefix}api:1", $"{TestFleet.Prefix}web:1"];
    private readonly TestFleet _fleet = new TestFleet(2).Serving(Images);

    [Fact]
    public void Should_pull_every_image_onto_a_node_emptied_under_a_new_identity_at_the_next_run()
    {
        _fleet[1].Holding(Images);
        _fleet[2].MachineId(new string('a', 32));
        _fleet.Start();
        Assert.Equal(0, _fleet.Run().ExitCode);
        Assert.Equal(Images, _fleet[2].Images);

        _fleet[2].NewMachine(new string('b', 32));
        var second = _fleet.Run();

        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Equal(Images, _fleet[2].Images);
        Assert.Single(_fleet.DayFile("image-sync"), l => l.Contains("NODE node-2 was replaced (machine-id changed): pull history cleared"));
    }

    [Fact]
    public void Should_hold_back_an_image_removed_from_the_same_node_and_count_it_in_the_summary_the_report_and_the_plan()
    {
        _fleet[1].Holding(Images);
        _fleet.Start();
        Assert.Equal(0, _fleet.Run().ExitCode);

        _fleet[2].Reset([Images[1]]);
        var run = _fleet.Run();
        var report = _fleet.Run("run", "--config", _fleet.ConfigFile, "--json");
        var plan = _fleet.Run("plan", "--config", _fleet.ConfigFile);
        var planJson = _fleet.Run("plan", "--config", _fleet.ConfigFile, "--json", "--exit-code");

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal([Images[1]], _fleet[2].Images);
        Assert.Equal(1, _fleet[2].CrictlCalls.Count(c => c == $"pull {Images[0]}"));
        Assert.True(Regex.IsMatch(run.Stdout, @"0 succeeded, 0 failed, 0 timed out, 0 skipped; 1 held back: removed since image-sync pulled it; not before (\d{4}-\d\d-\d\d )?\d\d:\d\d;"), run.Output);
        var root = report.JsonReport().RootElement;
        Assert.Equal((0, 1), (root.GetProperty("exitCode").GetInt32(), root.GetProperty("totals").GetProperty("heldBack").GetInt32()));
        var held = Assert.Single(root.GetProperty("heldBack").EnumerateArray());
        Assert.Equal(("node-2", Images[0]), (held.GetProperty("node").GetString(), held.GetProperty("image").GetString()));
        Assert.True(held.GetProperty("notBefore").GetDateTimeOffset() > DateTimeOffset.Now.AddHours(5), held.GetRawText());
        Assert.Contains(plan.Stdout.Split('\n'), l => l.Contains(Images[0]) && l.Contains("HELD BACK: removed since image-sync pulled it; not before"));
        Assert.Contains("0 pulls, 0 B in all; 1 held back: removed since image-sync pulled it; not before", plan.Stdout);
        Assert.Equal(0, planJson.ExitCode);
        Assert.Equal(1, planJson.JsonReport().RootElement.GetProperty("totals").GetProperty("heldBack").GetInt32());
    }

    public void Dispose() => _fleet.Dispose();
}
