using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using ImageSync.Daemon;
using ImageSync.Domain;
using ImageSync.Nodes;
using static ImageSync.Cluster.NodeEntityCommands;
using static ImageSync.Cluster.NodeEntityEvents;

namespace ImageSync.Cluster;

/// <summary>
/// One worker node's SSH session in a cluster, on the replica that owns the node (Cluster Sharding spreads the
/// nodes over the replicas). The coordinator's run reaches it through a <c>ShardedNodeSession</c>; every
/// operation on the node runs here, on this replica's transport, whose kept connections stay warm between
/// syncs. A copy onto this node is relayed by this replica from the source over a connection of its own.
/// </summary>
public sealed class NodeEntity : ReceiveActor, IWithUnboundedStash
{
    private readonly ReloadableSetup _setup;
    private readonly SyncStarts _syncStarts;
    private readonly Dictionary<long, CancellationTokenSource> _calls = [];
    private Session? _session;
    private long _opening;

    public NodeEntity(ReloadableSetup setup, SyncStarts syncStarts)
    {
        _setup = setup;
        _syncStarts = syncStarts;
        Closed();
    }

    public static Props Props(ReloadableSetup setup, SyncStarts syncStarts) => Akka.Actor.Props.Create(() => new NodeEntity(setup, syncStarts));

    public IStash Stash { get; set; } = null!;

    private void Closed()
    {
        Receive<Open>(Connect);
        Receive<Call>(call => Sender.Tell(new Failed(call.Id, NodeFailure.Node, "its session on the owning replica is closed (the replica restarted?)")));
        WhatEverTheState();
    }

    private void Connect(Open open)
    {
        var hold = _setup.Hold(out var setup);
        var replyTo = Sender;
        _opening = open.Id;
        _syncStarts.Starting(open.Sync, setup.Transport);
        setup.Transport.ConnectAsync(open.Spec, Track(open.Id)).PipeTo(Self,
            success: session => new Connected(open, replyTo, new Session(session, open.Id, open.Holder, setup.Transport, hold)),
            failure: error =>
            {
                hold.Dispose();
                return new Ended(open.Id, replyTo, Failure(open.Id, error));
            });
        Become(Opening);
    }

    private void Opening()
    {
        Receive<Connected>(connected =>
        {
            Untrack(connected.Open.Id);
            _session = connected.Session;
            Context.Watch(connected.Open.Holder);
            connected.ReplyTo.Tell(new Opened(connected.Open.Id, connected.Session.Node.Reused, Self));
            Become(Serving);
            Stash.UnstashAll();
        });
        Receive<Ended>(ended => ended.Id == _opening, ended =>
        {
            Reply(ended);
            Become(Closed);
            Stash.UnstashAll();
        });
        Receive<Cancel>(cancel => Untrack(cancel.Id, cancelled: true));
        Receive<Ended>(Reply);
        ReceiveAny(_ => Stash.Stash());
    }

    private void Serving()
    {
        Receive<Open>(open =>
        {
            CloseSession();
            Connect(open);
        });
        Receive<Close>(close => close.Opened == _session!.OpenedBy, _ => CloseAndWait());
        Receive<Terminated>(gone => gone.ActorRef.Equals(_session!.Holder), _ => CloseAndWait());
        Receive<Check>(call => Run(call, (node, token) => node.CheckAsync(token), facts => new Checked(call.Id, facts)));
        Receive<ReadImageFs>(call => Run(call, (node, token) => node.ReadImageFsAsync(call.Path, token), fs => new ImageFsRead(call.Id, fs)));
        Receive<ListImages>(call => Run(call, (node, token) => node.ListImagesAsync(token), inventory => new Listed(call.Id, inventory)));
        Receive<Pull>(call => Run(call, (node, token) => node.PullAsync(call.Image, call.Timeout, token), exit => new Pulled(call.Id, exit)));
        Receive<Copy>(call => Run(call, (node, token) => CopyOnto(node, _session!.Transport, call, token), exit => new Copied(call.Id, exit)));
        WhatEverTheState();
    }

    private void WhatEverTheState()
    {
        Receive<Cancel>(cancel => Untrack(cancel.Id, cancelled: true));
        Receive<Close>(_ => { });
        Receive<Terminated>(_ => { });
        Receive<Ended>(Reply);
    }

    private void Run<T>(Call call, Func<INodeSession, CancellationToken, Task<T>> operation, Func<T, Answer> answer)
    {
        var replyTo = Sender;
        operation(_session!.Node, Track(call.Id)).PipeTo(Self,
            success: result => new Ended(call.Id, replyTo, answer(result)),
            failure: error => new Ended(call.Id, replyTo, Failure(call.Id, error)));
    }

