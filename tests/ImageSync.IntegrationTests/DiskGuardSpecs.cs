using System.Text.Json;
using ImageSync.Domain;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>
/// The disk guard, the removal backoff and platform-safe copies against real containerd (one per node, CRI plugin off,
/// crictl played by tests/fleet/containerd-crictl), a real registry, and the published CLI as cron runs it. node-3's
/// containerd root is a 64 MiB tmpfs of its own; the registry serves six images of one 8 MiB random layer (the
/// report that led to this: the default run filled such a filesystem to 100 %).
/// </summary>
public sealed class DiskGuardSpecs : IDisposable
{
    private const long SmallDisk = 64 << 20;
    private readonly Owned _owned = new();
    private ContainerdFleet? _nodes;
    private TestFleet _fleet = null!;
    private TestRegistry _registry = null!;
    private List<Containerd> _containerd = null!;

    [Fact]
    public void Should_stop_the_small_node_short_of_the_limit_and_skip_the_rest_with_the_numbers_while_the_others_sync_everything()
    {
        var images = StartWithImages(smallNode: true, extra: "pull.disk.min-free = 0");

        var (run, peak) = RunWatchingDisk(_containerd[2]);

        Assert.Equal(3, run.GetProperty("exitCode").GetInt32());
        Assert.True(peak <= 80, $"node-3's image filesystem reached {peak:0.0} % during the run (limit 80 %)");
        var outcomes = Outcomes(run, "node-3");
        Assert.All(images, image => Assert.True(_containerd[1].Images().ContainsKey(image), $"node-2 lacks {image}"));
        Assert.Contains(outcomes, o => o.GetProperty("result").GetString() == "SUCCESS");
        var skipped = outcomes.Where(o => o.GetProperty("result").GetString() == "SKIPPED").ToList();
        Assert.NotEmpty(skipped);
        Assert.All(skipped, o => Assert.Matches(@"^disk: would reach \d+ % of .+ \(limit 80 %\)$", o.GetProperty("reason").GetString()));
        Assert.DoesNotContain(outcomes, o => o.GetProperty("result").GetString() == "FAILED");
        Assert.Equal(skipped.Count, _fleet.DayFile("failed_images").Count(l => l.Contains(" SKIPPED node-3 ") && l.Contains("disk: would reach")));
    }

    [Fact]
    public void Should_fill_the_small_node_until_containerd_fails_with_no_space_left_when_the_guard_is_off()
    {
        StartWithImages(smallNode: true, extra: "pull.disk.max-usage = 100%");

        var (run, peak) = RunWatchingDisk(_containerd[2]);

        Assert.Equal(3, run.GetProperty("exitCode").GetInt32());
        Assert.True(peak > 80, $"node-3's image filesystem only reached {peak:0.0} %");
        Assert.Contains(Outcomes(run, "node-3"), o => o.GetProperty("result").GetString() == "FAILED" && o.GetProperty("reason").GetString()!.Contains("no space left on device"));
    }

    [Fact]
    public void Should_not_pull_again_and_report_an_image_removed_since_image_sync_pulled_it()
    {
        var images = StartWithImages(smallNode: false, count: 1);
        Assert.Equal(0, RunJson().GetProperty("exitCode").GetInt32());
        foreach (var name in _containerd[1].Images().Keys) _containerd[1].Require("images", "rm", name);

        var second = RunJson();

        Assert.Equal(0, second.GetProperty("exitCode").GetInt32());
        Assert.Empty(second.GetProperty("plan").EnumerateArray());
        Assert.Equal(1, _fleet[2].CrictlCalls.Count(c => c == $"pull {images[0]}"));
        Assert.Contains(File.ReadLines(RunLog()), l => l.Contains("NODE node-2: 1 images image-sync pulled were removed since (kubelet image GC?), 1 found by this sync: not pulled again before "));
        var history = PullHistory.Read(File.ReadAllBytes(_fleet.StateFile));
        Assert.Equal(1, history.Find(Node("node-2"), ImageRef.Parse(images[0]))!.Removals);
    }

