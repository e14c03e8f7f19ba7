using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Tests.Support;
using static ImageSync.Domain.PullDecisions;

namespace ImageSync.Tests.Domain;

/// <summary>Copies from other nodes (transfer modes, source choice, fan-out, failures), as the dispatcher's pure state decides them.</summary>
public sealed class PullDispatchCopySpecs
{
    private const string NotFound = "NotFound: failed to pull and unpack image: not found";
    private const string Id = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(100);

    [Fact]
    public void Should_copy_from_a_node_that_holds_it_when_the_registry_fails_for_good_and_check_the_image_id()
    {
        var state = State("registry-then-peer", Pull("w2", sources: ["w1"]));
        var pulled = state.NextAttempt(T0)!;

        Assert.Null(pulled.Source);
        state.AttemptEnded(pulled.JobId, Failed(pulled, NotFound), false, T0);
        var copy = state.NextAttempt(T0)!;
        var verify = Assert.Single(state.AttemptEnded(copy.JobId, Copied(copy), false, T0).OfType<Verify>());
        var settled = Assert.Single(state.Verified(verify.Node, Inventory("w2", copy.Pull.Image, Id), T0).OfType<Settled>()).Outcome;

        Assert.Equal(("w1", 2), (copy.Source?.Value, copy.Number));
        Assert.Equal((PullResult.Success, "w1"), (settled.Result, settled.Copy?.Source.Value));
    }

    [Fact]
    public void Should_fail_a_copy_the_target_does_not_list_as_the_sources_image()
    {
        var state = State("peer-first", Pull("w2", sources: ["w1"]));
        var copy = state.NextAttempt(T0)!;
        state.AttemptEnded(copy.JobId, Copied(copy), false, T0);

        var settled = Assert.Single(state.Verified(NodeName.Parse("w2"), Inventory("w2", copy.Pull.Image, "sha256:" + new string('2', 64)), T0).OfType<Settled>()).Outcome;

        Assert.Equal(PullResult.Failed, settled.Result);
        Assert.StartsWith("not the source's image after the copy", settled.Reason);
    }

    [Fact]
    public void Should_copy_at_once_under_peer_first_and_never_ask_the_registry()
    {
        var state = State("peer-first", Pull("w2", sources: ["w1"]), Pull("w3", sources: ["w1"]));

        var first = state.NextAttempt(T0)!;

        Assert.Equal("w1", first.Source?.Value);
        Assert.Null(state.NextAttempt(T0));
    }

    [Fact]
    public void Should_not_copy_under_registry_only()
    {
        var state = State("registry-only", Pull("w2", sources: ["w1"]));
        var pulled = state.NextAttempt(T0)!;

        var decisions = state.AttemptEnded(pulled.JobId, Failed(pulled, NotFound), false, T0);

        Assert.Equal(NotFound, Assert.Single(decisions.OfType<Settled>()).Outcome.Reason);
        Assert.Null(state.NextAttempt(T0));
    }

    [Fact]
    public void Should_not_copy_an_image_transfer_exclude_names_and_say_why()
    {
        var state = State("registry-then-peer, exclude = [\"*\"]", Pull("w2", sources: ["w1"]));
        var pulled = state.NextAttempt(T0)!;

        var decisions = state.AttemptEnded(pulled.JobId, Failed(pulled, NotFound), false, T0);

        Assert.Equal($"{NotFound}; no copy from another node: transfer.exclude names it (its pods pull it with their own credentials)",
            Assert.Single(decisions.OfType<Settled>()).Outcome.Reason);
        Assert.Null(state.NextAttempt(T0));
    }

    [Fact]
    public void Should_fan_out_a_node_that_received_the_image_becomes_a_source_too()
    {
        var state = State("peer-first", Pull("w2", sources: ["w1"]), Pull("w3", sources: ["w1"]), Pull("w4", sources: ["w1"]));
        var first = state.NextAttempt(T0)!;
        Assert.Null(state.NextAttempt(T0));

        state.AttemptEnded(first.JobId, Copied(first), false, T0);
        var next = new[] { state.NextAttempt(T0)!, state.NextAttempt(T0)! };

        Assert.Equal(["w1", first.Pull.Node.Value], next.Select(a => a.Source!.Value).Order());
    }

