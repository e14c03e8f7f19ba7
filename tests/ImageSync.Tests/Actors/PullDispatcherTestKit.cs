using Akka.Actor;
using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

/// <summary>What the dispatcher's specs share: scripted sessions on one recorded fleet, a plan over them, and a dispatcher started as a child.</summary>
public abstract class PullDispatcherTestKit : VirtualTimeTestKit
{
    protected PullRecorder Fleet { get; } = new();

    protected IActorRef StartDispatcher(SyncPlan plan, Dictionary<NodeName, ScriptedSession> sessions, int maxParallel, int maxPerNode, string extra = "") =>
        ChildActorOf(PullDispatcher.Props(
            plan,
            sessions.ToDictionary(s => s.Key, s => (INodeSession)s.Value),
            sessions.ToDictionary(s => s.Key, s => s.Value.Facts),
            TestData.Dispatching(maxParallel, maxPerNode, extra: extra),
            TimeSpan.Zero));

    protected Dictionary<NodeName, ScriptedSession> Sessions(int count, bool hold) =>
        Enumerable.Range(0, count)
            .Select(i => new ScriptedSession(NodeName.Parse($"n{i}"), Fleet) { Script = hold ? _ => null : _ => new PullExit(0, "") })
            .ToDictionary(s => s.Node);

    protected static SyncPlan Plan(IEnumerable<NodeName> nodes, int imagesPerNode) =>
        new(nodes.SelectMany(n => Enumerable.Range(0, imagesPerNode).Select(i => TestData.Pull(n.Value, $"img:{i}"))).ToList());
}
