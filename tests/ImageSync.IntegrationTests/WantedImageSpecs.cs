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