    [Fact]
    public void Should_copy_only_from_the_first_holders_when_fan_out_is_off()
    {
        var settings = TestData.Simulated("transfer { mode = peer-first, max-per-source = 1, fan-out = off }");
        var plan = new SyncPlan([Pull("w2", sources: ["w1"]), Pull("w3", sources: ["w1"])]);
        var state = new PullDispatchState(plan, TestData.OnePlatform(plan), settings.Dispatch, T0, () => 0.5);
        state.Start(T0);
        var first = state.NextAttempt(T0)!;

        state.AttemptEnded(first.JobId, Copied(first), false, T0);

        Assert.Equal("w1", state.NextAttempt(T0)!.Source?.Value);
    }

    [Fact]
    public void Should_try_another_source_when_one_fails_and_fail_with_both_reasons_when_none_is_left()
    {
        var state = State("registry-then-peer", Pull("w3", sources: ["w1", "w2"]));
        var pulled = state.NextAttempt(T0)!;
        state.AttemptEnded(pulled.JobId, Failed(pulled, NotFound), false, T0);

        var first = state.NextAttempt(T0)!;
        state.AttemptEnded(first.JobId, Failed(first, $"export on {first.Source}: ctr: image not found"), false, T0, sourceFailed: true);
        var second = state.NextAttempt(T0)!;
        var last = state.AttemptEnded(second.JobId, Failed(second, $"export on {second.Source}: connection lost"), false, T0, sourceFailed: true);

        Assert.Equal(["w1", "w2"], new[] { first.Source!.Value, second.Source!.Value }.Order());
        var settled = Assert.Single(last.OfType<Settled>()).Outcome;
        Assert.Equal($"{NotFound}; copy failed: export on {second.Source}: connection lost", settled.Reason);
    }

    [Fact]
    public void Should_choose_no_copy_source_again_in_the_sync_that_cannot_export_what_it_lists()
    {
        var state = State("peer-first", Pull("w3", sources: ["w1", "w2"]), Pull("w3", sources: ["w1", "w2"], image: "web:1"));
        var app = state.NextAttempt(T0)!;
        var web = state.NextAttempt(T0)!;

        var lacking = CopyExit.LackingContent(app.Source!, app.Pull.Image, "ctr: failed to get reader: content digest sha256:" + new string('a', 64) + ": not found", 0)!;
        var appEnded = state.AttemptEnded(app.JobId, Failed(app, lacking.Error!), false, T0, sourceFailed: true, sourceCannotExport: true);
        var webEnded = state.AttemptEnded(web.JobId, Failed(web, $"export on {web.Source}: connection lost"), false, T0, sourceFailed: true);
        var again = state.NextAttempt(T0)!;

        Assert.Equal(("w1", "w2", "w2"), (app.Source!.Value, web.Source!.Value, again.Source!.Value));
        Assert.Equal(app.Pull, again.Pull);
        Assert.Equal(new Warn(app.Source, $"{lacking.Error}; no more copies come from it in this sync"), Assert.Single(appEnded.OfType<Warn>()));
        // web was never copied from w1, though w1 lists it: w1 can export nothing this sync.
        Assert.Equal("copy failed: export on w2: connection lost", Assert.Single(webEnded.OfType<Settled>()).Outcome.Reason);
    }

    [Fact]
    public void Should_not_try_another_source_when_the_import_failed_on_the_target()
    {
        var state = State("peer-first", Pull("w3", sources: ["w1", "w2"]));
        var copy = state.NextAttempt(T0)!;

        var decisions = state.AttemptEnded(copy.JobId, Failed(copy, "import on w3: ctr: no space left on device"), false, T0);

        Assert.Equal("copy failed: import on w3: ctr: no space left on device", Assert.Single(decisions.OfType<Settled>()).Outcome.Reason);
    }

    [Fact]
    public void Should_settle_with_why_when_the_sources_hold_different_images_under_its_name()
    {
        var state = State("registry-then-peer", Pull("w2", sources: ["w1"], imageId: null));
        var pulled = state.NextAttempt(T0)!;

        var decisions = state.AttemptEnded(pulled.JobId, Failed(pulled, NotFound), false, T0);

        Assert.Equal($"{NotFound}; no copy from another node: the nodes that hold it hold different images under its name",
            Assert.Single(decisions.OfType<Settled>()).Outcome.Reason);
    }

