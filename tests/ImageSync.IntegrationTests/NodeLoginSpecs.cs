using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>
/// What a sync needs from a node's login, against real containerd (one per node; crictl played by
/// tests/fleet/containerd-crictl), a real registry and the published CLI: check, plan, run, the disk guard and a
/// node-to-node copy. The same suite runs twice: through the node helper forced on an unprivileged login
/// (<see cref="NodeHelperLoginSpecs"/>), and in shell programs as root (<see cref="RootShellLoginSpecs"/>).
/// </summary>
public abstract class NodeLoginSpecs(bool throughHelper) : IDisposable
{
    private ContainerdFleet? _nodes;

    private TestFleet Fleet => _nodes!.Fleet;

    private TestRegistry Registry => _nodes!.Registry;

    private IReadOnlyList<Containerd> Containerd => _nodes!.Nodes;

    [Fact]
    public void Should_check_plan_and_sync_every_node()
    {
        Start(nodes: 2, "transfer.mode = registry-only");
        var app = Registry.Push(TestImages.Build(Fleet.Root, "app", 1 << 20), "team/app:1");
        Containerd[0].Require("images", "pull", "--plain-http", app);

        var check = Fleet.Run("check", "--config", Fleet.ConfigFile, "--json");
        var plan = Fleet.Run("plan", "--config", Fleet.ConfigFile, "--json");
        var run = _nodes!.Run();

        Assert.True(check.ExitCode == 0, check.Output);
        var helper = throughHelper ? $"image-sync-node {ImageSync.Nodes.Ssh.NodeHelperScript.Version}" : null;
        Assert.All(check.JsonReport().RootElement.GetProperty("nodes").EnumerateArray(),
            node => Assert.Equal(helper, node.GetProperty("facts").GetProperty("helper").GetString()));
        // Who the node is, read by this login: the machine-id, and the store's directory (containerd's root where the login may not enter further).
        Assert.All(check.JsonReport().RootElement.GetProperty("nodes").EnumerateArray(), node =>
        {
            var identity = node.GetProperty("facts").GetProperty("identity");
            Assert.Equal(File.ReadAllText("/etc/machine-id").Trim(), identity.GetProperty("machineId").GetString());
            Assert.StartsWith(Containerd[node.GetProperty("name").GetString() == "node-1" ? 0 : 1].Root, identity.GetProperty("store").GetProperty("path").GetString());
        });
        Assert.True(plan.ExitCode == 0, plan.Output);
        Assert.Equal("node-2", Assert.Single(plan.JsonReport().RootElement.GetProperty("plan").EnumerateArray()).GetProperty("node").GetString());
        Assert.Equal(0, run.GetProperty("exitCode").GetInt32());
        Assert.Equal(Containerd[0].Images()[app], Containerd[1].Images()[app]);
    }

    [Fact]
    public void Should_copy_an_image_side_loaded_on_one_node_to_the_other()
    {
        Start(nodes: 2, "transfer.mode = peer-first");
        var app = _nodes!.SideLoad(TestImages.Build(Fleet.Root, "app", 2 << 20), "team/app:1", 0);

        var run = _nodes.Run();

        Assert.Equal(0, run.GetProperty("exitCode").GetInt32());
        var outcome = Assert.Single(run.GetProperty("outcomes").EnumerateArray());
        Assert.Equal(("SUCCESS", "transfer"), (outcome.GetProperty("result").GetString(), outcome.GetProperty("via").GetString()));
        Assert.Equal(Containerd[0].Images()[app], Containerd[1].Images()[app]);
    }

    [Fact]
    public void Should_skip_what_would_cross_the_disk_guard_on_a_small_node_and_pull_what_fits()
    {
        Start(nodes: 2, "transfer.mode = registry-only\npull.disk.min-free = 0", node => node.Name == "node-2" ? 64L << 20 : null);
        var images = Enumerable.Range(1, 4)
            .Select(i => Registry.Push(TestImages.Build(Fleet.Root, $"layer{i}", 8 << 20), $"team/app{i}:1"))
            .ToList();
        foreach (var image in images) Containerd[0].Require("images", "pull", "--plain-http", image);

        var run = _nodes!.Run();

        Assert.Equal(3, run.GetProperty("exitCode").GetInt32());
        var outcomes = run.GetProperty("outcomes").EnumerateArray().ToList();
        Assert.Contains(outcomes, o => o.GetProperty("result").GetString() == "SUCCESS");
        Assert.Contains(outcomes, o => o.GetProperty("result").GetString() == "SKIPPED" && o.GetProperty("reason").GetString()!.StartsWith("disk: would reach", StringComparison.Ordinal));
        Assert.DoesNotContain(outcomes, o => o.GetProperty("result").GetString() == "FAILED");
        Assert.True(Containerd[1].Df().UsagePercent <= 80, $"node-2 is {Containerd[1].Df().UsagePercent:0.0} % full");
    }

