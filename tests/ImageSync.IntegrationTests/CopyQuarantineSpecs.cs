using System.Text.Json;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>
/// Copies from a source that sends something else than the image it holds, against real containerd: node-1's ctr
/// answers `images export` with an archive the test built (skopeo), or without end, as a compromised or confused
/// node could. The target imports into a quarantine and names only the image the plan expects; the rest never
/// reaches the CRI's namespace.
/// </summary>
public sealed class CopyQuarantineSpecs : IDisposable
{
    private ContainerdFleet? _nodes;
    private string _export = "";
    private TestImage? _held;

    private TestFleet Fleet => _nodes!.Fleet;

    private IReadOnlyList<Containerd> Containerd => _nodes!.Nodes;

    [Fact]
    public void Should_name_only_the_expected_tag_and_say_what_else_the_stream_held_when_the_source_adds_other_tags()
    {
        var app = Start();
        var other = TestImages.Build(Fleet.Root, "other", 1 << 20);
        var repository = app[..app.LastIndexOf(':')];
        // The expected image, a second tag of its repository, and a third entry that names a different repository in
        // containerd's own annotation: `ctr images import --base-name` would have taken that one too.
        WriteArchive((_held!, app, false), (other, $"{repository}:2", false), (other, $"{_nodes!.Registry.Host}/team/other:1", true));

        var run = _nodes.Run();

        var outcome = Assert.Single(run.GetProperty("outcomes").EnumerateArray());
        Assert.True(outcome.GetProperty("result").GetString() == "SUCCESS", outcome.GetProperty("reason").GetString());
        Assert.Equal(Containerd[0].Images()[app], Containerd[1].Images()[app]);
        Assert.Equal([app, $"{repository}@{Containerd[0].Images()[app]}"], Containerd[1].Images().Keys.Order());
        var line = Assert.Single(Fleet.DayFile("success_images"), l => l.Contains($"SUCCESS node-2 {app} (from node-1 by transfer"));
        Assert.Contains($"the stream also held {repository}:2", line);
        Assert.Contains("team/other:1", line);
        Assert.Empty(QuarantineNamespaces(Containerd[1]));
    }

    [Fact]
    public void Should_import_nothing_and_name_the_mismatch_when_the_stream_holds_another_image_under_the_expected_name()
    {
        var app = Start();
        WriteArchive((TestImages.Build(Fleet.Root, "impostor", 1 << 20), app, false));

        var run = _nodes!.Run();

        Assert.Equal(3, run.GetProperty("exitCode").GetInt32());
        var outcome = Assert.Single(run.GetProperty("outcomes").EnumerateArray());
        Assert.Equal("FAILED", outcome.GetProperty("result").GetString());
        Assert.Contains($"copy failed: import on node-2: import: the stream held another image under {app}", outcome.GetProperty("reason").GetString());
        Assert.Empty(Containerd[1].Images());
        Assert.Empty(QuarantineNamespaces(Containerd[1]));
    }

    [Fact]
    public void Should_cut_off_a_source_that_streams_past_the_images_size()
    {
        var app = Start(exportWithoutEnd: true);

        var run = _nodes!.Run();

        var outcome = Assert.Single(run.GetProperty("outcomes").EnumerateArray());
        Assert.Equal("FAILED", outcome.GetProperty("result").GetString());
        Assert.Matches(@"copy failed: export on node-1: sent more than [0-9.]+ MiB \(the image's size as the nodes list it, with a margin\): cut off", outcome.GetProperty("reason").GetString());
        Assert.Empty(Containerd[1].Images());
        Assert.True(run.GetProperty("durationSeconds").GetDouble() < 60, "the copy was not cut off in time");
    }

    /// <summary>Two nodes, copies only; node-1 holds a side-loaded image (<see cref="_held"/>), and its ctr answers exports as the test says.</summary>
    private string Start(bool exportWithoutEnd = false)
    {
        _nodes = new ContainerdFleet(2, "transfer.mode = peer-first", prepare: node =>
        {
            if (node.Name != "node-1") return;
            _export = Path.Combine(node.Dir, "export.tar");
            // Without end: a tar whose one file never seems to end (a sparse 1 GiB file), which ctr reads on and on.
            if (exportWithoutEnd) Shell.Require("truncate", ["-s", "1G", Path.Combine(node.Dir, "endless")]);
            var answer = exportWithoutEnd ? $"exec tar -C '{node.Dir}' -cf - endless" : $"exec cat '{_export}'";
            node.WithProgram("ctr", $"#!/bin/sh\ncase \"$*\" in *'images export'*) {answer} ;; esac\nexec /usr/bin/ctr \"$@\"\n");
        });
        _held = TestImages.Build(Fleet.Root, "app", 1 << 20);
        return _nodes.SideLoad(_held, "team/app:1", 0);
    }

    /// <summary>An OCI archive holding each image under its name: as the OCI ref name, or as containerd's own image name annotation.</summary>
    private void WriteArchive(params (TestImage Image, string Name, bool ContainerdAnnotation)[] entries)
    {
        var layout = Directory.CreateDirectory(Path.Combine(Fleet.Root, "poisoned")).FullName;
        foreach (var (image, name, _) in entries) Shell.Require("skopeo", ["copy", "-q", image.Layout, $"oci:{layout}:{name}"]);
        var index = Path.Combine(layout, "index.json");
        using (var parsed = JsonDocument.Parse(File.ReadAllText(index)))
        {
            var manifests = parsed.RootElement.GetProperty("manifests").EnumerateArray().Select((manifest, i) =>
            {
                var annotation = entries[i].ContainerdAnnotation ? "io.containerd.image.name" : "org.opencontainers.image.ref.name";
                return new Dictionary<string, object>
                {
                    ["mediaType"] = manifest.GetProperty("mediaType").GetString()!,
                    ["digest"] = manifest.GetProperty("digest").GetString()!,
                    ["size"] = manifest.GetProperty("size").GetInt64(),
                    ["annotations"] = new Dictionary<string, string> { [annotation] = entries[i].Name },
                };
            }).ToList();
            File.WriteAllText(index, JsonSerializer.Serialize(new Dictionary<string, object> { ["schemaVersion"] = 2, ["manifests"] = manifests }));
        }
        Shell.Require("tar", ["-C", layout, "-cf", _export, "."]);
    }

    private static IReadOnlyList<string> QuarantineNamespaces(Containerd node) =>
        [.. Shell.Run("ctr", ["--address", node.Address, "namespaces", "ls", "-q"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(ns => ns.StartsWith("image-sync-quarantine", StringComparison.Ordinal))];

    public void Dispose() => _nodes?.Dispose();
}
