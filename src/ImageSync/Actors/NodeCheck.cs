using Akka.Actor;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>
/// Checks and reads every node of a <see cref="SyncRun"/> at once, a <see cref="NodeActor"/> each, their handshakes
/// in turns (<c>ssh.max-connecting</c>) in the listed order, so the first nodes are the ones a CLI run connected
/// ahead. It passes each node's first answer to the run (a node actor restarted by supervision reads its node again);
/// a node actor that stops before it answered (it crashed) leaves its node unreachable, never unanswered. It lives as
/// long as the run: its node actors hold the sessions the pulls use.
/// </summary>
public sealed class NodeCheck : ReceiveActor
{
    private readonly IReadOnlyList<NodeSpec> _nodes;
    private readonly INodeTransport _transport;
    private readonly TimeSpan _watchdog;
    private readonly Turns<IActorRef> _turns;
    private readonly Dictionary<IActorRef, NodeName> _actors = [];
    private readonly HashSet<NodeName> _answered = [];

    public NodeCheck(IReadOnlyList<NodeSpec> nodes, INodeTransport transport, SshSettings ssh)
    {
        _nodes = nodes;
        _transport = transport;
        _watchdog = NodeActor.WatchdogFor(ssh);
        _turns = new Turns<IActorRef>(ssh.MaxConnecting);
        Receive<NodeEvents.WantsToConnect>(_ => Grant(_turns.Request(Sender)));
        Receive<NodeEvents.DoneConnecting>(_ => Grant(_turns.Release(Sender)));
        Receive<NodeEvents.Ready>(ready => Answer(ready.Node, ready));
        Receive<NodeEvents.Unavailable>(gone => Answer(gone.Node, gone));
        Receive<Terminated>(Stopped);
    }

    public static Props Props(IReadOnlyList<NodeSpec> nodes, INodeTransport transport, SshSettings ssh) =>
        Akka.Actor.Props.Create(() => new NodeCheck(nodes, transport, ssh));

    /// <summary>A node actor that throws is restarted (it simply reads its node again) up to three times a minute, then stopped.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(3, TimeSpan.FromMinutes(1), Decider.From(Directive.Restart));

    protected override void PreStart()
    {
        foreach (var node in _nodes)
        {
            var actor = Context.Watch(Context.ActorOf(NodeActor.Props(node, _transport, _watchdog), $"node-{node.Name}"));
            _actors[actor] = node.Name;
            Grant(_turns.Request(actor));
        }
    }

    private static void Grant(IReadOnlyList<IActorRef> granted)
    {
        foreach (var node in granted) node.Tell(NodeCommands.Connect.Instance);
    }

    private void Answer(NodeName node, object answer)
    {
        if (_answered.Add(node)) Context.Parent.Tell(answer);
    }

    private void Stopped(Terminated stopped)
    {
        Grant(_turns.Release(stopped.ActorRef));
        if (_actors.TryGetValue(stopped.ActorRef, out var node) && !_answered.Contains(node))
            Answer(node, new NodeEvents.Unavailable(node, "its node actor stopped on an internal error (see the log)", NodeStage.Connect));
    }
}
