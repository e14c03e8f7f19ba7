using ImageSync.Domain;

namespace ImageSync.Actors;

/// <summary>What callers (the CLI, the daemon's timer) ask of the <see cref="SyncCoordinator"/>.</summary>
public static class SyncCommands
{
    /// <summary>Start a sync. The reply is <see cref="SyncEvents.SyncRefused"/> at once, or <see cref="SyncEvents.SyncFinished"/> when done.</summary>
    /// <param name="Mode">Run pulls; or only plan them (nothing changes on the nodes); or only check the nodes.</param>
    public sealed record StartSync(string Reason, SyncMode Mode = SyncMode.Run);

    /// <summary>Stop the running sync: in-flight pulls get the shutdown grace, nothing new starts.</summary>
    public sealed record StopSync(string Why);
}
