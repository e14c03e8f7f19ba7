using ImageSync.Domain;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Domain;

public sealed class DiskBudgetSpecs
{
    private const long MiB = 1 << 20;
    private static readonly DiskPolicy Guard = new(0.8, 0, 2.0, DiskOrder.SmallestFirst, TimeSpan.FromHours(6), TimeSpan.FromHours(48));

    [Fact]
    public void Should_keep_the_smallest_pulls_that_fit_under_the_limit_and_skip_the_rest_with_the_numbers()
    {
        // 1000 MiB, 600 available: 40 % used, 400 MiB to the 80 % limit; each image takes twice its size.
        var plan = Plan(("a", 150), ("b", 50), ("c", 100), ("d", 10));

        var guarded = DiskBudget.Apply(plan, Disk("w1", size: 1000, available: 600), Guard);

        Assert.Equal(["team/a:1"], guarded.Skips.Select(s => s.Pull.Image.ToString()[21..]));
        Assert.Equal("disk: would reach 102 % of /var/lib/containerd (limit 80 %)", guarded.Skips[0].Reason);
        Assert.Null(guarded.SkipReason(plan.Pulls.Single(p => p.Image == TestData.Image("c:1"))));
    }

    [Fact]
    public void Should_keep_the_largest_first_when_so_ordered()
    {
        var plan = Plan(("a", 150), ("b", 50), ("c", 100), ("d", 10));

        var guarded = DiskBudget.Apply(plan, Disk("w1", size: 1000, available: 600), Guard with { Order = DiskOrder.LargestFirst });

        // a (300), then c (200) would make 500 > 400: skipped; b (100) makes 400, the limit; d (20) no longer fits.
        Assert.Equal(["team/c:1", "team/d:1"], guarded.Skips.Select(s => s.Pull.Image.ToString()[21..]));
    }

    [Fact]
    public void Should_count_each_pull_at_its_size_times_the_growth_factor()
    {
        var plan = Plan(("a", 100), ("b", 100));

        Assert.Single(DiskBudget.Apply(plan, Disk("w1", size: 1000, available: 600), Guard with { GrowthFactor = 3 }).Skips);
        Assert.Empty(DiskBudget.Apply(plan, Disk("w1", size: 1000, available: 600), Guard with { GrowthFactor = 1 }).Skips);
    }

    [Fact]
    public void Should_keep_min_free_available_whatever_the_percentage()
    {
        var plan = Plan(("a", 100));

        var guarded = DiskBudget.Apply(plan, Disk("w1", size: 100_000, available: 300), Guard with { MaxUsage = 0.999, MinFree = 200 * MiB });

        Assert.Equal("disk: would leave 100.0 MiB available on /var/lib/containerd (min-free 200MiB)", Assert.Single(guarded.Skips).Reason);
    }

    [Fact]
    public void Should_skip_nothing_when_max_usage_is_100_percent()
    {
        var plan = Plan(("a", 5000));

        Assert.Empty(DiskBudget.Apply(plan, Disk("w1", size: 1000, available: 10), Guard with { MaxUsage = 1 }).Skips);
    }

    [Fact]
    public void Should_skip_nothing_on_a_node_whose_image_filesystem_is_unknown()
    {
        var plan = Plan(("a", 5000));

        Assert.Empty(DiskBudget.Apply(plan, new Dictionary<NodeName, NodeFacts> { [NodeName.Parse("w1")] = NodeFacts.Unknown }, Guard).Skips);
    }

    [Fact]
    public void Should_decide_the_same_skips_whatever_order_the_plan_lists_its_pulls()
    {
        var plan = Plan(("a", 100), ("b", 100), ("c", 100));
        var reversed = new SyncPlan(plan.Pulls.Reverse().ToList());

        Assert.Equal(
            DiskBudget.Apply(plan, Disk("w1", 1000, 600), Guard).Skips.Select(s => s.Pull.Image),
            DiskBudget.Apply(reversed, Disk("w1", 1000, 600), Guard).Skips.Select(s => s.Pull.Image));
    }

    [Fact]
    public void Should_skip_a_pull_to_be_pinned_that_would_take_the_pinned_images_past_the_limit_though_the_disk_has_room()
    {
        // 1000 MiB, 900 available (10 % used): room for all; but 350 MiB are pinned already (700 MiB estimated, 70 %).
        var plan = Plan(("a", 40), ("b", 60), ("c", 100));
        var pinned = new PinnedDisk(new Dictionary<NodeName, long> { [NodeName.Parse("w1")] = 350 * MiB }, pull => pull.Image != TestData.Image("c:1"));

        var guarded = DiskBudget.Apply(plan, Disk("w1", size: 1000, available: 900), Guard, pinned);

        // a (80 MiB) makes 78 %; b (120 MiB) would make 90 %; c is not to be pinned and fits.
        var skip = Assert.Single(guarded.Skips);
        Assert.Equal((TestData.Image("b:1"), "disk: pinned images would take 90 % of /var/lib/containerd, which kubelet's image GC cannot free (limit 80 %)"),
            (skip.Pull.Image, skip.Reason));
    }

    private static SyncPlan Plan(params (string Image, long MiBs)[] images) =>
        new(images.Select(i => TestData.Pull("w1", $"{i.Image}:1", i.MiBs * MiB)).OrderBy(p => p.Image).ToList());

    private static Dictionary<NodeName, NodeFacts> Disk(string node, long size, long available) =>
        new() { [NodeName.Parse(node)] = new NodeFacts(new Platform("linux", "amd64"), new ImageFilesystem("/var/lib/containerd/x", "/var/lib/containerd", size * MiB, (size - available) * MiB, available * MiB), []) };
}
