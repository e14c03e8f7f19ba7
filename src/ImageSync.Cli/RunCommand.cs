using Akka.Actor;
using Akka.Hosting;
using Akka.Logger.Serilog;
using ImageSync.Actors;
using ImageSync.Configuration;
using ImageSync.Locking;
using ImageSync.Logging;
using ImageSync.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace ImageSync.Cli;

/// <summary><c>image-sync run</c>: one sync under the lock, then an exit code that tells cron how it went.</summary>
internal static class RunCommand
{
    /// <exception cref="ConfigException">The log dir, lock file or SSH key cannot be used.</exception>
    public static async Task<int> ExecuteAsync(ImageSyncSettings settings)
    {
        RunLogging.Configure(settings.Logs);
        try
        {
            var transport = NodeTransports.Create(settings, Environment.GetEnvironmentVariable, warning => Log.Warning("{Warning}", warning));
            using var held = AcquireLock(settings.LockFile);
            if (held is null)
            {
                Log.Error("another image-sync run holds the lock {LockFile}; nothing was done", settings.LockFile);
                return ExitCodes.LockHeld;
            }
            return await SyncOnceAsync(settings, transport);
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    private static RunLock? AcquireLock(string path)
    {
        try
        {
            return RunLock.TryAcquire(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"image-sync.lock-file: cannot open '{path}': {e.Message}"]);
        }
    }

    private static async Task<int> SyncOnceAsync(ImageSyncSettings settings, INodeTransport transport)
    {
        using var journal = new DayFileJournal(Log.Logger, settings.Logs.Dir, settings.Logs.RetentionDays, TimeProvider.System);
        using var host = BuildHost(settings, transport, journal);
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        var coordinator = await registry.GetAsync<SyncCoordinator>();
        using var signals = new ShutdownSignals(why =>
        {
            Log.Warning("{Why}: no new pulls; pulls in flight get {Grace} to finish", why, Durations.Show(settings.ShutdownGrace));
            coordinator.Tell(new SyncCommands.StopSync(why));
        });

        var answer = await coordinator.Ask<SyncEvents.ISyncEvent>(new SyncCommands.StartSync("run"), Timeout.InfiniteTimeSpan);
        // Everything the run logged is written before the actor system goes away.
        await (await registry.GetAsync<LogActor>()).Ask<LogCommands.Flushed>(LogCommands.Flush.Instance, TimeSpan.FromSeconds(30));
        await host.StopAsync();

        return answer switch
        {
            SyncEvents.SyncFinished { Summary.Interrupted: true } => signals.ExitCode ?? ExitCodes.Interrupted,
            SyncEvents.SyncFinished { Summary.HasFailures: true } => ExitCodes.Failures,
            SyncEvents.SyncFinished => ExitCodes.Ok,
            _ => ExitCodes.LockHeld,
        };
    }

    private static IHost BuildHost(ImageSyncSettings settings, INodeTransport transport, ISyncJournal journal) =>
        new HostBuilder()
            .ConfigureServices(services =>
            {
                services.AddSingleton<IHostLifetime, ManualLifetime>();
                services.AddAkka("image-sync", builder => builder
                    .ConfigureLoggers(loggers =>
                    {
                        loggers.ClearLoggers();
                        loggers.AddSerilogLogging();
                    })
                    // Signals are ours: the first one stops the sync gracefully; Akka must not tear itself down on it.
                    .AddHocon("""
                        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
                        akka.log-dead-letters = off
                        akka.log-dead-letters-during-shutdown = off
                        """, HoconAddMode.Prepend)
                    .AddLogActor(journal)
                    .AddSyncCoordinator(settings, transport, TimeProvider.System));
            })
            .Build();
}
