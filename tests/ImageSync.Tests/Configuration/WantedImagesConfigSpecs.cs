using ImageSync.Configuration;
using ImageSync.Domain;

namespace ImageSync.Tests.Configuration;

/// <summary>images.wanted as the loader reads it: each bad entry named with its field, every problem at once.</summary>
public sealed class WantedImagesConfigSpecs
{
    private const string Listed = """
        image-sync {
          nodes = [ { name = worker-1, host = 10.0.0.1 }, { name = worker-2, host = 10.0.0.2 }, { name = gpu-1, host = 10.0.0.3 } ]
          images.include-prefixes = ["registry.example.com/"]
        }
        """;

    private const string Discovered = """
        image-sync {
          nodes-from.kubernetes.enabled = on
          images.include-prefixes = ["registry.example.com/"]
        }
        """;

    [Fact]
    public void Should_read_each_form_of_nodes_and_default_to_all()
    {
        var settings = Load(Listed, """
            { ref = "registry.example.com/team/api:2.0" }
            { ref = "busybox:1.36", nodes = all }
            { ref = "registry.example.com/team/cuda:12", nodes = [gpu-1] }
            """);

        Assert.Equal(["registry.example.com/team/api:2.0 all", "docker.io/library/busybox:1.36 all", "registry.example.com/team/cuda:12 [gpu-1]"],
            settings.Images.Wanted.Select(w => $"{w.Image} {w.Nodes}"));
        var gpu = Node("gpu-1");
        Assert.True(settings.Images.Wanted[2].Nodes.Includes(gpu));
        Assert.False(settings.Images.Wanted[2].Nodes.Includes(Node("worker-1")));
    }

    [Theory]
    [InlineData("", new[] { false, true, false })]
    [InlineData("image-sync.images.pin-wanted = on", new[] { true, true, false })]
    public void Should_pin_an_entry_that_says_so_and_take_the_global_default_for_the_others(string global, bool[] pinned)
    {
        var settings = Load(Listed + "\n" + global, """
            { ref = "registry.example.com/team/api:2.0" }
            { ref = "registry.example.com/team/web:1", pin = on }
            { ref = "registry.example.com/team/db:3", pin = off }
            """);

        Assert.Equal(pinned, settings.Images.Wanted.Select(w => w.Pin));
    }

    [Fact]
    public void Should_read_a_label_selector_and_any_node_name_when_a_kubernetes_api_lists_the_nodes()
    {
        var settings = Load(Discovered, """
            { ref = "registry.example.com/team/cuda:12", nodes = "pool=gpu,zone!=b" }
            { ref = "registry.example.com/team/api:2.0", nodes = [ip-10-0-0-7] }
            """);

        var selected = settings.Images.Wanted[0].Nodes;
        Assert.True(selected.Includes(Node("ip-1") with { Labels = new NodeLabels([KeyValuePair.Create("pool", "gpu")]) }));
        Assert.False(selected.Includes(Node("ip-2") with { Labels = new NodeLabels([KeyValuePair.Create("pool", "cpu")]) }));
        Assert.True(settings.Images.Wanted[1].Nodes.Includes(Node("ip-10-0-0-7")));
    }

    [Fact]
    public void Should_want_nothing_by_default()
    {
        Assert.Empty(SettingsLoader.Parse(Listed, "spec.conf", Home).Images.Wanted);
    }