    [Fact]
    public void Should_never_stream_more_than_max_per_source_out_of_one_node()
    {
        var state = State("peer-first", Pull("w2", sources: ["w1"]), Pull("w3", sources: ["w1"]));

        Assert.NotNull(state.NextAttempt(T0));
        Assert.Null(state.NextAttempt(T0));
    }

    [Fact]
    public void Should_copy_only_from_a_source_of_the_targets_platform()
    {
        var state = State("peer-first", Platforms(("amd1", "amd64"), ("arm1", "arm64"), ("arm2", "arm64")), Pull("arm1", sources: ["amd1", "arm2"]));

        var copy = state.NextAttempt(T0)!;
        var settled = Assert.Single(state.AttemptEnded(copy.JobId, Failed(copy, "export on arm2: ctr: not found"), false, T0, sourceFailed: true).OfType<Settled>()).Outcome;

        Assert.Equal("arm2", copy.Source!.Value);
        Assert.StartsWith("copy failed: export on arm2", settled.Reason);
        Assert.Null(state.NextAttempt(T0));
    }

    [Fact]
    public void Should_fail_a_copy_at_once_naming_the_platform_when_no_source_has_it()
    {
        var settings = TestData.Simulated("pull { canary = off, retries = 0 }\ntransfer { mode = peer-first, max-per-source = 1 }");
        var plan = new SyncPlan([Pull("arm1", sources: ["amd1", "amd2"])]);
        var state = new PullDispatchState(plan, Platforms(("amd1", "amd64"), ("amd2", "amd64"), ("arm1", "arm64")), settings.Dispatch, T0, () => 0.5);

        var settled = Assert.Single(state.Start(T0).OfType<Settled>()).Outcome;

        Assert.Equal((PullResult.Failed, "copy failed: no source with linux/arm64"), (settled.Result, settled.Reason));
        Assert.Null(state.NextAttempt(T0));
    }

    [Fact]
    public void Should_keep_a_timed_out_pull_timeout_when_its_copy_fails_too()
    {
        var state = State("registry-then-peer", Pull("w2", sources: ["w1"]));
        var pulled = state.NextAttempt(T0)!;
        state.AttemptEnded(pulled.JobId, new PullOutcome(pulled.Pull, PullResult.Timeout, "timed out after 10s (remote timeout, exit 124)", TimeSpan.FromSeconds(10)), false, T0);
        var copy = state.NextAttempt(T0)!;

        var settled = Assert.Single(state.AttemptEnded(copy.JobId, Failed(copy, "import on w2: ctr: no space left on device"), false, T0).OfType<Settled>()).Outcome;

        Assert.Equal(PullResult.Timeout, settled.Result);
        Assert.Equal("timed out after 10s (remote timeout, exit 124); copy failed: import on w2: ctr: no space left on device", settled.Reason);
    }

    private static PullDispatchState State(string mode, params PlannedPull[] pulls) => State(mode, null, pulls);

    private static PullDispatchState State(string mode, IReadOnlyDictionary<NodeName, NodeFacts>? facts, params PlannedPull[] pulls)
    {
        var settings = TestData.Simulated($"pull {{ canary = off, retries = 0 }}\ntransfer {{ mode = {mode}, max-per-source = 1 }}");
        var plan = new SyncPlan(pulls);
        var state = new PullDispatchState(plan, facts ?? TestData.OnePlatform(plan), settings.Dispatch, T0, () => 0.5);
        state.Start(T0);
        return state;
    }

    private static Dictionary<NodeName, NodeFacts> Platforms(params (string Node, string Architecture)[] nodes) =>
        nodes.ToDictionary(n => NodeName.Parse(n.Node), n => new NodeFacts(new Platform("linux", n.Architecture), null, []));

    private static PlannedPull Pull(string node, string[] sources, string? imageId = Id, string image = "app:1") =>
        new(NodeName.Parse(node), TestData.Image(image), 1000, [.. sources.Select(NodeName.Parse)], imageId);

    private static PullOutcome Failed(PullAttempt attempt, string reason) => new(attempt.Pull, PullResult.Failed, reason, TimeSpan.FromSeconds(1));

    private static PullOutcome Copied(PullAttempt attempt) =>
        new(attempt.Pull, PullResult.Success, null, TimeSpan.FromSeconds(1), Copy: new PeerCopy(attempt.Source!, 1000));

    private static NodeInventory Inventory(string node, ImageRef image, string id) =>
        new(NodeName.Parse(node), [new NodeImage(id, [image], [], 1000)], []);
}
