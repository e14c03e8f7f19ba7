using ImageSync.Domain;

namespace ImageSync.Tests.Domain;

/// <summary>Declared images (images.wanted) and a run's --node / --image limits in the pure plan.</summary>
public sealed class WantedImagePlanSpecs
{
    private static readonly ImageFilter Team = new(["registry.example.com/team/"], []);
    private const string Api = "registry.example.com/team/api:2.0";
    private const string Web = "registry.example.com/team/web:1";
    private const string Outside = "docker.io/library/busybox:1.36";

    [Fact]
    public void Should_plan_a_declared_image_no_node_holds_onto_every_node_with_no_source_and_no_size()
    {
        var nodes = Nodes("w1", "w2", "w3");

        var plan = Plan([Inventory("w1"), Inventory("w2"), Inventory("w3")], nodes, [Wanted(Api)]);

        Assert.Equal(["w1 " + Api, "w2 " + Api, "w3 " + Api], plan.Pulls.Select(p => p.ToString()));
        Assert.All(plan.Pulls, p => Assert.Equal((0L, 0, (string?)null), (p.SizeBytes, p.Sources.Count, p.ImageId)));
    }

    [Fact]
    public void Should_hold_a_declared_image_of_unknown_size_back_from_a_node_whose_disk_is_already_at_the_limit()
    {
        const long MiB = 1 << 20;
        var plan = Plan([Inventory("w1"), Inventory("w2")], Nodes("w1", "w2"), [Wanted(Api)]);
        var guard = new DiskPolicy(0.8, 0, 2.0, DiskOrder.SmallestFirst, TimeSpan.FromHours(6), TimeSpan.FromHours(48));
        var facts = new Dictionary<NodeName, NodeFacts>
        {
            [NodeName.Parse("w1")] = new(new Platform("linux", "amd64"), new ImageFilesystem("/var/lib/containerd/x", "/var/lib/containerd", 1000 * MiB, 400 * MiB, 600 * MiB), []),
            [NodeName.Parse("w2")] = new(new Platform("linux", "amd64"), new ImageFilesystem("/var/lib/containerd/x", "/var/lib/containerd", 1000 * MiB, 850 * MiB, 150 * MiB), []),
        };

        var guarded = DiskBudget.Apply(plan, facts, guard);

        var skip = Assert.Single(guarded.Skips);
        Assert.Equal("w2 " + Api, skip.Pull.ToString());
        Assert.StartsWith("disk: would reach 85 % of /var/lib/containerd", skip.Reason);
    }

    [Fact]
    public void Should_plan_a_declared_image_only_onto_the_nodes_lacking_it_with_those_holding_it_as_sources()
    {
        var nodes = Nodes("w1", "w2", "w3");

        var plan = Plan([Inventory("w1", Api), Inventory("w2"), Inventory("w3", Api)], nodes, [Wanted(Api)]);

        var pull = Assert.Single(plan.Pulls);
        Assert.Equal("w2 " + Api, pull.ToString());
        Assert.Equal(["w1", "w3"], pull.Sources.Select(s => s.Value));
        Assert.Equal(100, pull.SizeBytes);
    }

    [Fact]
    public void Should_pull_a_declared_image_outside_the_prefixes_onto_its_nodes_only_and_leave_other_outside_images_alone()
    {
        var nodes = Nodes("w1", "w2", "w3");
        var declared = new WantedImage(ImageRef.Parse(Outside), NodeSelection.Named([NodeName.Parse("w2")]));

        var plan = Plan([Inventory("w1", Outside, "docker.io/library/nginx:1"), Inventory("w2"), Inventory("w3")], nodes, [declared]);

        Assert.Equal(["w2 " + Outside], plan.Pulls.Select(p => p.ToString()));
        Assert.Equal(["w1"], plan.Pulls[0].Sources.Select(s => s.Value));
    }

    [Fact]
    public void Should_plan_a_declared_image_onto_the_nodes_whose_labels_match_its_selector_when_they_lack_it()
    {
        Assert.True(LabelSelector.TryParse("pool=gpu", out var gpu, out _));
        var nodes = new[] { Node("w1", ("pool", "gpu")), Node("w2", ("pool", "cpu")), Node("w3", ("pool", "gpu")), Node("w4") };

        var plan = Plan([Inventory("w1"), Inventory("w2"), Inventory("w3"), Inventory("w4")], nodes, [new WantedImage(ImageRef.Parse(Api), NodeSelection.Labelled(gpu))]);

        Assert.Equal(["w1 " + Api, "w3 " + Api], plan.Pulls.Select(p => p.ToString()));
    }

    [Fact]
    public void Should_still_plan_the_union_beside_the_declared_images()
    {
        var nodes = Nodes("w1", "w2");

        var plan = Plan([Inventory("w1", Web), Inventory("w2")], nodes, [Wanted(Api)]);

        Assert.Equal(["w1 " + Api, "w2 " + Api, "w2 " + Web], plan.Pulls.Select(p => p.ToString()));
    }