    public static TheoryData<string, string, string> BadEntries => new()
    {
        { "\"registry.example.com/team/api:2.0\"", "image-sync.images.wanted[0]", "expected { ref = \"registry.example.com/team/api:2.0\", nodes = all }, found a value" },
        { "{ nodes = all }", "image-sync.images.wanted[0].ref", "is required: the image to pull" },
        { "{ ref = \"Registry.example.com/Team/API:2.0\" }", "image-sync.images.wanted[0].ref", "'Registry.example.com/Team/API:2.0' is not an image reference" },
        { "{ ref = [a, b] }", "image-sync.images.wanted[0].ref", "expected a single value, found a list" },
        { "{ ref = \"registry.example.com/a:1\", node = all }", "image-sync.images.wanted[0].node", "unknown key, did you mean 'nodes'?" },
        { "{ ref = \"registry.example.com/a:1\", nodes = [worker-3] }", "image-sync.images.wanted[0].nodes[0]", "'worker-3' is not a node of image-sync.nodes, did you mean 'worker-1'?" },
        { "{ ref = \"registry.example.com/a:1\", nodes = [zeta] }", "image-sync.images.wanted[0].nodes[0]", "'zeta' is not a node of image-sync.nodes (listed: worker-1, worker-2, gpu-1)" },
        { "{ ref = \"registry.example.com/a:1\", nodes = [\"-x\"] }", "image-sync.images.wanted[0].nodes[0]", "'-x': a node name is 1-63 characters" },
        { "{ ref = \"registry.example.com/a:1\", nodes = [] }", "image-sync.images.wanted[0].nodes", "list at least one node name, or write nodes = all" },
        { "{ ref = \"registry.example.com/a:1\", nodes = \"pool=gpu\" }", "image-sync.images.wanted[0].nodes", "'pool=gpu' is a label selector, but only nodes a Kubernetes API lists carry labels (nodes-from.kubernetes is off)" },
        { "{ ref = \"registry.example.com/a:1\", nodes = \"pool in (gpu)\" }", "image-sync.images.wanted[0].nodes", "'pool in (gpu)' is neither all, a list of node names nor a label selector: " },
        { "{ ref = \"registry.example.com/a:1\", nodes = { selector = x } }", "image-sync.images.wanted[0].nodes", "found an object (write a selector as nodes = \"pool=gpu\")" },
        { "{ ref = \"registry.example.com/a:1\" }, { ref = \"registry.example.com/a:1\", nodes = [gpu-1] }", "image-sync.images.wanted[1].ref", "'registry.example.com/a:1' is already wanted by an earlier entry" },
        { "{ ref = \"registry.example.com/a:1\", pin = always }", "image-sync.images.wanted[0].pin", "always" },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public void Should_name_the_entry_and_the_field_when_an_entry_is_bad(string entries, string key, string message)
    {
        var error = Assert.Throws<ConfigException>(() => Load(Listed, entries));

        var problem = Assert.Single(error.Problems, p => p.StartsWith(key + " ") || p.StartsWith(key + ":"));
        Assert.Contains(message, problem);
    }

    [Fact]
    public void Should_point_at_the_line_and_report_every_bad_entry_at_once()
    {
        var error = Assert.Throws<ConfigException>(() => Load(Listed, """
            { ref = "registry.example.com/a:1", nodes = [worker-9] }
            { nodes = all }
            """));

        Assert.Equal(2, error.Problems.Count);
        Assert.StartsWith("image-sync.images.wanted[0].nodes[0] (spec.conf:", error.Problems[0]);
        Assert.StartsWith("image-sync.images.wanted[1].ref (spec.conf:", error.Problems[1]);
    }

    [Fact]
    public void Should_refuse_a_list_that_is_not_a_list()
    {
        var error = Assert.Throws<ConfigException>(() => SettingsLoader.Parse(Listed + "\nimage-sync.images.wanted = \"registry.example.com/a:1\"", "spec.conf", Home));

        Assert.Contains(error.Problems, p => p.StartsWith("image-sync.images.wanted (spec.conf:") && p.EndsWith("expected a list [ ... ], found a value"));
    }

    private static ImageSyncSettings Load(string config, string entries) =>
        SettingsLoader.Parse(config + $"\nimage-sync.images.wanted = [\n{entries}\n]", "spec.conf", Home);

    private static string? Home(string name) => name == "HOME" ? "/root" : null;

    private static NodeSpec Node(string name) => new(NodeName.Parse(name), "10.0.0.9", 22, "root");
}
