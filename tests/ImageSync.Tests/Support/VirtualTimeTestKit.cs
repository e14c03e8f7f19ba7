using Akka.Actor;
using Akka.TestKit;
using ImageSync.Actors;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Tests.Support;

/// <summary>A TestKit whose scheduler only moves when the spec advances it: timers and receive timeouts in virtual time.</summary>
public abstract class VirtualTimeTestKit() : Akka.TestKit.Xunit2.TestKit("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"")
{
    /// <summary>How far virtual time moves at once while waiting; timings measured that way are exact to about this much.</summary>
    protected static TimeSpan Step { get; } = TimeSpan.FromMilliseconds(100);

    protected TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    /// <summary>
    /// Returns once the actor has handled every message sent to it before, so its receive timeout is armed.
    /// Identify is answered in turn and, unlike other messages, does not reset the receive timeout.
    /// </summary>
    protected void WaitUntilHandled(IActorRef actor)
    {
        actor.Tell(new Identify(null));
        ExpectMsg<ActorIdentity>();
    }

    /// <summary>
    /// Starts a node actor as a child of the test actor and gives it its turn to connect, as the run would.
    /// Its <see cref="NodeEvents.DoneConnecting"/> is ignored from then on.
    /// </summary>
    protected IActorRef StartNodeActorWithTurn(Props props)
    {
        IgnoreMessages<NodeEvents.DoneConnecting>();
        var node = ChildActorOf(props);
        node.Tell(NodeCommands.Connect.Instance);
        return node;
    }

    /// <summary>
    /// Runs one whole sync while moving virtual time forward, and returns its summary. Fails when the run
    /// has not finished within <paramref name="limit"/> of virtual time: a run must always end.
    /// </summary>
    protected SyncSummary RunSync(ImageSyncSettings settings, INodeTransport transport, TimeSpan limit)
    {
        var requester = CreateTestProbe();
        Sys.ActorOf(TestData.Coordinator(settings, transport)).Tell(new SyncCommands.StartSync("spec"), requester);
        return ExpectInVirtualTime<SyncEvents.SyncFinished>(requester, limit).Summary;
    }

    /// <summary>
    /// Moves virtual time forward in small steps until <paramref name="probe"/> receives a <typeparamref name="T"/>,
    /// so that work released by one step (a simulated latency ending) reaches the actors before a later step
    /// fires later timers (a watchdog).
    /// </summary>
    protected T ExpectInVirtualTime<T>(TestKitBase probe, TimeSpan limit)
    {
        for (var elapsed = TimeSpan.Zero; elapsed <= limit; elapsed += Step)
        {
            // A short real wait lets the actors act on what the last step of virtual time released; watchdogs in
            // these specs are many steps long, so a busy machine that lags a few steps changes no outcome.
            if (probe.ReceiveOne(TimeSpan.FromMilliseconds(3)) is T expected) return expected;
            Scheduler.Advance(Step);
        }
        throw new Xunit.Sdk.XunitException($"no {typeof(T).Name} within {limit} of virtual time");
    }
}
