using Akka.Actor;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>
/// One worker node for the length of a run: waits for its turn to connect (the run bounds the handshakes
/// in flight), connects, checks it (<c>echo ok</c>), reads its images, and reports
/// <see cref="NodeEvents.Ready"/> or <see cref="NodeEvents.Unavailable"/> with the reason; then keeps the
/// node's session open for the pulls and closes it when the run ends (a kept connection is given back then,
/// see <see cref="KeptConnections"/>). A node that stops answering at any step is given up on when the
/// watchdog fires, so one frozen node cannot hold up a run.
/// </summary>
public sealed class NodeActor : ReceiveActor
{
    private readonly NodeSpec _node;
    private readonly INodeTransport _transport;
    private readonly TimeSpan _watchdog;
    private readonly CancellationTokenSource _cancel = new();
    private INodeSession? _session;
    private NodeStage _stage;
    private bool _holdsTurn;
    private NodeInventory? _inventory;
    private NodeFacts? _facts;
    private Exception? _listFailure;

    public NodeActor(NodeSpec node, INodeTransport transport, TimeSpan watchdog)
    {
        _node = node;
        _transport = transport;
        _watchdog = watchdog;
        WaitingForTurn();
    }

    public static Props Props(NodeSpec node, INodeTransport transport, TimeSpan watchdog) =>
        Akka.Actor.Props.Create(() => new NodeActor(node, transport, watchdog));

    /// <summary>The longest discovery may take once the node's turn came: connect, then two commands, then a little slack.</summary>
    public static TimeSpan WatchdogFor(SshSettings ssh) => ssh.ConnectTimeout + ssh.CommandTimeout * 2 + TimeSpan.FromSeconds(5);

    // The run gives each node its first turn. Connecting starts from that message, not in PreStart, so that a
    // throwing transport is an ordinary failure the run's supervision restarts, not a failed creation, which
    // Akka only ever stops; a restarted node actor asks for a turn again.
    protected override void PreStart()
    {
    }

    protected override void PostRestart(Exception reason) => Context.Parent.Tell(new NodeEvents.WantsToConnect(_node.Name));

    private void WaitingForTurn()
    {
        Receive<NodeCommands.Connect>(_ =>
        {
            _holdsTurn = true;
            Connect();
        });
    }

    private void Connect()
    {
        _stage = NodeStage.Connect;
        SetReceiveTimeout(_watchdog);
        _transport.ConnectAsync(_node, _cancel.Token).PipeTo(Self, success: session => new Connected(session), failure: error => new ConnectFailed(error));
        Become(Connecting);
    }

    private void Connecting()
    {
        Receive<Connected>(connected =>
        {
            // A kept connection is this sync's connect until it has answered: reading it holds the turn, which
            // bounds the reads (and the threads they block) at ssh.max-connecting, as handshakes are.
            if (!connected.Session.Reused) EndTurn();
            Read(connected.Session);
        });
        WhileDiscovering();
    }

    /// <summary>`echo ok` and `crictl images` only read: both at once cost one round trip, not two.</summary>
    private void Read(INodeSession session)
    {
        (_session, _facts, _inventory, _listFailure) = (session, null, null, null);
        session.RunAsync(NodeCommand.Check.Instance, _cancel.Token).PipeTo(Self, success: facts => new Checked(session, facts), failure: error => new CheckFailed(session, error));
        session.RunAsync(NodeCommand.ListImages.Instance, _cancel.Token).PipeTo(Self, success: inventory => new Listed(session, inventory), failure: error => new ListFailed(session, error));
        Become(Reading);
    }

    /// <summary>Until <c>echo ok</c> has answered, its failure is the node's reason: it comes first, as in the bash tool.</summary>
    private void Reading()
    {
        _stage = NodeStage.Check;
        Receive<Checked>(IsCurrent, checkedNode =>
        {
            _facts = checkedNode.Facts;
            _stage = NodeStage.Inventory;
            ReportOnceRead();
        });
        Receive<Listed>(IsCurrent, listed =>
        {
            _inventory = listed.Inventory;
            ReportOnceRead();
        });
        Receive<ListFailed>(IsCurrent, failed =>
        {
            if (ReconnectedAfresh()) return;
            _listFailure = failed.Error;
            ReportOnceRead();
        });
        Receive<CheckFailed>(IsCurrent, failed =>
        {
            if (!ReconnectedAfresh()) GiveUp(NodeException.ReasonOf(failed.Error), _stage);
        });
        WhileDiscovering();
    }

