
namespace ImageSync.Logging;

/// <summary>Where a sync's record goes. The log actor is its only caller, so writes never interleave.</summary>
public interface ISyncJournal : IDisposable
{
    void Record(SyncEvents.ISyncEvent syncEvent);

    /// <summary>Deletes day files past their retention and notes what went.</summary>
    void PruneExpired();
}
