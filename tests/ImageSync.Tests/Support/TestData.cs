using ImageSync.Actors;
using ImageSync.Configuration;
using ImageSync.Locking;
using ImageSync.Nodes;
using ImageSync.Domain;

namespace ImageSync.Tests.Support;

/// <summary>Settings for specs, built through the real loader so they always pass its validation.</summary>
public static class TestData
{
    public static ImageSyncSettings Simulated(string extra = "", params string[] nodes) =>
        SettingsLoader.Parse($$"""
            image-sync {
              transport = simulated
              nodes = [ {{string.Join(", ", (nodes.Length == 0 ? ["w1", "w2", "w3"] : nodes).Select(n => $"{{ name = {n} }}"))}} ]
              images.include-prefixes = ["registry.example.com/"]
              logs.dir = /tmp/unused
              transfer.mode = registry-only
              {{extra}}
            }
            """, "spec.conf", name => name == "HOME" ? "/root" : null);

    /// <summary>Settings of SSH nodes, as a daemon reads them (specs never reach them): node <c>wN</c> at <c>wN.example</c>.</summary>
    public static ImageSyncSettings Ssh(string extra = "", params string[] nodes) =>
        Simulated($$"""
            transport = ssh
            nodes = [ {{string.Join(", ", (nodes.Length == 0 ? ["w1", "w2", "w3"] : nodes).Select(n => $"{{ name = {n}, host = {n}.example }}"))}} ]
            {{extra}}
            """);

    public static PullSettings Pull(int maxParallel = 4, int maxPerNode = 2, string timeout = "10s") =>
        Dispatching(maxParallel, maxPerNode, timeout).Pull;

    /// <summary>Settings for dispatcher specs: no canaries and no retries unless asked, so each spec sees one mechanism.</summary>
    public static ImageSyncSettings Dispatching(int maxParallel = 4, int maxPerNode = 2, string timeout = "10s", string extra = "") =>
        Simulated($$"""
            pull { max-parallel = {{maxParallel}}, max-per-node = {{maxPerNode}}, timeout = {{timeout}}, kill-after = 2s, watchdog-grace = 3s, canary = off, retries = 0 }
            {{extra}}
            """);

    public static Akka.Actor.Props Coordinator(ImageSyncSettings settings, INodeTransport transport, IRunGate? gate = null) =>
        SyncCoordinator.Props(new ReloadableSetup(new SyncSetup(settings, transport)), gate ?? new OpenGate(), TimeProvider.System);

    /// <summary>Every node of the plan (pulling or holding) on linux/amd64, with no image filesystem known: no disk guard, copies allowed.</summary>
    public static IReadOnlyDictionary<NodeName, NodeFacts> OnePlatform(SyncPlan plan) =>
        plan.Pulls.SelectMany(p => p.Sources.Append(p.Node)).Distinct().ToDictionary(n => n, _ => new NodeFacts(new Platform("linux", "amd64"), null, []));

    public static ImageRef Image(string name) => ImageRef.Parse($"registry.example.com/team/{name}");

    public static PlannedPull Pull(string node, string image, long size = 1) => new(NodeName.Parse(node), Image(image), size, []);
}
