using Akka.Actor;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>
/// One worker node for the length of a run: checks it (<c>echo ok</c>), reads its images, reports
/// <see cref="NodeEvents.Ready"/> or <see cref="NodeEvents.Unavailable"/> with the reason, then keeps the
/// node's session open for the pulls and closes it when the run ends. A node that never answers is given up
/// on after a watchdog, so one frozen node cannot hold up a run.
/// </summary>
public sealed class NodeActor : ReceiveActor
{
    private readonly NodeSpec _node;
    private readonly INodeTransport _transport;
    private readonly TimeSpan _watchdog;
    private readonly CancellationTokenSource _cancel = new();
    private INodeSession? _session;

    public NodeActor(NodeSpec node, INodeTransport transport, TimeSpan watchdog)
    {
        _node = node;
        _transport = transport;
        _watchdog = watchdog;
        Discovering();
    }

    public static Props Props(NodeSpec node, INodeTransport transport, TimeSpan watchdog) =>
        Akka.Actor.Props.Create(() => new NodeActor(node, transport, watchdog));

    /// <summary>The longest discovery can take before the watchdog fires: connect, then two commands, then a little slack.</summary>
    public static TimeSpan WatchdogFor(SshSettings ssh) => ssh.ConnectTimeout + ssh.CommandTimeout * 2 + TimeSpan.FromSeconds(5);

    protected override void PreStart()
    {
        DiscoverAsync(_transport, _node, _cancel.Token).PipeTo(
            Self,
            success: found => found,
            failure: error => new DiscoveryFailed(error));
        SetReceiveTimeout(_watchdog);
    }

    private void Discovering()
    {
        Receive<Discovered>(found =>
        {
            SetReceiveTimeout(null);
            _session = found.Session;
            Context.Parent.Tell(new NodeEvents.Ready(_node.Name, found.Inventory, found.Session));
            Become(Ready);
        });
        Receive<DiscoveryFailed>(failed => GiveUp(NodeException.ReasonOf(failed.Error)));
        Receive<ReceiveTimeout>(_ => GiveUp($"no answer within {Durations.Show(_watchdog)} (connect and inventory watchdog)"));
    }

    private void Ready()
    {
        // The session lives as long as this actor; the run stops it when the run ends.
    }

    private void GiveUp(string reason)
    {
        SetReceiveTimeout(null);
        _cancel.Cancel();
        Context.Parent.Tell(new NodeEvents.Unavailable(_node.Name, reason));
        // Idle until the run ends: stopping now could let Terminated overtake Unavailable at the run.
        Become(() => { });
    }

    private static async Task<Discovered> DiscoverAsync(INodeTransport transport, NodeSpec node, CancellationToken cancellationToken)
    {
        var session = await transport.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
        try
        {
            await session.CheckAsync(cancellationToken).ConfigureAwait(false);
            var inventory = await session.ListImagesAsync(cancellationToken).ConfigureAwait(false);
            // The watchdog may have given up meanwhile; nobody would close a session handed to a stopped actor.
            cancellationToken.ThrowIfCancellationRequested();
            return new Discovered(session, inventory);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }


    protected override void PostStop()
    {
        _cancel.Cancel();
        _session?.DisposeAsync();
    }

    private sealed record Discovered(INodeSession Session, NodeInventory Inventory);

    private sealed record DiscoveryFailed(Exception Error);
}
