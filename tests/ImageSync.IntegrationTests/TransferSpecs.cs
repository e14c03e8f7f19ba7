using System.Text.RegularExpressions;
using System.Text.Json;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>
/// Node-to-node copies against real containerd, one per node (CRI plugin off; crictl played by
/// tests/fleet/containerd-crictl), a real registry, and the published CLI as cron would run it.
/// </summary>
public sealed class TransferSpecs : IDisposable
{
    private ContainerdFleet? _nodes;
    private TestFleet _fleet = null!;
    private TestRegistry _registry = null!;
    private List<Containerd> _containerd = null!;

    [Fact]
    public void Should_give_every_node_an_image_side_loaded_on_one_node_and_never_pushed()
    {
        Start(nodes: 3, mode: "registry-then-peer");
        var app = SideLoad(TestImages.Build(_fleet.Root, "app", 1 << 20), "team/app:1", 0);

        var run = Run();

        Assert.Equal(0, run.GetProperty("exitCode").GetInt32());
        Assert.All(_containerd, node => Assert.Equal(_containerd[0].Images()[app], node.Images()[app]));
        Assert.Equal(2, _fleet.DayFile("success_images").Count(l => l.Contains($"{app} (from node-1 by transfer")));
    }

    [Fact]
    public void Should_copy_what_a_node_has_and_fail_with_both_reasons_what_none_can_give_when_the_registry_is_down()
    {
        Start(nodes: 2, mode: "registry-then-peer");
        var app = SideLoad(TestImages.Build(_fleet.Root, "app", 1 << 20), "team/app:1", 0);
        var broken = SideLoad(TestImages.Build(_fleet.Root, "broken", 1 << 20), "team/broken:1", 1);
        RemoveLayer(_containerd[1], broken);
        _registry.Stop();

        var run = Run();

        Assert.Equal(3, run.GetProperty("exitCode").GetInt32());
        var outcomes = Outcomes(run);
        Assert.Equal(("SUCCESS", "transfer", "node-1"), (outcomes[app].GetProperty("result").GetString(), outcomes[app].GetProperty("via").GetString(),
            outcomes[app].GetProperty("source").GetString()));
        var reason = outcomes[broken].GetProperty("reason").GetString()!;
        Assert.StartsWith("Unavailable: ", reason);
        Assert.Matches($"; copy failed: node-2 cannot export {Regex.Escape(broken)}: its containerd discards unpacked layers \\(discard_unpacked_layers = true\\), "
            + "or lost them: content digest sha256:[0-9a-f]{64} not found$", reason);
        Assert.False(_containerd[0].Images().ContainsKey(broken), "the target shows an image whose copy failed");
    }

    /// <summary>
    /// A source whose containerd lost an image's layer after unpacking (as discard_unpacked_layers = true does to every image):
    /// its export fails, the next source serves the copy, and no other copy comes from it in that sync.
    /// </summary>
    [Fact]
    public void Should_copy_from_the_next_source_and_no_more_from_one_that_cannot_export_what_it_lists()
    {
        Start(nodes: 3, mode: "peer-first", extra: "transfer.max-per-source = 1\npull.max-per-node = 1");
        var (big, small) = (TestImages.Build(_fleet.Root, "big", 2 << 20), TestImages.Build(_fleet.Root, "small", 1 << 20));
        var app = SideLoad(big, "team/app:1", 0);
        var web = SideLoad(small, "team/web:1", 0);
        SideLoad(big, "team/app:1", 1);
        SideLoad(small, "team/web:1", 1);
        RemoveLayer(_containerd[0], app);

        var run = Run();

        Assert.Equal(0, run.GetProperty("exitCode").GetInt32());
        var outcomes = Outcomes(run);
        // app, the bigger, went first, from node-1 (least busy, first by name): it failed, node-2 served it; web then came from node-2 too.
        Assert.Equal(("node-2", "node-2"), (outcomes[app].GetProperty("source").GetString(), outcomes[web].GetProperty("source").GetString()));
        Assert.Contains(_fleet.DayFile("image-sync"), l => l.Contains($"NODE node-1: node-1 cannot export {app}: its containerd discards unpacked layers (discard_unpacked_layers = true)")
            && l.EndsWith("no more copies come from it in this sync"));
        Assert.Equal(_containerd[1].Images()[web], _containerd[2].Images()[web]);
    }

