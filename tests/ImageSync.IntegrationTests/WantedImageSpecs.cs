using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>
/// Declared images (images.wanted), runs scoped with --node and --image, plan --exit-code and validate, against
/// real sshd nodes; the stand-in crictl's call log shows what each node was asked to pull.
/// </summary>
public sealed class WantedImageSpecs : IDisposable
{
    private const string Api = TestFleet.Prefix + "api:1";
    private const string Web = TestFleet.Prefix + "web:1";
    private const string Rollout = TestFleet.Prefix + "api:2.0";
    private const string Busybox = "docker.io/library/busybox:1.36";
    private readonly TestFleet _fleet = new(nodes: 3);

    public WantedImageSpecs()
    {
        _fleet.Serving(Api, Web, Rollout, Busybox);
        _fleet[1].Holding(Api, Web);
    }

    [Fact]
    public void Should_pull_a_declared_image_no_node_holds_onto_every_node_and_one_outside_the_prefixes_onto_its_nodes()
    {
        _fleet.Start($$"""images.wanted = [ { ref = "{{Rollout}}" }, { ref = "{{Busybox}}", nodes = [node-2] } ]""");

        var run = _fleet.Run();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.All(_fleet.Nodes, n => Assert.Contains(Rollout, n.Images));
        Assert.Contains(Busybox, _fleet[2].Images);
        Assert.DoesNotContain(Busybox, _fleet[3].Images);
        Assert.Equal(3, _fleet.DayFile("success_images").Count(l => l.Contains(Rollout)));
    }

    /// <summary>Nodes whose ctr is not there, as CRI-O nodes: a pin cannot be set, and a run says so and goes on.</summary>
    [Fact]
    public void Should_say_a_node_without_ctr_cannot_pin_and_end_the_run_in_sync()
    {
        _fleet.Start($$"""
            images.wanted = [ { ref = "{{Api}}", pin = on, nodes = [node-2] } ]
            transfer.ctr = /usr/local/lib/no-such-ctr
            """);

        var run = _fleet.Run("run", "--config", _fleet.ConfigFile, "--json");

        var report = run.JsonReport().RootElement;
        Assert.Equal(0, report.GetProperty("exitCode").GetInt32());
        Assert.Contains(Api, _fleet[2].Images);
        Assert.True(_fleet.DayFile("image-sync").Any(l => l.Contains($"PIN FAILED node-2 {Api}: could not pin it: `image-sync-node pin '{Api}'` exited with code 127: no /usr/local/lib/no-such-ctr (containerd's CLI) on this node")),
            string.Join("\n", _fleet.DayFile("image-sync")));
        var pending = Assert.Single(report.GetProperty("pinsPending").EnumerateArray());
        Assert.Equal(("node-2", "pin"), (pending.GetProperty("node").GetString(), pending.GetProperty("action").GetString()));
    }

    [Fact]
    public void Should_pull_only_the_image_a_run_names_onto_every_node_lacking_it()
    {
        _fleet.Start();

        var run = _fleet.Run("run", "--config", _fleet.ConfigFile, "--image", Rollout);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.All(_fleet.Nodes, n => Assert.Equal([$"pull {Rollout}"], Pulls(n)));
        Assert.DoesNotContain(Api, _fleet[2].Images);
    }

    [Fact]
    public void Should_pull_only_onto_the_node_a_run_names_and_read_the_others_as_sources()
    {
        _fleet.Start();

        var run = _fleet.Run("run", "--config", _fleet.ConfigFile, "--node", "node-3");

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal([Api, Web], _fleet[3].Images);
        Assert.Empty(Pulls(_fleet[2]));
        Assert.Contains("images -o json", _fleet[1].ImageCalls);
    }

    [Fact]
    public void Should_exit_with_its_own_code_from_plan_exit_code_while_pulls_are_pending_and_0_once_in_sync()
    {
        _fleet.Start();

        var pending = _fleet.Run("plan", "--config", _fleet.ConfigFile, "--exit-code");
        var synced = _fleet.Run();
        var inSync = _fleet.Run("plan", "--config", _fleet.ConfigFile, "--exit-code");

        Assert.True(pending.ExitCode == 10, pending.Output);
        Assert.All(_fleet.Nodes.Skip(1), n => Assert.Equal([Api, Web], n.Images));
        Assert.True(synced.ExitCode == 0, synced.Output);
        Assert.True(inSync.ExitCode == 0, inSync.Output);
    }

    [Fact]
    public void Should_validate_a_config_without_contacting_a_node()
    {
        _fleet.Start();
        // The fleet's own start-up probe is each node's one connection so far.
        var before = _fleet.Nodes.Select(n => n.Connections).ToList();

        var valid = _fleet.Run("validate", "--config", _fleet.ConfigFile);
        File.AppendAllText(_fleet.ConfigFile, "\nimage-sync.images.wanted = [ { ref = \"Not A Reference\" } ]\n");
        var invalid = _fleet.Run("validate", "--config", _fleet.ConfigFile);

        Assert.True(valid.ExitCode == 0, valid.Output);
        Assert.Contains("config OK: 3 nodes", valid.Output);
        Assert.Equal(before, _fleet.Nodes.Select(n => n.Connections));
        Assert.True(invalid.ExitCode == 2, invalid.Output);
        Assert.Contains("image-sync.images.wanted[0].ref", invalid.Output);
    }

    private static List<string> Pulls(SshdNode node) => node.ImageCalls.Where(c => c.StartsWith("pull ")).ToList();

    public void Dispose() => _fleet.Dispose();
}
