using Akka.Actor;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

public static class PinKeeperEvents
{
    /// <summary>Every pin and unpin was answered or failed: what changed, and the work that failed (tried again next sync).</summary>
    public sealed record Done(IReadOnlyList<PinChange> Changes, IReadOnlyList<PinWork> Failed) : INoSerializationVerificationNeeded;
}

/// <summary>
/// Asks the nodes for the pins and unpins a run needs once its pulls are done: one call at a time per node, at most
/// <c>pull.max-parallel</c> nodes at once, each bounded by its session's command timeout. Every answer is published as it
/// comes (the history records it, the run log says it); the parent gets them all in <see cref="PinKeeperEvents.Done"/>.
/// </summary>
public sealed class PinKeeper : ReceiveActor
{
    private readonly Dictionary<NodeName, Queue<PinWork>> _queues;
    private readonly Queue<NodeName> _waiting;
    private readonly IReadOnlyDictionary<NodeName, INodeSession> _sessions;
    private readonly int _maxParallel;
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<PinChange> _changes = [];
    private readonly List<PinWork> _failed = [];
    private int _running;

    public PinKeeper(IReadOnlyList<PinWork> work, IReadOnlyDictionary<NodeName, INodeSession> sessions, int maxParallel)
    {
        _queues = work.GroupBy(w => w.Node).ToDictionary(g => g.Key, g => new Queue<PinWork>(g));
        _waiting = new Queue<NodeName>(_queues.Keys.Order());
        _sessions = sessions;
        _maxParallel = maxParallel;
        Receive<Answered>(answered => Ended(answered.Work, () =>
        {
            var change = PinBook.Answered(answered.Work, answered.Answer);
            _changes.Add(change);
            Context.System.EventStream.Publish(new SyncEvents.PinChanged(change));
        }));
        Receive<Failed>(failed => Ended(failed.Work, () =>
        {
            _failed.Add(failed.Work);
            Context.System.EventStream.Publish(new SyncEvents.PinFailed(failed.Work, failed.Reason));
        }));
    }

    public static Props Props(IReadOnlyList<PinWork> work, IReadOnlyDictionary<NodeName, INodeSession> sessions, int maxParallel) =>
        Akka.Actor.Props.Create(() => new PinKeeper(work, sessions, maxParallel));

    protected override void PreStart() => StartMore();

    protected override void PostStop() => _cancel.Cancel();

    private void StartMore()
    {
        while (_running < _maxParallel && _waiting.TryDequeue(out var node))
        {
            _running++;
            Ask(_queues[node].Dequeue());
        }
    }

    private void Ask(PinWork work) =>
        _sessions[work.Node].RunAsync(new NodeCommand.SetPin(work.Image, work.Pin), _cancel.Token).PipeTo(Self,
            success: answer => new Answered(work, answer),
            failure: error => new Failed(work, NodeException.ReasonOf(error)));

    /// <summary>The node's next call goes out at once; a node with nothing left frees its place for another.</summary>
    private void Ended(PinWork work, Action record)
    {
        record();
        if (_queues[work.Node].TryDequeue(out var next))
        {
            Ask(next);
            return;
        }
        _running--;
        StartMore();
        if (_running > 0) return;
        Context.Parent.Tell(new PinKeeperEvents.Done(_changes, _failed));
        Context.Stop(Self);
    }

    private sealed record Answered(PinWork Work, PinAnswer Answer) : INoSerializationVerificationNeeded;

    private sealed record Failed(PinWork Work, string Reason) : INoSerializationVerificationNeeded;
}