    /// <summary>
    /// A connection kept from an earlier sync that fails its first read may simply have died since (sshd
    /// restarted, the link cut, the host reinstalled): it is closed, and the node connected afresh once, in the
    /// turn it still holds and with the same host-key checks, so that it ends exactly as a fresh connection would.
    /// </summary>
    private bool ReconnectedAfresh()
    {
        if (_session is not { Reused: true } stale) return false;
        // A read failed on it, so it is closed, not kept.
        stale.DisposeAsync();
        _session = null;
        Connect();
        return true;
    }

    private bool IsCurrent(SessionRead read) => ReferenceEquals(read.Session, _session);

    private void ReportOnceRead()
    {
        if (_stage != NodeStage.Inventory) return;
        if (_listFailure is not null)
        {
            GiveUp(NodeException.ReasonOf(_listFailure), NodeStage.Inventory);
            return;
        }
        if (_inventory is null) return;
        EndTurn();
        SetReceiveTimeout(null);
        Context.Parent.Tell(new NodeEvents.Ready(_node.Name, _inventory, _session!, _facts!));
        // The session lives as long as this actor: the run stops it when the run ends.
        Become(() => { });
    }

    private void WhileDiscovering()
    {
        Receive<ConnectFailed>(failed => GiveUp(NodeException.ReasonOf(failed.Error), StageOf(failed.Error)));
        Receive<ReceiveTimeout>(_ => GiveUp($"no answer within {Durations.Show(_watchdog)} (connect and inventory watchdog)", _stage));
        IgnoreStaleReads();
    }

    /// <summary>The other answer of a kept connection given up on comes after the node moved on.</summary>
    private void IgnoreStaleReads() => Receive<SessionRead>(_ => { });

    /// <summary>A refusal while connecting says which part of the handshake refused.</summary>
    private NodeStage StageOf(Exception error) => ExceptionChain.Unwrap(error) switch
    {
        NodeException { Kind: NodeFailure.HostKey } => NodeStage.HostKey,
        NodeException { Kind: NodeFailure.Authentication } => NodeStage.Authentication,
        _ => _stage,
    };

    private void GiveUp(string reason, NodeStage stage)
    {
        EndTurn();
        SetReceiveTimeout(null);
        _cancel.Cancel();
        Context.Parent.Tell(new NodeEvents.Unavailable(_node.Name, reason, stage));
        // Idle until the run ends: stopping now could let Terminated overtake Unavailable at the run.
        // A connection that completes after the watchdog gave up is closed, not leaked.
        Become(() => Receive<Connected>(late => late.Session.DisposeAsync()));
    }

    private void EndTurn()
    {
        if (!_holdsTurn) return;
        _holdsTurn = false;
        Context.Parent.Tell(new NodeEvents.DoneConnecting(_node.Name));
    }

    protected override void PostStop()
    {
        _cancel.Cancel();
        _session?.DisposeAsync();
    }

    private sealed record Connected(INodeSession Session) : INoSerializationVerificationNeeded;

    private sealed record ConnectFailed(Exception Error) : INoSerializationVerificationNeeded;

    /// <summary>An answer read on a session: only the node's current session counts.</summary>
    private abstract record SessionRead(INodeSession Session) : INoSerializationVerificationNeeded;

    private sealed record Checked(INodeSession Session, NodeFacts Facts) : SessionRead(Session);

    private sealed record Listed(INodeSession Session, NodeInventory Inventory) : SessionRead(Session);

    private sealed record ListFailed(INodeSession Session, Exception Error) : SessionRead(Session);

    private sealed record CheckFailed(INodeSession Session, Exception Error) : SessionRead(Session);
}
