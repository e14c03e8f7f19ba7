using System.Text.Json;
using Akka.Actor;
using ImageSync.Domain;
using ImageSync.Nodes;
using static ImageSync.Cluster.NodeEntityCommands;
using static ImageSync.Cluster.NodeEntityEvents;

namespace ImageSync.Cluster;

/// <summary>
/// Opens a run's sessions on the replicas that own the nodes (their <see cref="NodeEntity"/>s) instead of in this
/// process. The run, its dispatcher and its workers use them as any session; only where the commands run changes.
/// </summary>
/// <param name="region">This replica's shard region of the nodes' entities.</param>
/// <param name="holder">Whose sessions they are (the coordinator): gone, its sessions are closed wherever they are.</param>
/// <param name="losses">The replicas this one lost sight of: a call to an entity on one of them is lost.</param>
public sealed class ShardedTransport(IActorRef region, IActorRef holder, ReplicaLosses losses) : INodeTransport
{
    private readonly long _sync = ShardedNodeSession.NextId();

    public async Task<INodeSession> ConnectAsync(NodeSpec node, CancellationToken cancellationToken)
    {
        var session = new ShardedNodeSession(node, region, holder, _sync, losses);
        await session.OpenAsync(cancellationToken);
        return session;
    }
}

/// <summary>
/// A node's session held by its entity, maybe on another replica. Each operation is one call to the entity; a
/// cancelled one is cancelled there too. If the entity stops (its shard moved) or its replica becomes unreachable
/// while a call is out, the call ends in a <see cref="NodeFailure.ReplicaLost"/> failure, and the next call opens the session
/// afresh wherever the node's shard lives then.
/// </summary>
public sealed class ShardedNodeSession : INodeSession
{
    // Seeded at random: after a failover, the new coordinator's calls must not reuse the ids of the old one's.
    private static long _lastId = Random.Shared.NextInt64(1L << 52);

    private readonly NodeSpec _spec;
    private readonly IActorRef _region;
    private readonly IActorRef _holder;
    private readonly long _sync;
    private readonly ReplicaLosses _losses;
    private readonly SemaphoreSlim _opening = new(1, 1);
    private readonly CancellationTokenSource _closed = new();
    private Held? _held;
    private Address? _lostOn;

    internal ShardedNodeSession(NodeSpec spec, IActorRef region, IActorRef holder, long sync, ReplicaLosses losses)
    {
        _spec = spec;
        _region = region;
        _holder = holder;
        _sync = sync;
        _losses = losses;
    }

    internal static long NextId() => Interlocked.Increment(ref _lastId);

    public NodeName Node => _spec.Name;

    public bool Reused { get; private set; }

    internal async Task OpenAsync(CancellationToken cancellationToken)
    {
        var id = NextId();
        var opened = Expect<Opened>(await _region.Ask<Answer>(new Open(Node, id, NodeDigests.Of(_spec), _holder, _sync), null, cancellationToken));
        Reused = opened.Reused;
        _held = new Held(opened.Entity, id, LostAsync(opened.Entity));
    }

    /// <summary>True once the entity stops or its replica is lost; false once this session is closed.</summary>
    private async Task<bool> LostAsync(IActorRef entity)
    {
        var stopped = entity.WatchAsync(_closed.Token);
        if (entity.Path.Address.HasLocalScope) return await stopped;
        var unreachable = _losses.WhenLost(entity.Path.Address).WaitAsync(_closed.Token);
        return await Task.WhenAny(stopped, unreachable) == stopped ? await stopped : unreachable.IsCompletedSuccessfully;
    }

    public async Task<TAnswer> RunAsync<TAnswer>(NodeCommand<TAnswer> command, CancellationToken cancellationToken)
    {
        // A copy names a session, which cannot travel: the target's owner relays it from the source's name.
        if (command is NodeCommand.CopyTo copy) return (TAnswer)(object)await CopyAsync(copy, cancellationToken);
        var ran = await CallAsync<Ran>(id => new Run(Node, id, command), cancellationToken);
        try
        {
            return ran.Answer.Deserialize<TAnswer>(WireFormats.Answers) ?? throw new JsonException("the answer is empty");
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new NodeException(Node, $"its replica's answer to {command.GetType().Name} could not be read: {e.Message}");
        }
    }

    private async Task<CopyExit> CopyAsync(NodeCommand.CopyTo copy, CancellationToken cancellationToken)
    {
        if (copy.Target is not ShardedNodeSession onto) throw new ArgumentException("a sharded session copies only to another sharded session", nameof(copy));
        return (await onto.CallAsync<Copied>(id => new Copy(onto.Node, id, copy.Image, Node, NodeDigests.Of(_spec), copy.Limits), cancellationToken)).Exit;
    }

    private async Task<T> CallAsync<T>(Func<long, Call> call, CancellationToken cancellationToken) where T : Answer
    {
        var held = await HeldAsync(cancellationToken);
        var id = NextId();
        await using var giveUp = cancellationToken.Register(() => held.Entity.Tell(new Cancel(Node, id), _holder));
        var answer = held.Entity.Ask<Answer>(call(id), null, cancellationToken);
        if (await Task.WhenAny(answer, held.Lost) == held.Lost && await held.Lost)
        {
            _lostOn = held.Entity.Path.Address;
            Interlocked.CompareExchange(ref _held, null, held);
            throw NodeException.Of(Node, NodeFailure.ReplicaLost, "the replica holding its session was lost (unreachable, or its shard moved to another replica) during the call");
        }
        return Expect<T>(await answer);
    }

    /// <summary>The session's entity; opened again first when the last one was lost.</summary>
    private async Task<Held> HeldAsync(CancellationToken cancellationToken)
    {
        if (_held is { } current) return current;
        await _opening.WaitAsync(cancellationToken);
        try
        {
            if (_held is null)
            {
                // Sent while the cluster still counts the lost replica as the node's home, an open would vanish.
                if (_lostOn is { } lostOn) await _losses.WhenSettled(lostOn).WaitAsync(cancellationToken);
                await OpenAsync(cancellationToken);
            }
            return _held!;
        }
        finally
        {
            _opening.Release();
        }
    }

    private T Expect<T>(Answer answer) where T : Answer => answer switch
    {
        T expected => expected,
        // Only this session knows that a replica was lost; an entity that says so is a node failure, never a rerun.
        Failed failed => throw NodeException.Of(Node, failed.Kind == NodeFailure.ReplicaLost ? NodeFailure.Node : failed.Kind, failed.Reason),
        _ => throw new NodeException(Node, $"its entity answered {answer.GetType().Name}, not {typeof(T).Name}"),
    };

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _held, null) is { } held) held.Entity.Tell(new Close(Node, held.OpenedBy), _holder);
        _closed.Cancel();
        return ValueTask.CompletedTask;
    }

    /// <param name="Lost">Completes true when the entity stops or its replica is lost; false once this session is closed.</param>
    private sealed record Held(IActorRef Entity, long OpenedBy, Task<bool> Lost);
}