    [Fact]
    public void Should_hold_back_a_declared_image_on_a_node_with_the_time_it_is_held_until()
    {
        var nodes = Nodes("w1", "w2");
        var scope = PlanScope.Resolve([Wanted(Api)], RunScope.Everything, nodes);

        var until = new DateTimeOffset(2026, 12, 2, 21, 40, 0, TimeSpan.Zero);

        var plan = SyncPlanner.Plan([Inventory("w1"), Inventory("w2")], Team, heldBack: (node, _) => node.Value == "w1" ? until : null, scope: scope);

        Assert.Equal(["w2 " + Api], plan.Pulls.Select(p => p.ToString()));
        Assert.Equal(("w1 " + Api, until), (plan.HeldBack.Single().Pull.ToString(), plan.HeldBack.Single().Until));
    }

    [Fact]
    public void Should_pull_onto_the_named_nodes_only_and_keep_the_others_as_sources_when_the_run_names_nodes()
    {
        var nodes = Nodes("w1", "w2", "w3");
        var run = new RunScope([NodeName.Parse("w2")], []);

        var plan = Plan([Inventory("w1", Web), Inventory("w2"), Inventory("w3")], nodes, [Wanted(Api)], run);

        Assert.Equal(["w2 " + Api, "w2 " + Web], plan.Pulls.Select(p => p.ToString()));
        Assert.Equal(["w1"], plan.Pulls.Single(p => p.Image.ToString() == Web).Sources.Select(s => s.Value));
    }

    [Fact]
    public void Should_pull_only_the_named_image_onto_every_node_lacking_it_when_the_run_names_an_undeclared_image()
    {
        var nodes = Nodes("w1", "w2", "w3");
        var run = new RunScope([], [ImageRef.Parse(Outside)]);

        var plan = Plan([Inventory("w1", Web), Inventory("w2", Outside), Inventory("w3")], nodes, [Wanted(Api)], run);

        Assert.Equal(["w1 " + Outside, "w3 " + Outside], plan.Pulls.Select(p => p.ToString()));
    }

    [Fact]
    public void Should_keep_a_declared_images_nodes_when_the_run_names_it()
    {
        var nodes = Nodes("w1", "w2", "w3");
        var declared = new WantedImage(ImageRef.Parse(Api), NodeSelection.Named([NodeName.Parse("w3")]));

        var plan = Plan([Inventory("w1"), Inventory("w2"), Inventory("w3")], nodes, [declared], new RunScope([], [ImageRef.Parse(Api)]));

        Assert.Equal(["w3 " + Api], plan.Pulls.Select(p => p.ToString()));
    }

    [Fact]
    public void Should_plan_only_the_named_image_on_the_named_node_when_the_run_names_both()
    {
        var nodes = Nodes("w1", "w2", "w3");
        var run = new RunScope([NodeName.Parse("w3")], [ImageRef.Parse(Web)]);

        var plan = Plan([Inventory("w1", Web, Api), Inventory("w2"), Inventory("w3")], nodes, [], run);

        Assert.Equal(["w3 " + Web], plan.Pulls.Select(p => p.ToString()));
    }

    [Fact]
    public void Should_treat_a_node_holding_a_declared_digest_as_holding_it_and_plan_it_for_the_others()
    {
        var digest = "registry.example.com/team/api@sha256:" + new string('a', 64);
        var tagged = new NodeImage("id-api", [ImageRef.Parse(Api)], [ImageRef.Parse(digest)], 7);
        var nodes = Nodes("w1", "w2");

        var plan = Plan([new NodeInventory(NodeName.Parse("w1"), [tagged], []), Inventory("w2", Api)], nodes, [Wanted(digest)]);

        var pull = Assert.Single(plan.Pulls);
        Assert.Equal(("w2 " + digest, 7L), (pull.ToString(), pull.SizeBytes));
    }

    private static SyncPlan Plan(IEnumerable<NodeInventory> inventories, IReadOnlyList<NodeSpec> nodes, IReadOnlyList<WantedImage> wanted, RunScope? run = null) =>
        SyncPlanner.Plan(inventories, Team, scope: PlanScope.Resolve(wanted, run ?? RunScope.Everything, nodes));

    private static WantedImage Wanted(string image) => new(ImageRef.Parse(image), NodeSelection.All);

    private static NodeSpec[] Nodes(params string[] names) => names.Select(n => Node(n)).ToArray();

    private static NodeSpec Node(string name, params (string Key, string Value)[] labels) =>
        new(NodeName.Parse(name), name + ".example", 22, "root") { Labels = new NodeLabels(labels.Select(l => KeyValuePair.Create(l.Key, l.Value))) };

    private static NodeInventory Inventory(string node, params string[] tags) =>
        new(NodeName.Parse(node), tags.Select(t => new NodeImage("id-" + t, [ImageRef.Parse(t)], [], 100)).ToList(), []);
}
