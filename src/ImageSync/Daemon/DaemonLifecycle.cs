using Akka.Actor;
using Akka.Hosting;
using ImageSync.Actors;
using Microsoft.Extensions.Hosting;

namespace ImageSync.Daemon;

/// <summary>On stop (SIGTERM, SIGINT, systemd): no more ticks; a sync running here gets the shutdown grace; the logs are flushed.</summary>
public sealed class DaemonLifecycle(ActorSystem system, ActorRegistry registry, ReloadableSetup setup, CoordinatorPresence presence) : IHostedService
{
    private static readonly TimeSpan TickingStop = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan WrapUp = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Flush = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest a stop takes: the ticks stopped, the running sync's grace and wrap-up, the logs flushed.
    /// The host waits this long; systemd's TimeoutStopSec and compose's stop_grace_period must allow it.
    /// </summary>
    public static TimeSpan LongestStop(TimeSpan shutdownGrace) => TickingStop + shutdownGrace + WrapUp + Flush;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The actor system ended on its own (this replica was downed): nothing is left to ask, and the exit says so.
        if (system.WhenTerminated.IsCompleted) return;
        var grace = setup.Current.Settings.ShutdownGrace;
        await registry.Get<DaemonScheduler>().Ask<SchedulerCommands.TickingStopped>(SchedulerCommands.StopTicking.Instance, TickingStop, cancellationToken);
        if (presence.Local is { } coordinator)
        {
            try
            {
                await coordinator.GracefulStop(grace + WrapUp, SyncCommands.Shutdown.Instance);
            }
            catch (TaskCanceledException)
            {
                // The sync did not wrap up in time; the actor system's shutdown ends it.
            }
        }
        await registry.Get<LogActor>().Ask<LogCommands.Flushed>(LogCommands.Flush.Instance, Flush, cancellationToken);
    }
}