    /// <summary>
    /// The copy streams from the source through this replica: it connects to the source itself, so a copy never
    /// passes through a third replica. A source that cannot be reached is the source's failure: another may do.
    /// </summary>
    private static async Task<CopyExit> CopyOnto(INodeSession target, INodeTransport transport, Copy copy, CancellationToken cancellationToken)
    {
        INodeSession source;
        try
        {
            source = await transport.ConnectAsync(copy.Source, cancellationToken);
        }
        catch (NodeException e)
        {
            return new CopyExit(0, $"copy from {copy.Source.Name}: {e.Reason}", SourceFailed: true);
        }
        await using (source) return await source.CopyImageAsync(copy.Image, target, copy.Limits, cancellationToken);
    }

    private void Reply(Ended ended)
    {
        Untrack(ended.Id);
        ended.ReplyTo.Tell(ended.Answer);
    }

    private CancellationToken Track(long id)
    {
        var cancel = new CancellationTokenSource();
        _calls[id] = cancel;
        return cancel.Token;
    }

    private void Untrack(long id, bool cancelled = false)
    {
        if (!_calls.Remove(id, out var cancel)) return;
        if (cancelled) cancel.Cancel();
        cancel.Dispose();
    }

    private void CloseAndWait()
    {
        CloseSession();
        Become(Closed);
    }

    /// <summary>Cancels what still runs on it and gives the connection back (a kept one stays open for the next sync).</summary>
    private void CloseSession()
    {
        foreach (var id in _calls.Keys.ToList()) Untrack(id, cancelled: true);
        if (_session is not { } session) return;
        _session = null;
        Context.Unwatch(session.Holder);
        session.Node.DisposeAsync().AsTask().ContinueWith(_ => session.SetupHold.Dispose(), TaskScheduler.Default);
    }

    protected override void PostStop() => CloseSession();

    /// <summary>The exception's kind travels with its reason, so the caller throws what the transport threw.</summary>
    private static Failed Failure(long id, Exception error) => error switch
    {
        AggregateException { InnerExceptions.Count: 1 } wrapped => Failure(id, wrapped.InnerExceptions[0]),
        HostKeyRejectedException e => new Failed(id, NodeFailure.HostKey, e.Reason),
        AuthenticationFailedException e => new Failed(id, NodeFailure.Authentication, e.Reason),
        MalformedInventoryException e => new Failed(id, NodeFailure.MalformedInventory, e.Reason),
        _ => new Failed(id, NodeFailure.Node, NodeException.ReasonOf(error)),
    };

    /// <summary>The open session, and whose it is.</summary>
    private sealed record Session(INodeSession Node, long OpenedBy, IActorRef Holder, INodeTransport Transport, IDisposable SetupHold);

    private sealed record Connected(Open Open, IActorRef ReplyTo, Session Session) : INoSerializationVerificationNeeded;

    private sealed record Ended(long Id, IActorRef ReplyTo, Answer Answer) : INoSerializationVerificationNeeded;
}

/// <summary>
/// Routes by node name. Least-shard allocation evens out shard counts, not nodes, so there are more shards than
/// the nodes of a small fleet (about one node a shard, an even spread of sessions) and few enough for thousands of
/// nodes (a dozen a shard). Every replica must agree on the count: changing it needs the whole cluster restarted.
/// </summary>
public sealed class NodeMessageExtractor() : HashCodeMessageExtractor(Shards)
{
    public const int Shards = 300;

    public override string? EntityId(object message) => (message as INodeMessage)?.Node.Value;
}

public static class NodeEntityRegistration
{
    public const string RegionName = "nodes";

    /// <summary>The shard region of the nodes' entities on this replica; the registry hands it to the coordinator's runs.</summary>
    public static AkkaConfigurationBuilder AddNodeEntities(this AkkaConfigurationBuilder builder, ReloadableSetup setup)
    {
        var syncStarts = new SyncStarts();
        // A replica that joins takes its share of the nodes within a round or two (10 s each), not one shard at a time.
        builder.AddHocon("""
            akka.cluster.sharding.least-shard-allocation-strategy.rebalance-absolute-limit = 100
            akka.cluster.sharding.least-shard-allocation-strategy.rebalance-relative-limit = 0.5
            """, HoconAddMode.Prepend);
        return builder.WithShardRegion<NodeEntity>(RegionName, _ => NodeEntity.Props(setup, syncStarts), new NodeMessageExtractor(), new ShardOptions
        {
            // An entity idle between its node's pulls must keep its session; it holds nothing once closed.
            ShouldPassivateIdleEntities = false,
            // A stopped entity's session is closed: the run that held it learns it from its watch.
            HandOffStopMessage = PoisonPill.Instance,
        });
    }
}

/// <summary>The syncs a replica's entities took part in: a transport hears of each new one once, not once per node.</summary>
public sealed class SyncStarts
{
    private long _latest;

    public void Starting(long sync, INodeTransport transport)
    {
        var seen = Interlocked.Exchange(ref _latest, sync);
        if (seen != sync) transport.SyncStarting();
    }
}
