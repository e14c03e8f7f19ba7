using ImageSync.Domain;

namespace ImageSync.Tests.Domain;

public sealed class SyncPlannerSpecs
{
    private static readonly ImageFilter Team = new(["registry.example.com/team/"], []);

    [Fact]
    public void Should_plan_for_each_node_the_matching_images_others_hold_when_comparing_many_nodes()
    {
        var inventories = new[]
        {
            Inventory("w1", "registry.example.com/team/a:1", "registry.example.com/team/b:1"),
            Inventory("w2", "registry.example.com/team/b:1", "registry.example.com/team/c:1"),
            Inventory("w3", "registry.example.com/team/a:1"),
            Inventory("w4"),
        };

        var plan = SyncPlanner.Plan(inventories, Team);

        Assert.Equal(["team/c:1"], Pulls(plan, "w1"));
        Assert.Equal(["team/a:1"], Pulls(plan, "w2"));
        Assert.Equal(["team/b:1", "team/c:1"], Pulls(plan, "w3"));
        Assert.Equal(["team/a:1", "team/b:1", "team/c:1"], Pulls(plan, "w4"));
    }

    [Fact]
    public void Should_plan_nothing_when_every_node_already_holds_every_matching_image()
    {
        var inventories = new[]
        {
            Inventory("w1", "registry.example.com/team/a:1", "docker.io/library/nginx:1"),
            Inventory("w2", "registry.example.com/team/a:1"),
        };

        Assert.Empty(SyncPlanner.Plan(inventories, Team).Pulls);
    }

    [Fact]
    public void Should_ignore_images_outside_the_prefixes_and_excluded_ones_when_planning()
    {
        var filter = new ImageFilter(["registry.example.com/team/"], ["*-debug"]);
        var inventories = new[]
        {
            Inventory("w1", "docker.io/library/nginx:1", "registry.example.com/team/a:1-debug", "registry.example.com/other/x:1"),
            Inventory("w2"),
        };

        Assert.Empty(SyncPlanner.Plan(inventories, filter).Pulls);
    }

    [Fact]
    public void Should_not_sync_untagged_images_by_tag()
    {
        var untagged = new NodeImage("sha256:1", [], [ImageRef.Parse("registry.example.com/team/a@sha256:" + new string('a', 64))], 10);
        var inventories = new[]
        {
            new NodeInventory(NodeName.Parse("w1"), [untagged], []),
            Inventory("w2"),
        };

        Assert.Empty(SyncPlanner.Plan(inventories, Team).Pulls);
    }

    [Fact]
    public void Should_give_the_same_plan_in_the_same_order_whatever_order_the_inventories_come_in()
    {
        var inventories = new[]
        {
            Inventory("w2", "registry.example.com/team/z:1", "registry.example.com/team/a:1"),
            Inventory("w1", "registry.example.com/team/m:1"),
            Inventory("w3"),
        };

        var forward = SyncPlanner.Plan(inventories, Team).Pulls.Select(p => p.ToString());
        var backward = SyncPlanner.Plan(inventories.Reverse(), Team).Pulls.Select(p => p.ToString());

        Assert.Equal(forward, backward);
        Assert.Equal(
            ["w1 registry.example.com/team/a:1", "w1 registry.example.com/team/z:1", "w2 registry.example.com/team/m:1",
             "w3 registry.example.com/team/a:1", "w3 registry.example.com/team/m:1", "w3 registry.example.com/team/z:1"],
            forward);
    }

    [Fact]
    public void Should_name_the_sources_and_size_of_each_pull()
    {
        var inventories = new[]
        {
            Inventory("w1", "registry.example.com/team/a:1"),
            Inventory("w2", "registry.example.com/team/a:1"),
            Inventory("w3"),
        };

        var pull = Assert.Single(SyncPlanner.Plan(inventories, Team).Pulls);

        Assert.Equal(["w1", "w2"], pull.Sources.Select(s => s.Value));
        Assert.Equal(100, pull.SizeBytes);
    }

    [Fact]
    public void Should_report_a_tag_whose_digest_differs_across_nodes()
    {
        var inventories = new[]
        {
            WithDigests("w1", ("registry.example.com/team/api:1", 'a'), ("registry.example.com/team/web:1", 'c')),
            WithDigests("w2", ("registry.example.com/team/api:1", 'b'), ("registry.example.com/team/web:1", 'c')),
            WithDigests("w3", ("registry.example.com/team/api:1", 'a')),
        };

        var drift = Assert.Single(SyncPlanner.Plan(inventories, Team).Drifts);

        Assert.Equal("registry.example.com/team/api:1", drift.Tag.ToString());
        Assert.Equal(["w1", "w2", "w3"], drift.Digests.Keys.Select(n => n.Value));
        Assert.Equal("sha256:" + new string('b', 64), drift.Digests[NodeName.Parse("w2")]);
    }

    [Fact]
    public void Should_sync_untagged_images_by_digest_only_when_asked()
    {
        var digest = ImageRef.Parse("registry.example.com/team/base@sha256:" + new string('d', 64));
        var inventories = new[]
        {
            new NodeInventory(NodeName.Parse("w1"), [new NodeImage("id", [], [digest], 10)], []),
            Inventory("w2"),
        };

        Assert.Empty(SyncPlanner.Plan(inventories, Team).Pulls);
        var pull = Assert.Single(SyncPlanner.Plan(inventories, Team, includeUntagged: true).Pulls);
        Assert.Equal(("w2", digest), (pull.Node.Value, pull.Image));
    }

    [Fact]
    public void Should_not_pull_by_digest_what_a_node_already_holds_under_a_tag()
    {
        var digest = ImageRef.Parse("registry.example.com/team/base@sha256:" + new string('d', 64));
        var inventories = new[]
        {
            new NodeInventory(NodeName.Parse("w1"), [new NodeImage("id", [], [digest], 10)], []),
            new NodeInventory(NodeName.Parse("w2"), [new NodeImage("id", [ImageRef.Parse("registry.example.com/team/base:1")], [digest], 10)], []),
        };

        var pull = Assert.Single(SyncPlanner.Plan(inventories, Team, includeUntagged: true).Pulls);
        Assert.Equal("w1 registry.example.com/team/base:1", pull.ToString());
    }

    private static NodeInventory WithDigests(string node, params (string Tag, char Digest)[] images) =>
        new(NodeName.Parse(node), images.Select(i =>
        {
            var tag = ImageRef.Parse(i.Tag);
            return new NodeImage("id", [tag], [tag.WithDigestOnly("sha256:" + new string(i.Digest, 64))], 1);
        }).ToList(), []);

    private static NodeInventory Inventory(string node, params string[] tags) =>
        new(NodeName.Parse(node), tags.Select(t => new NodeImage("id-" + t, [ImageRef.Parse(t)], [], 100)).ToList(), []);

    private static List<string> Pulls(SyncPlan plan, string node) =>
        plan.Pulls.Where(p => p.Node == NodeName.Parse(node)).Select(p => p.Image.ToString().Replace("registry.example.com/", "")).ToList();
}
