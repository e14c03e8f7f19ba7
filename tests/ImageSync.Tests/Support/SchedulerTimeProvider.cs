using Akka.Actor;

namespace ImageSync.Tests.Support;

/// <summary>
/// A TimeProvider driven by an Akka scheduler: with the TestScheduler, the simulated fleet's pull latencies
/// and the actors' timers move together when a spec advances virtual time. Its wall clock can also be
/// stepped on its own, as NTP or a VM restore steps a real one; the monotonic clock never is.
/// </summary>
public sealed class SchedulerTimeProvider(IScheduler scheduler) : TimeProvider
{
    private readonly DateTimeOffset _origin = scheduler.Now;
    private TimeSpan _wallClockStep;

    public override DateTimeOffset GetUtcNow() => scheduler.Now + _wallClockStep;

    /// <summary>Moves the wall clock alone, forward or back.</summary>
    public void StepWallClock(TimeSpan step) => _wallClockStep += step;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    // The TestScheduler's MonotonicClock is real time; its Now moves only when a spec advances it.
    public override long GetTimestamp() => (scheduler.Now - _origin).Ticks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new SchedulerTimer(scheduler, callback, state, dueTime, period);

    private sealed class SchedulerTimer : ITimer
    {
        private readonly IScheduler _scheduler;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private ICancelable? _pending;

        public SchedulerTimer(IScheduler scheduler, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _scheduler = scheduler;
            _callback = callback;
            _state = state;
            Change(dueTime, period);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _pending?.Cancel();
            if (dueTime == Timeout.InfiniteTimeSpan) return true;
            var pending = new Cancelable(_scheduler);
            _pending = pending;
            _scheduler.Advanced.ScheduleOnce(dueTime, () =>
            {
                _callback(_state);
                if (period > TimeSpan.Zero && period != Timeout.InfiniteTimeSpan && !pending.IsCancellationRequested) Change(period, period);
            }, pending);
            return true;
        }

        public void Dispose() => _pending?.Cancel();

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
