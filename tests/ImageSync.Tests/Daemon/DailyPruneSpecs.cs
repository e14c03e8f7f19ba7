using ImageSync.Actors;
using ImageSync.Logging;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Daemon;

public sealed class DailyPruneSpecs : VirtualTimeTestKit
{
    [Fact]
    public void Should_delete_expired_day_files_every_day_not_only_at_start()
    {
        var journal = new CountingJournal();
        var log = Sys.StartLogActor(journal);
        WaitUntilHandled(log);
        Assert.Equal(1, journal.Prunes);

        Scheduler.Advance(TimeSpan.FromDays(1));
        AwaitAssert(() => Assert.Equal(2, journal.Prunes));
        Scheduler.Advance(TimeSpan.FromDays(1));

        AwaitAssert(() => Assert.Equal(3, journal.Prunes));
    }

    private sealed class CountingJournal : ISyncJournal
    {
        private int _prunes;

        public int Prunes => Volatile.Read(ref _prunes);

        public void Record(SyncEvents.ISyncEvent syncEvent)
        {
        }

        public void PruneExpired() => Interlocked.Increment(ref _prunes);

        public void Dispose()
        {
        }
    }
}
