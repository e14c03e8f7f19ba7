using Akka.Actor;
using ImageSync.Domain;

namespace ImageSync.Actors;

/// <summary>What callers (the CLI, the daemon's timer) ask of the <see cref="SyncCoordinator"/>.</summary>
public static class SyncCommands
{
    /// <summary>Start a sync. The reply is <see cref="SyncEvents.SyncRefused"/> at once, or <see cref="SyncEvents.SyncFinished"/> when done.</summary>
    /// <param name="Mode">Run pulls; or only plan them (nothing changes on the nodes); or only check the nodes.</param>
    /// <param name="Scope">The nodes and images this sync is limited to (<c>--node</c>, <c>--image</c>); null for all of them.</param>
    public sealed record StartSync(string Reason, SyncMode Mode = SyncMode.Run, RunScope? Scope = null) : INoSerializationVerificationNeeded;

    /// <summary>
    /// Start a sync without waiting for it (the daemon's timer). The reply is <see cref="SyncEvents.SyncAccepted"/>
    /// or <see cref="SyncEvents.SyncRefused"/> at once; the summary goes to the event stream. The coordinator refuses
    /// one that comes too soon after the last sync by its own config, whoever sends it.
    /// </summary>
    public sealed record TriggerSync(string Reason);

    /// <summary>Stop the running sync: in-flight pulls get the shutdown grace, nothing new starts.</summary>
    /// <param name="Abandon">Give in-flight pulls no grace: this replica left the cluster, and another one takes over.</param>
    public sealed record StopSync(string Why, bool Abandon = false) : INoSerializationVerificationNeeded;

    /// <summary>Stop the coordinator itself, after its running sync (if any) has stopped gracefully.</summary>
    public sealed class Shutdown : INoSerializationVerificationNeeded
    {
        public static readonly Shutdown Instance = new();

        private Shutdown()
        {
        }
    }
}