    [Fact]
    public void Should_pin_declared_images_after_a_pull_and_a_copy_and_take_off_only_its_own_pins_when_they_are_no_longer_declared()
    {
        const string Pinned = "io.cri-containerd.pinned=pinned";
        Start(nodes: 2, "transfer.mode = registry-then-peer");
        var (app, db) = (Registry.Push(TestImages.Build(Fleet.Root, "app", 1 << 20), "team/app:1"), Registry.Push(TestImages.Build(Fleet.Root, "db", 1 << 20), "team/db:1"));
        foreach (var image in new[] { app, db }) Containerd[0].Require("images", "pull", "--plain-http", image);
        var side = _nodes!.SideLoad(TestImages.Build(Fleet.Root, "side", 1 << 20), "team/side:1", 0);
        Containerd[0].Require("images", "label", app, Pinned);
        Declare(app, db, side);

        var first = _nodes.Run();
        // Both of db's names on node-2, the tag and the repo@digest a CRI pull adds.
        foreach (var name in Containerd[1].Images().Keys.Where(n => n.StartsWith(db[..db.LastIndexOf(':')], StringComparison.Ordinal))) Containerd[1].Require("images", "rm", name);
        Declare(db, side);
        var second = _nodes.Run();

        Assert.True(first.GetProperty("exitCode").GetInt32() == 0, first.GetRawText());
        Assert.True(second.GetProperty("exitCode").GetInt32() == 0, second.GetRawText());
        Assert.Equal("transfer", first.GetProperty("outcomes").EnumerateArray().Single(o => o.GetProperty("image").GetString() == side).GetProperty("via").GetString());
        Assert.Equal(("operator", "image-sync"), (PinnedBy(first, "node-1", app), PinnedBy(first, "node-2", app)));
        Assert.Equal(("image-sync", "image-sync"), (PinnedBy(first, "node-2", side), PinnedBy(first, "node-2", db)));
        // The second run: app's pin on node-2 was image-sync's and is gone, the operator's on node-1 stays; db was removed and pulled again at once.
        Assert.DoesNotContain(Pinned, Containerd[1].Labels(app));
        Assert.Contains(Pinned, Containerd[0].Labels(app));
        Assert.Equal(2, Fleet[2].CrictlCalls.Count(c => c == $"pull {db}"));
        Assert.All(new[] { db, side }, image => Assert.Contains(Pinned, Containerd[1].Labels(image)));
        Assert.True(second.GetProperty("totals").GetProperty("heldBack").GetInt32() == 0, second.GetProperty("heldBack").GetRawText());
    }

    /// <summary>Declares these images with pin = on, in place of any declared before (a later key of the config wins).</summary>
    private void Declare(params string[] images) =>
        File.AppendAllText(Fleet.ConfigFile, $"\nimage-sync.images.wanted = [ {string.Join(", ", images.Select(i => $"{{ ref = \"{i}\", pin = on }}"))} ]\n");

    private static string? PinnedBy(System.Text.Json.JsonElement report, string node, string image) =>
        report.GetProperty("pins").EnumerateArray().Single(p => p.GetProperty("node").GetString() == node && p.GetProperty("image").GetString() == image)
            .GetProperty("by").GetString();

    protected TestFleet StartFleet(int nodes, string config) => Start(nodes, config);

    private TestFleet Start(int nodes, string config, Func<SshdNode, long?>? rootSize = null)
    {
        _nodes = new ContainerdFleet(nodes, config, rootSize, throughHelper: throughHelper);
        return _nodes.Fleet;
    }

    public void Dispose() => _nodes?.Dispose();
}

public sealed class NodeHelperLoginSpecs() : NodeLoginSpecs(throughHelper: true)
{
    /// <summary>The acceptance's own commands: a shell, a pull of a reference with a command in it, an export of a path, an unknown verb.</summary>
    [Theory]
    [InlineData("sh -c id")]
    [InlineData("sh -c 'touch {marker}'")]
    [InlineData("/usr/local/lib/image-sync/image-sync-node pull 'a;touch {marker}' 600 10")]
    [InlineData("/usr/local/lib/image-sync/image-sync-node export {marker} 600 10")]
    [InlineData("/usr/local/lib/image-sync/image-sync-node touch {marker}")]
    public void Should_refuse_over_ssh_with_126_and_run_nothing_when_the_command_is_not_the_helpers(string command)
    {
        var fleet = StartFleet(nodes: 1, "");
        var marker = Path.Combine("/tmp", $"image-sync-it-{Guid.NewGuid():N}");

        var result = fleet.Ssh(fleet[1], command.Replace("{marker}", marker));

        Assert.Equal(126, result.ExitCode);
        Assert.Matches("^image-sync-node: refused: [^\n]+\n$", result.Stderr);
        Assert.DoesNotContain("uid=", result.Stdout);
        Assert.False(File.Exists(marker), $"{marker} was created: the command ran");
    }
}

public sealed class RootShellLoginSpecs() : NodeLoginSpecs(throughHelper: false);
