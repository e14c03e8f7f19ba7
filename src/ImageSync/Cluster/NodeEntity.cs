using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Hosting;
using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Nodes;
using static ImageSync.Cluster.NodeEntityCommands;
using static ImageSync.Cluster.NodeEntityEvents;
using AkkaCluster = Akka.Cluster.Cluster;

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
    private readonly ReplicaNodes _nodes;
    private readonly Outsiders _outsiders = new(AkkaCluster.Get(Context.System));
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly RunningCalls _calls = new();
    private Session? _session;
    private long _opening;

    public NodeEntity(ReloadableSetup setup, ReplicaNodes nodes)
    {
        _setup = setup;
        _nodes = nodes;
        Closed();
    }

    public static Props Props(ReloadableSetup setup, ReplicaNodes nodes) => Akka.Actor.Props.Create(() => new NodeEntity(setup, nodes));

    public IStash Stash { get; set; } = null!;

    private void Closed()
    {
        RefuseOutsiders();
        Receive<Open>(Connect);
        Receive<Call>(call => Sender.Tell(new Failed(call.Id, NodeFailure.Node, "its session on the owning replica is closed (the replica restarted?)")));
        InEveryState();
    }

    private void Connect(Open open)
    {
        var hold = _setup.Hold(out var setup);
        var replyTo = Sender;
        _opening = open.Id;
        OpenAsync(open, setup, _calls.Start(open.Id)).PipeTo(Self,
            success: session => new Connected(open, replyTo, new Session(session, open.Id, open.Holder, open.Sync, setup, hold)),
            failure: error =>
            {
                hold.Dispose();
                return Failure(open, replyTo, error);
            });
        Become(Opening);
    }

    /// <summary>Connects to the node as this replica's configuration has it, once the coordinator's view of it agrees.</summary>
    private async Task<INodeSession> OpenAsync(Open open, SyncSetup setup, CancellationToken cancellationToken) =>
        await setup.Transport.ConnectAsync(await LookUpAsync(open.Node, open.Digest, open.Sync, setup, cancellationToken), cancellationToken);

    /// <exception cref="RefusedCallException">This replica's configuration has no such node, or reaches it otherwise than the caller's.</exception>
    private async Task<NodeSpec> LookUpAsync(NodeName node, string digest, long sync, SyncSetup setup, CancellationToken cancellationToken)
    {
        var spec = await _nodes.FindAsync(node, sync, setup, cancellationToken) ?? throw new RefusedCallException($"{node} is not a node of this replica's configuration");
        return NodeDigests.Of(spec) == digest ? spec
            : throw new RefusedCallException($"this replica's configuration reaches {node} otherwise than the coordinator's (a config reloaded on some replicas only?)");
    }

    private void Opening()
    {
        RefuseOutsiders();
        Receive<Connected>(connected =>
        {
            _calls.End(connected.Open.Id);
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
        Receive<Cancel>(cancel => _calls.End(cancel.Id, cancel: true));
        Receive<Ended>(Reply);
        ReceiveAny(_ => Stash.Stash());
    }

    private void Serving()
    {
        RefuseOutsiders();
        Receive<Open>(open =>
        {
            CloseSession();
            Connect(open);
        });
        Receive<Close>(close => close.Opened == _session!.OpenedBy, _ => CloseAndWait());
        Receive<Terminated>(gone => gone.ActorRef.Equals(_session!.Holder), _ => CloseAndWait());
        Receive<Run>(call => Run(call, (node, token) => call.Command.AnswerFrom(node, token),
            answer => new Ran(call.Id, JsonSerializer.SerializeToElement(answer, answer.GetType(), WireFormats.Answers))));
        Receive<Copy>(call => Run(call, (node, token) => CopyOntoAsync(node, _session!, call, token), exit => new Copied(call.Id, exit)));
        InEveryState();
    }

    private void InEveryState()
    {
        Receive<Cancel>(cancel => _calls.End(cancel.Id, cancel: true));
        Receive<Close>(_ => { });
        Receive<Terminated>(_ => { });
        Receive<Ended>(Reply);
    }

    /// <summary>Refused whatever the state, and logged with where it came from: a message from outside the cluster (<see cref="Outsiders"/>).</summary>
    private void RefuseOutsiders() =>
        Receive<INodeMessage>(message => _outsiders.Of(message, Sender) is not null, message =>
        {
            var (from, why) = _outsiders.Of(message, Sender)!.Value;
            _log.Warning("CLUSTER: refused {0} for {1} from {2}: {3}", message.GetType().Name, message.Node, from, why);
            if (message is Call call && !Sender.IsNobody()) Sender.Tell(new Failed(call.Id, NodeFailure.Refused, why));
        });

    private void Run<T>(Call call, Func<INodeSession, CancellationToken, Task<T>> operation, Func<T, Answer> answer)
    {
        var replyTo = Sender;
        operation(_session!.Node, _calls.Start(call.Id)).PipeTo(Self,
            success: result => new Ended(call, replyTo, answer(result)),
            failure: error => Failure(call, replyTo, error));
    }

    /// <summary>
    /// The copy streams from the source through this replica: it connects to the source itself, so a copy never
    /// passes through a third replica. A source that cannot be reached, or that this replica does not know as the
    /// coordinator named it, is the source's failure: another may do.
    /// </summary>
    private async Task<CopyExit> CopyOntoAsync(INodeSession target, Session session, Copy copy, CancellationToken cancellationToken)
    {
        var spec = await LookUpAsync(copy.Source, copy.SourceDigest, session.Sync, session.Setup, cancellationToken);
        INodeSession source;
        try
        {
            source = await session.Setup.Transport.ConnectAsync(spec, cancellationToken);
        }
        catch (NodeException e)
        {
            return new CopyExit(0, $"copy from {copy.Source}: {e.Reason}", SourceFailed: true);
        }
        await using (source) return await source.RunAsync(new NodeCommand.CopyTo(copy.Image, target, copy.Limits), cancellationToken);
    }

    private void Reply(Ended ended)
    {
        _calls.End(ended.Id);
        if (ended.Refusal is { } refusal)
            _log.Warning("CLUSTER: refused {0} for {1} from {2}: {3}", ended.Call.GetType().Name, ended.Call.Node, ended.ReplyTo.Path.Address, refusal);
        ended.ReplyTo.Tell(ended.Answer);
    }

    private void CloseAndWait()
    {
        CloseSession();
        Become(Closed);
    }

    /// <summary>Cancels what still runs on it and gives the connection back (a kept one stays open for the next sync).</summary>
    private void CloseSession()
    {
        _calls.CancelAll();
        if (_session is not { } session) return;
        _session = null;
        Context.Unwatch(session.Holder);
        session.Node.DisposeAsync().AsTask().ContinueWith(_ => session.SetupHold.Dispose(), TaskScheduler.Default);
    }

    protected override void PostStop() => CloseSession();

    /// <summary>
    /// The exception's kind travels with its reason, so the caller throws what the transport threw. A refused copy
    /// source is the source's failure, as an unreachable one is: the coordinator tries another.
    /// </summary>
    private static Ended Failure(Call call, IActorRef replyTo, Exception error) => ExceptionChain.Unwrap(error) switch
    {
        RefusedCallException e when call is Copy copy =>
            new Ended(call, replyTo, new Copied(call.Id, new CopyExit(0, $"copy from {copy.Source}: refused by the target's replica: {e.Message}", SourceFailed: true)), e.Message),
        RefusedCallException e => new Ended(call, replyTo, new Failed(call.Id, NodeFailure.Refused, e.Message), e.Message),
        NodeException e => new Ended(call, replyTo, new Failed(call.Id, e.Kind, e.Reason)),
        var other => new Ended(call, replyTo, new Failed(call.Id, NodeFailure.Node, NodeException.ReasonOf(other))),
    };

    /// <summary>The open session, whose it is, and the sync and setup it was opened in (a copy's source is looked up in them).</summary>
    private sealed record Session(INodeSession Node, long OpenedBy, IActorRef Holder, long Sync, SyncSetup Setup, IDisposable SetupHold);

    private sealed record Connected(Open Open, IActorRef ReplyTo, Session Session) : INoSerializationVerificationNeeded;

    /// <param name="Refusal">Why the entity would not run the call, logged with the sender when the answer goes out.</param>
    private sealed record Ended(Call Call, IActorRef ReplyTo, Answer Answer, string? Refusal = null) : INoSerializationVerificationNeeded
    {
        public long Id => Call.Id;
    }

    /// <summary>A call this replica will not run as it was asked; the message says why.</summary>
    private sealed class RefusedCallException(string message) : Exception(message);
}

public static class NodeEntityRegistration
{
    public const string RegionName = "nodes";

    /// <summary>The shard region of the nodes' entities on this replica; the registry hands it to the coordinator's runs.</summary>
    public static AkkaConfigurationBuilder AddNodeEntities(this AkkaConfigurationBuilder builder, ReloadableSetup setup)
    {
        var nodes = new ReplicaNodes();
        // A replica that joins takes its share of the nodes within a round or two (10 s each), not one shard at a time.
        builder.AddHocon("""
            akka.cluster.sharding.least-shard-allocation-strategy.rebalance-absolute-limit = 100
            akka.cluster.sharding.least-shard-allocation-strategy.rebalance-relative-limit = 0.5
            """, HoconAddMode.Prepend);
        return builder.WithShardRegion<NodeEntity>(RegionName, _ => NodeEntity.Props(setup, nodes), new NodeMessageExtractor(), new ShardOptions
        {
            // An entity idle between its node's pulls must keep its session; it holds nothing once closed.
            ShouldPassivateIdleEntities = false,
            // A stopped entity's session is closed: the run that held it learns it from its watch.
            HandOffStopMessage = PoisonPill.Instance,
        });
    }
}
