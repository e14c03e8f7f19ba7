using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImageSync.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace ImageSync.IntegrationTests;

/// <summary>
/// A real containerd on a filesystem of its own, as the fleet's containerd-crictl drives it over real ssh: the
/// facts it reports, a pull that does not fit, and how much a pull grows the filesystem (issue 19's growth factor).
/// </summary>
public sealed class ContainerdStandInSpecs(ITestOutputHelper output) : IDisposable
{
    private static readonly string ContainerdCrictl = Path.Combine(Repository.Root, "tests", "fleet", "containerd-crictl");

    private readonly Owned _owned = new();

    [Fact]
    public void Should_put_a_containerd_root_on_a_small_filesystem_of_its_own_where_a_pull_too_big_fails_with_no_space_left()
    {
        var fleet = _owned.Add(new TestFleet(nodes: 1));
        var registry = _owned.Add(new TestRegistry(fleet.Root));
        var containerd = new Containerd(fleet[1], rootSize: 64 << 20);
        var root = containerd.Root;
        fleet.Start();
        var big = registry.Push(TestImages.Build(fleet.Root, "big", 40 << 20), "team/big:1");
        var small = registry.Push(TestImages.Build(fleet.Root, "small", 1 << 20), "team/small:1");

        try
        {
            var empty = containerd.Df();
            var fsinfo = fleet.Ssh(fleet[1], $"{ContainerdCrictl} imagefsinfo -o json");
            var facts = fleet.Ssh(fleet[1], FactsScript.For(ContainerdCrictl));
            var fitting = fleet.Ssh(fleet[1], $"{ContainerdCrictl} pull {small}", TimeSpan.FromMinutes(2));
            var tooBig = fleet.Ssh(fleet[1], $"{ContainerdCrictl} pull {big}", TimeSpan.FromMinutes(2));
            var after = containerd.Df();
            output.WriteLine($"{facts.Stdout}\nempty {empty}\nafter the failed pull {after} ({after.UsagePercent:F1} %)\n{tooBig.Stderr}");

            Assert.Equal((64L << 20, root), (empty.Size, empty.MountedOn));
            using (var json = JsonDocument.Parse(fsinfo.Stdout))
            {
                var fs = json.RootElement.GetProperty("status").GetProperty("imageFilesystems")[0];
                Assert.Equal(containerd.SnapshotterDir, fs.GetProperty("fsId").GetProperty("mountpoint").GetString());
                Assert.InRange(long.Parse(fs.GetProperty("usedBytes").GetProperty("value").GetString()!, CultureInfo.InvariantCulture), 1, 1 << 20);
            }
            Assert.Equal(DiskUsage.Parse(facts.Stdout[facts.Stdout.IndexOf("\nFilesystem ", StringComparison.Ordinal)..]) with { Used = 0, Available = 0 },
                empty with { Used = 0, Available = 0 });
            Assert.True(fitting.ExitCode == 0, fitting.Output);
            Assert.Equal(1, tooBig.ExitCode);
            Assert.StartsWith("time=\"", tooBig.Stderr);
            Assert.Contains($"level=fatal msg=\"pulling image: rpc error: code = Unknown desc = failed to pull and unpack image \\\"{big}\\\": ", tooBig.Stderr);
            Assert.Matches($@"\\""{Regex.Escape(big)}\\"": failed to extract layer sha256:[0-9a-f]{{64}}: mount callback failed on \S+: write \S+: no space left on device: unknown""\n$", tooBig.Stderr);
            Assert.True(containerd.Images().ContainsKey(small));
        }
        finally
        {
            containerd.Dispose();
        }
        Assert.DoesNotContain(File.ReadAllLines("/proc/mounts"), line => line.Split(' ')[1] == root);
    }

    /// <summary>
    /// The growth factor of issue 19: how much a pull grows a containerd's root filesystem, against the size
    /// `crictl images` reports for the image (containerd's: config and compressed layers). Random layers
    /// cannot be compressed, so the blob and the unpacked snapshot each take the size; text shrinks in the
    /// blob and grows back in the snapshot.
    /// </summary>
    [Fact]
    public void Should_measure_how_much_a_pull_grows_the_image_filesystem_against_the_reported_size()
    {
        var fleet = _owned.Add(new TestFleet(nodes: 1));
        var registry = _owned.Add(new TestRegistry(fleet.Root));
        var containerd = _owned.Add(new Containerd(fleet[1], rootSize: 512 << 20));
        fleet.Start();
        const string Content = "io.containerd.content.v1.content", Snapshots = "io.containerd.snapshotter.v1.overlayfs";
        output.WriteLine("layer    MiB   reported  df growth   du growth  blobs (du)  snapshot (du)  df/reported  du/reported");

        var ratios = new Dictionary<string, List<double>> { ["random"] = [], ["text"] = [] };
        foreach (var mib in new[] { 4, 8, 16 })
        {
            foreach (var kind in ratios.Keys)
            {
                var name = $"{kind}-{mib}";
                var image = kind == "random" ? TestImages.Build(fleet.Root, name, (long)mib << 20) : TestImages.Compressible(fleet.Root, name, (long)mib << 20);
                var reference = registry.Push(image, $"team/{name}:1");
                var (dfBefore, duBefore) = (containerd.Df(), containerd.RootBytes());
                var (blobsBefore, snapshotsBefore) = (containerd.RootBytes(Content), containerd.RootBytes(Snapshots));

                var pull = fleet.Ssh(fleet[1], $"{ContainerdCrictl} pull {reference}", TimeSpan.FromMinutes(2));

                Assert.True(pull.ExitCode == 0, pull.Output);
                var (dfAfter, duAfter) = (containerd.Df(), containerd.RootBytes());
                var reported = ReportedSize(fleet, reference);
                var dfGrowth = (dfAfter.Size - dfAfter.Available) - (dfBefore.Size - dfBefore.Available);
                var duGrowth = duAfter - duBefore;
                var (blobs, snapshot) = (containerd.RootBytes(Content) - blobsBefore, containerd.RootBytes(Snapshots) - snapshotsBefore);
                ratios[kind].Add((double)dfGrowth / reported);
                output.WriteLine($"{kind,-7} {mib,4} {reported,10} {dfGrowth,11} {duGrowth,11} {blobs,11} {snapshot,14} {(double)dfGrowth / reported,12:F2} {(double)duGrowth / reported,12:F2}");
            }
        }

        Assert.All(ratios["random"], ratio => Assert.InRange(ratio, 1.8, 2.3));
        Assert.All(ratios["text"], ratio => Assert.True(ratio > 2.5, $"text grew only {ratio:F2} times its reported size"));
    }

    /// <summary>The size the node's crictl reports for an image, as image-sync reads it from the source nodes.</summary>
    private static long ReportedSize(TestFleet fleet, string reference)
    {
        var listed = fleet.Ssh(fleet[1], $"{ContainerdCrictl} images -o json");
        using var json = JsonDocument.Parse(listed.Stdout);
        return json.RootElement.GetProperty("images").EnumerateArray()
            .Where(image => image.GetProperty("repoTags").EnumerateArray().Any(tag => tag.GetString() == reference))
            .Select(image => long.Parse(image.GetProperty("size").GetString()!, CultureInfo.InvariantCulture))
            .Single();
    }

    public void Dispose() => _owned.Dispose();
}
