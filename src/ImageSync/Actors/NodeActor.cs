using Akka.Actor;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>
/// One worker node for the length of a run: connects, checks it (<c>echo ok</c>), reads its images, and
/// reports <see cref="NodeEvents.Ready"/> or <see cref="NodeEvents.Unavailable"/> with the reason; then keeps
/// the node's session open for the pulls and closes it when the run ends. A node that stops answering at
/// any step is given up on when the watchdog fires, so one frozen node cannot hold up a run.
/// </summary>
public sealed class NodeActor : ReceiveActor
{
    private readonly NodeSpec _node;
    private readonly INodeTransport _transport;
    private readonly TimeSpan _watchdog;
    private readonly CancellationTokenSource _cancel = new();
    private INodeSession? _session;
    private NodeStage _stage;

    public NodeActor(NodeSpec node, INodeTransport transport, TimeSpan watchdog)
    {
        _node = node;
        _transport = transport;
        _watchdog = watchdog;
        Connecting();
    }

    public static Props Props(NodeSpec node, INodeTransport transport, TimeSpan watchdog) =>
        Akka.Actor.Props.Create(() => new NodeActor(node, transport, watchdog));

    /// <summary>The longest discovery may take before the watchdog fires: connect, then two commands, then a little slack.</summary>
    public static TimeSpan WatchdogFor(SshSettings ssh) => ssh.ConnectTimeout + ssh.CommandTimeout * 2 + TimeSpan.FromSeconds(5);

    // Connecting starts from a message, not in PreStart, so that a throwing transport is an ordinary failure
    // the run's supervision restarts, not a failed creation, which Akka only ever stops.
    protected override void PreStart()
    {
        SetReceiveTimeout(_watchdog);
        Self.Tell(Connect.Instance);
    }

    private void Connecting()
    {
        _stage = NodeStage.Connect;
        Receive<Connect>(_ => _transport.ConnectAsync(_node, _cancel.Token).PipeTo(Self, success: session => new Connected(session), failure: Failure));
        Receive<Connected>(connected =>
        {
            _session = connected.Session;
            _session.CheckAsync(_cancel.Token).PipeTo(Self, success: () => Checked.Instance, failure: Failure);
            Become(Checking);
        });
        WhileDiscovering();
    }

    private void Checking()
    {
        _stage = NodeStage.Check;
        Receive<Checked>(_ =>
        {
            _session!.ListImagesAsync(_cancel.Token).PipeTo(Self, success: inventory => new Listed(inventory), failure: Failure);
            Become(Listing);
        });
        WhileDiscovering();
    }

    private void Listing()
    {
        _stage = NodeStage.Inventory;
        Receive<Listed>(listed =>
        {
            SetReceiveTimeout(null);
            Context.Parent.Tell(new NodeEvents.Ready(_node.Name, listed.Inventory, _session!));
            // The session lives as long as this actor: the run stops it when the run ends.
            Become(() => { });
        });
        WhileDiscovering();
    }

    private void WhileDiscovering()
    {
        Receive<StepFailed>(failed => GiveUp(NodeException.ReasonOf(failed.Error), StageOf(failed.Error)));
        Receive<ReceiveTimeout>(_ => GiveUp($"no answer within {Durations.Show(_watchdog)} (connect and inventory watchdog)", _stage));
    }

    /// <summary>A refusal while connecting says which part of the handshake refused.</summary>
    private NodeStage StageOf(Exception error) => error switch
    {
        AggregateException { InnerExceptions.Count: 1 } wrapped => StageOf(wrapped.InnerExceptions[0]),
        HostKeyRejectedException => NodeStage.HostKey,
        AuthenticationFailedException => NodeStage.Authentication,
        _ => _stage,
    };

    private void GiveUp(string reason, NodeStage stage)
    {
        SetReceiveTimeout(null);
        _cancel.Cancel();
        Context.Parent.Tell(new NodeEvents.Unavailable(_node.Name, reason, stage));
        // Idle until the run ends: stopping now could let Terminated overtake Unavailable at the run.
        // A connection that completes after the watchdog gave up is closed, not leaked.
        Become(() => Receive<Connected>(late => late.Session.DisposeAsync()));
    }

    private static object Failure(Exception error) => new StepFailed(error);

    protected override void PostStop()
    {
        _cancel.Cancel();
        _session?.DisposeAsync();
    }

    /// <summary>Does not re-arm the watchdog, which PreStart armed for the whole discovery.</summary>
    private sealed class Connect : INotInfluenceReceiveTimeout
    {
        public static readonly Connect Instance = new();

        private Connect()
        {
        }
    }

    private sealed record Connected(INodeSession Session);

    private sealed class Checked
    {
        public static readonly Checked Instance = new();

        private Checked()
        {
        }
    }

    private sealed record Listed(NodeInventory Inventory);

    private sealed record StepFailed(Exception Error);
}