    [Fact]
    public async Task Should_copy_from_the_other_source_and_leave_no_half_image_when_the_source_dies_mid_stream()
    {
        Start(nodes: 3, mode: "peer-first", extra: "transfer.bandwidth-limit = 8MiB");
        var big = TestImages.Build(_fleet.Root, "big", 100 << 20);
        var image = SideLoad(big, "team/big:1", 0);
        SideLoad(big, "team/big:1", 1);
        using var run = _fleet.StartRun();
        await Eventually.TrueAsync("node-1 to start exporting", () => Exporting(_containerd[0]), TimeSpan.FromSeconds(60), every: TimeSpan.FromMilliseconds(100));
        await Eventually.TrueAsync("node-3 to receive a byte", _containerd[2].Receiving, TimeSpan.FromSeconds(30), every: TimeSpan.FromMilliseconds(100));

        _fleet[1].Kill();
        var result = run.Wait(TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains(_fleet.DayFile("success_images"), l => l.Contains($"SUCCESS node-3 {image} (from node-2 by transfer, 100.0 MiB"));
        Assert.Equal(_containerd[1].Images()[image], _containerd[2].Images()[image]);
    }

    [Fact]
    public void Should_never_contact_the_registry_under_peer_first()
    {
        Start(nodes: 3, mode: "peer-first");
        var app = $"{_registry.Host}/team/app:1";
        _registry.Push(TestImages.Build(_fleet.Root, "app", 1 << 20), "team/app:1");
        _containerd[0].Require("images", "pull", "--plain-http", app);
        var before = _registry.RequestsFromNodes;

        var run = Run();

        Assert.Equal(0, run.GetProperty("exitCode").GetInt32());
        Assert.Equal(before, _registry.RequestsFromNodes);
        Assert.All(_containerd, node => Assert.True(node.Images().ContainsKey(app)));
    }

    [Fact]
    public void Should_fan_out_a_copy_to_many_nodes_from_the_nodes_that_received_it()
    {
        Start(nodes: 8, mode: "peer-first", extra: "transfer.max-per-source = 1\npull { max-parallel = 8, max-per-node = 1 }");
        var app = SideLoad(TestImages.Build(_fleet.Root, "app", 4 << 20), "team/app:1", 0);

        var run = Run();

        Assert.Equal(0, run.GetProperty("exitCode").GetInt32());
        var sources = run.GetProperty("outcomes").EnumerateArray().Select(o => o.GetProperty("source").GetString()).ToList();
        Assert.Equal(7, sources.Count);
        Assert.Contains(sources, s => s != "node-1");
        Assert.All(_containerd, node => Assert.Equal(_containerd[0].Images()[app], node.Images()[app]));
    }

    private void Start(int nodes, string mode, string extra = "")
    {
        _nodes = new ContainerdFleet(nodes, $"transfer.mode = {mode}\n{extra}");
        (_fleet, _registry, _containerd) = (_nodes.Fleet, _nodes.Registry, [.. _nodes.Nodes]);
    }

    private string SideLoad(TestImage image, string repository, int node) => _nodes!.SideLoad(image, repository, node);

    /// <summary>Deletes an image's layer from a node's content store: its record stays, an export of it fails.</summary>
    private static void RemoveLayer(Containerd node, string image)
    {
        var manifest = node.Ctr("content", "get", node.Images()[image]).Stdout;
        using var parsed = JsonDocument.Parse(manifest);
        var layer = parsed.RootElement.GetProperty("layers")[0].GetProperty("digest").GetString()!;
        node.Require("content", "rm", layer);
    }

    /// <summary>Whether a `ctr images export` runs against this containerd now (read from /proc).</summary>
    private static bool Exporting(Containerd node) =>
        Directory.EnumerateDirectories("/proc").Any(dir =>
        {
            try
            {
                var command = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                return command.Contains("images export") && File.ReadAllText(Path.Combine(dir, "environ")).Contains($"CONTAINERD_ADDRESS={node.Address}\0");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        });

    private JsonElement Run() => _nodes!.Run();

    private static Dictionary<string, JsonElement> Outcomes(JsonElement run) =>
        run.GetProperty("outcomes").EnumerateArray().ToDictionary(o => o.GetProperty("image").GetString()!);

    public void Dispose() => _nodes?.Dispose();
}
