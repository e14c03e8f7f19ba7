using Akka.Actor;
using Akka.Hosting;
using ImageSync.Actors;
using Microsoft.Extensions.Hosting;

namespace ImageSync.Daemon;

/// <summary>On stop (SIGTERM, SIGINT, systemd): no more ticks; a sync running here gets the shutdown grace; the logs are flushed.</summary>
internal sealed class DaemonLifecycle(ActorRegistry registry, ReloadableSetup setup, CoordinatorPresence presence) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var grace = setup.Current.Settings.ShutdownGrace;
        await registry.Get<DaemonScheduler>().Ask<SchedulerCommands.TickingStopped>(SchedulerCommands.StopTicking.Instance, TimeSpan.FromSeconds(5), cancellationToken);
        if (presence.Local is { } coordinator)
        {
            try
            {
                await coordinator.GracefulStop(grace + TimeSpan.FromSeconds(15), SyncCommands.Shutdown.Instance);
            }
            catch (TaskCanceledException)
            {
                // The sync did not wrap up in time; the actor system's shutdown ends it.
            }
        }
        await registry.Get<LogActor>().Ask<LogCommands.Flushed>(LogCommands.Flush.Instance, TimeSpan.FromSeconds(10), cancellationToken);
    }
}