    [Fact]
    public void Should_never_copy_to_an_arm64_node_from_an_x86_64_node()
    {
        Start(nodes: 3, smallNode: false, extra: "", node =>
        {
            if (node.Name == "node-3") node.Architecture("aarch64");
        });
        var app = $"{_registry.Host}/team/app:1";
        _containerd[0].Import(TestImages.Build(_fleet.Root, "app", 1 << 20).Archive(app));

        var run = RunJson();

        var node3 = Outcomes(run, "node-3").Single();
        Assert.Equal(("FAILED", "no source with linux/arm64"), (node3.GetProperty("result").GetString(), node3.GetProperty("reason").GetString()![^26..]));
        Assert.Equal("SUCCESS", Outcomes(run, "node-2").Single().GetProperty("result").GetString());
        Assert.False(_containerd[2].Images().ContainsKey(app), "node-3 received an image copied from an x86_64 node");
        var facts = run.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("name").GetString() == "node-3").GetProperty("facts");
        Assert.Equal("linux/arm64", facts.GetProperty("platform").GetString());
    }

    [Fact]
    public async Task Should_leave_a_whole_state_file_whenever_a_run_is_killed_while_it_records_its_pulls()
    {
        var images = Enumerable.Range(1, 40).Select(i => $"{TestFleet.Prefix}app{i}:1").ToArray();
        _fleet = _owned.Add(new TestFleet(2)).Serving(images);
        _fleet[1].Holding(images);
        _fleet.Start("pull { max-parallel = 4, max-per-node = 4, verify = off }");
        var killedAt = new List<int>();
        foreach (var after in new[] { 3, 9, 17, 26, 34 })
        {
            _fleet[2].Reset([]);
            _fleet[2].ForgetCalls();
            using var run = _fleet.StartRun();
            // Checked often: the kill is meant to land while the run still records its pulls.
            await Eventually.TrueAsync($"the run to record {after} pulls", () => (_fleet[2].CrictlCalls.Count(c => c.StartsWith("pull ")) >= after && File.Exists(_fleet.StateFile)) || run.HasExited,
                TimeSpan.FromSeconds(60), every: TimeSpan.FromMilliseconds(10));
            run.Process.Kill();
            run.Process.WaitForExit();
            killedAt.Add(_fleet[2].CrictlCalls.Count(c => c.StartsWith("pull ")));

            // Whole, and true: every image it says image-sync pulled onto node-2 is there.
            var history = PullHistory.Read(File.ReadAllBytes(_fleet.StateFile));
            var onNode = _fleet[2].Images.ToHashSet();
            Assert.All(images.Where(i => history.Find(Node("node-2"), ImageRef.Parse(i)) is { PulledAt: not null }), i => Assert.Contains(i, onNode));
        }

        // A save cut short leaves at most its one temp file, which the next save takes over.
        Assert.True(Directory.GetFiles(_fleet.Root, ".pulled-images.json*").Length <= 1);
        Assert.DoesNotContain(_fleet.Run("run", "--config", _fleet.ConfigFile).Output.Split('\n'), l => l.Contains("cannot be used"));
        Assert.True(killedAt.Distinct().Count() > 1, $"every kill came at the same point: {string.Join(", ", killedAt)}");
    }

    /// <returns>The images node-1 holds and the registry serves, which nodes 2 and 3 lack.</returns>
    private List<string> StartWithImages(bool smallNode, int count = 6, string extra = "")
    {
        Start(nodes: 3, smallNode, extra);
        var images = new List<string>();
        for (var i = 1; i <= count; i++)
        {
            var image = _registry.Push(TestImages.Build(_fleet.Root, $"big{i}", 8 << 20), $"team/big{i}:1");
            _containerd[0].Require("images", "pull", "--plain-http", image);
            images.Add(image);
        }
        return images;
    }

    private void Start(int nodes, bool smallNode, string extra, Action<SshdNode>? prepare = null)
    {
        _nodes = _owned.Add(new ContainerdFleet(nodes, $"transfer.mode = registry-then-peer\n{extra}",
            node => smallNode && node.Name == "node-3" ? SmallDisk : null, prepare));
        (_fleet, _registry, _containerd) = (_nodes.Fleet, _nodes.Registry, [.. _nodes.Nodes]);
    }

    /// <summary>Runs a sync while reading the node's image filesystem as often as df allows; returns the report and the fullest it was.</summary>
    private (JsonElement Run, double PeakPercent) RunWatchingDisk(Containerd node)
    {
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            var peak = 0.0;
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, node.Df().UsagePercent);
                await Task.Delay(20);
            }
            return Math.Max(peak, node.Df().UsagePercent);
        });
        var run = RunJson();
        stop.Cancel();
        return (run, watcher.Result);
    }

    private JsonElement RunJson() => _nodes!.Run();

    private static List<JsonElement> Outcomes(JsonElement run, string node) =>
        run.GetProperty("outcomes").EnumerateArray().Where(o => o.GetProperty("node").GetString() == node).ToList();

    private string RunLog() => Directory.GetFiles(_fleet.LogDir, "image-sync-*.log").Single();

    private static NodeName Node(string name) => NodeName.Parse(name);

    public void Dispose() => _owned.Dispose();
}
