using Akka.Actor;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

/// <summary>What the coordinator's specs share: a scripted fleet and a coordinator over it, named as the run's actor paths expect.</summary>
public abstract class SyncCoordinatorTestKit : VirtualTimeTestKit
{
    protected ScriptedTransport Nodes { get; } = new();

    protected IActorRef StartCoordinator(params string[] nodes) =>
        Sys.ActorOf(TestData.Coordinator(TestData.Simulated("", nodes), Nodes), "coordinator");
}
