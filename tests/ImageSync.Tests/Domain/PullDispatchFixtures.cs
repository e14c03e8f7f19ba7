using ImageSync.Domain;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Domain;

/// <summary>A started <see cref="PullDispatchState"/> and the pulls, attempts and outcomes its specs feed it.</summary>
internal static class PullDispatchFixtures
{
    public const string Transient = "Unavailable: EOF";
    public static readonly TimeSpan T0 = TimeSpan.FromSeconds(100);

    public static PullDispatchState StartedState(IReadOnlyList<PlannedPull> pulls, string pull = "", double jitter = 0.5, string grace = "10s", string transfer = "registry-only")
    {
        var settings = TestData.Simulated($"pull {{ canary = off, verify = off, retries = 0, {pull} }}\nshutdown-grace = {grace}\ntransfer {{ mode = {transfer}, max-per-source = 1 }}");
        var plan = new SyncPlan(pulls);
        var state = new PullDispatchState(plan, TestData.OnePlatform(plan), settings.Dispatch, T0, () => jitter);
        state.Start(T0);
        return state;
    }

    public static List<PlannedPull> Pulls(params (string Node, string Image, long Size)[] pulls) =>
        [.. pulls.Select(p => TestData.Pull(p.Node, p.Image, p.Size))];

    public static List<PullAttempt> Drain(PullDispatchState state)
    {
        var started = new List<PullAttempt>();
        while (state.NextAttempt(T0) is { } attempt) started.Add(attempt);
        return started;
    }

    public static PullOutcome Success(PullAttempt attempt) => new(attempt.Pull, PullResult.Success, null, TimeSpan.FromSeconds(1));

    public static PullOutcome Failed(PullAttempt attempt, string reason) => new(attempt.Pull, PullResult.Failed, reason, TimeSpan.FromSeconds(1));

    public static NodeInventory Inventory(string node, params ImageRef[] images) =>
        new(NodeName.Parse(node), [.. images.Select(i => new NodeImage(i.ToString(), [i], [], 1))], []);
}
