using ImageSync.Domain;
using ImageSync.Tests.Support;
using static ImageSync.Domain.PullDecisions;

namespace ImageSync.Tests.Domain;

/// <summary>The disk guard while a run pulls: skips of the plan settled first, and a fresh df when a node grows more than its estimate.</summary>
public sealed class PullDispatchDiskSpecs
{
    private const long MiB = 1 << 20;
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(100);
    private static readonly NodeName W1 = NodeName.Parse("w1");

    [Fact]
    public void Should_settle_the_pulls_the_plan_skips_as_skipped_with_their_reason_at_the_start()
    {
        var (state, decisions) = Start(available: 500, ("a", 100), ("b", 100));

        var skipped = Assert.Single(decisions.OfType<Settled>()).Outcome;

        Assert.Equal((PullResult.Skipped, "team/b:1"), (skipped.Result, skipped.Pull.Image.ToString()[21..]));
        Assert.StartsWith("disk: would reach", skipped.Reason);
        Assert.Equal("team/a:1", state.NextAttempt(T0)!.Pull.Image.ToString()[21..]);
    }

    [Fact]
    public void Should_skip_what_waits_when_a_fresh_df_shows_the_node_grew_by_more_than_twice_the_estimate()
    {
        var (state, _) = Start(available: 900, ("a", 10), ("b", 100), ("c", 100));
        var first = state.NextAttempt(T0)!;
        var readDisk = Assert.Single(state.AttemptEnded(first.JobId, Success(first), false, T0).OfType<ReadDisk>());

        // b, estimated at 200 MiB, took 500: the 400 MiB available leave 200 under 80 %, room for a (20) but not c (200).
        var settled = state.DiskRead(W1, ImageFs(available: 400), T0).OfType<Settled>().Select(s => s.Outcome).ToList();

        Assert.Equal(("team/b:1", W1, "/var/lib/containerd/x"), (first.Pull.Image.ToString()[21..], readDisk.Node, readDisk.Path));
        var skipped = Assert.Single(settled);
        Assert.Equal((PullResult.Skipped, "team/c:1"), (skipped.Result, skipped.Pull.Image.ToString()[21..]));
        Assert.EndsWith("(read again: the pulls so far took 500.0 MiB, estimated 200.0 MiB)", skipped.Reason);
        Assert.Equal("team/a:1", state.NextAttempt(T0)!.Pull.Image.ToString()[21..]);
    }

    [Fact]
    public void Should_scale_what_waits_by_how_much_the_pulls_outgrew_their_estimate_even_when_less_than_twice()
    {
        var (state, _) = Start(available: 900, ("a", 50), ("b", 100), ("c", 100));
        var first = state.NextAttempt(T0)!;
        state.AttemptEnded(first.JobId, Success(first), false, T0);

        // b, estimated at 200 MiB, took 380 (1.9x): 320 MiB are left under 80 %; a now counts 190, c 380. Unscaled, both
        // would fit (100 + 200) and the node would end at 98 %.
        var skipped = Assert.Single(state.DiskRead(W1, ImageFs(available: 520), T0).OfType<Settled>()).Outcome;

        Assert.Equal((PullResult.Skipped, "team/c:1"), (skipped.Result, skipped.Pull.Image.ToString()[21..]));
        Assert.Equal("disk: would reach 105 % of /var/lib/containerd (limit 80 %)", skipped.Reason);
        Assert.Equal("team/a:1", state.NextAttempt(T0)!.Pull.Image.ToString()[21..]);
    }

    [Fact]
    public void Should_skip_nothing_when_the_fresh_df_agrees_with_the_estimate()
    {
        var (state, _) = Start(available: 900, ("a", 10), ("b", 100), ("c", 100));
        var first = state.NextAttempt(T0)!;
        state.AttemptEnded(first.JobId, Success(first), false, T0);

        Assert.Empty(state.DiskRead(W1, ImageFs(available: 880), T0).OfType<Settled>());
    }

    private static (PullDispatchState, IReadOnlyList<IPullDecision>) Start(long available, params (string Image, long MiBs)[] images)
    {
        var settings = TestData.Simulated("pull { canary = off, verify = off, retries = 0, max-per-node = 1, disk { max-usage = 80%, min-free = 0, growth-factor = 2.0 } }");
        var wanted = new SyncPlan(images.Select(i => TestData.Pull("w1", $"{i.Image}:1", i.MiBs * MiB)).ToList());
        var facts = new Dictionary<NodeName, NodeFacts> { [W1] = new(new Platform("linux", "amd64"), ImageFs(available), []) };
        var plan = DiskBudget.Apply(wanted, facts, settings.Pull.Disk);
        var state = new PullDispatchState(plan, facts, settings.Dispatch, T0, () => 0.5);
        return (state, state.Start(T0));
    }

    private static ImageFilesystem ImageFs(long available) => new("/var/lib/containerd/x", "/var/lib/containerd", 1000 * MiB, (1000 - available) * MiB, available * MiB);

    private static PullOutcome Success(PullAttempt attempt) => new(attempt.Pull, PullResult.Success, null, TimeSpan.FromSeconds(1));
}
