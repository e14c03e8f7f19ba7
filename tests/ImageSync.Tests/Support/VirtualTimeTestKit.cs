using Akka.Actor;
using Akka.TestKit;

namespace ImageSync.Tests.Support;

/// <summary>A TestKit whose scheduler only moves when the spec advances it: timers and receive timeouts in virtual time.</summary>
public abstract class VirtualTimeTestKit() : Akka.TestKit.Xunit2.TestKit("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"")
{
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
}
