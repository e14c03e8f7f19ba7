using Akka.Actor;
using Akka.Hosting;
using Akka.Logger.Serilog;
using ImageSync.Actors;
using ImageSync.Cli.Output;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Locking;
using ImageSync.Logging;
using ImageSync.Nodes;
using ImageSync.Reporting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using Spectre.Console;

namespace ImageSync.Cli;

/// <summary>
/// <c>image-sync run | plan | check</c>: one sync (or just its reading and planning) on the actor system,
/// then what the operator asked to see, then an exit code that tells cron how it went. Only <c>run</c>
/// takes the lock and writes the day files: the others change nothing anywhere.
/// </summary>
internal static class SyncCommand
{
    private enum Display
    {
        Live,
        Lines,
        Quiet,
        Json,
    }

    /// <exception cref="ConfigException">The log dir, lock file or SSH key cannot be used.</exception>
    public static async Task<int> ExecuteAsync(CommandLine commandLine, ImageSyncSettings settings, IAnsiConsole console)
    {
        var display = Choose(commandLine, console);
        var writesDayFiles = commandLine.Mode == SyncMode.Run;
        RunLogging.Configure(settings.Logs, writesDayFiles, consoleLines: display == Display.Lines);
        try
        {
            using var transport = new HeadStartTransport(NodeTransports.Create(settings, Environment.GetEnvironmentVariable, warning => Log.Warning("{Warning}", warning)));
            // A run takes the lock before the actor system starts, so one that finds it held exits 1 at once.
            IRunGate gate = FileLockGate.Instance;
            if (writesDayFiles)
            {
                var (held, refusal) = TakeLock(settings.LockFile);
                if (refusal is not null) return Refused(display, commandLine, refusal, console);
                gate = new HeldLockGate(held!);
            }
            // The first nodes' handshakes run while the actor system starts; the run's node actors take them over.
            transport.Start(settings.Nodes.Take(settings.Ssh.MaxConnecting));
            using var journal = writesDayFiles ? new DayFileJournal(Log.Logger, settings.Logs.Dir, settings.Logs.RetentionDays, TimeProvider.System) : null;
            var progress = display == Display.Live ? new RunProgress() : null;
            var (answer, signal) = await SyncAsync(commandLine, new SyncSetup(settings, transport), gate, journal, progress, console);
            if (answer is SyncEvents.SyncRefused refused) return Refused(display, commandLine, refused, console);
            var summary = ((SyncEvents.SyncFinished)answer).Summary;
            var exitCode = ExitCodes.For(summary, signal);
            Show(display, commandLine, summary, settings, exitCode, console);
            return exitCode;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    /// <summary>A live view on a terminal; plain lines for cron and pipes; the summary only, or JSON only, when asked.</summary>
    private static Display Choose(CommandLine commandLine, IAnsiConsole console) =>
        commandLine.Json ? Display.Json
        : commandLine.Quiet || commandLine.Mode != SyncMode.Run ? Display.Quiet
        : console.Profile.Capabilities.Interactive && !Console.IsOutputRedirected ? Display.Live
        : Display.Lines;

    /// <returns>The held lock, or the refusal to report.</returns>
    private static (RunLock? Held, SyncEvents.SyncRefused? Refusal) TakeLock(string lockFile)
    {
        try
        {
            return RunLock.TryAcquire(lockFile) is { } held
                ? (held, null)
                : (null, new SyncEvents.SyncRefused($"another image-sync run holds the lock {lockFile}", SyncEvents.RefusalKind.LockHeld));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, new SyncEvents.SyncRefused($"cannot open the lock file {lockFile}: {e.Message}", SyncEvents.RefusalKind.LockUnavailable));
        }
    }

    /// <summary>Nothing was done: another process holds the lock (exit 1), or the lock file cannot be used (exit 2).</summary>
    private static int Refused(Display display, CommandLine commandLine, SyncEvents.SyncRefused refused, IAnsiConsole console)
    {
        var exitCode = refused.Kind == SyncEvents.RefusalKind.LockHeld ? ExitCodes.LockHeld : ExitCodes.BadConfig;
        var why = $"{refused.Why}; nothing was done";
        Log.Error("{Why}", why);
        if (display == Display.Json) JsonReport.WriteError(Console.OpenStandardOutput(), commandLine.Command, exitCode, why, []);
        else if (display != Display.Lines) console.WriteLine(why);
        if (exitCode == ExitCodes.BadConfig) Console.Error.WriteLine($"image-sync: {why}");
        return exitCode;
    }

    private static async Task<(SyncEvents.ISyncEvent Answer, int? Signal)> SyncAsync(
        CommandLine commandLine, SyncSetup setup, IRunGate gate, ISyncJournal? journal, RunProgress? progress, IAnsiConsole console)
    {
        var settings = setup.Settings;
        using var host = BuildHost(setup, gate, journal, progress);
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        var coordinator = await registry.GetAsync<SyncCoordinator>();
        using var signals = new ShutdownSignals(why =>
        {
            Log.Warning("{Why}: no new pulls; pulls in flight get {Grace} to finish", why, Durations.Show(settings.ShutdownGrace));
            coordinator.Tell(new SyncCommands.StopSync(why));
        });

        var answer = coordinator.Ask<SyncEvents.ISyncEvent>(new SyncCommands.StartSync(commandLine.Command, commandLine.Mode), Timeout.InfiniteTimeSpan);
        if (progress is not null) await ShowLiveAsync(console, progress, answer);
        var ended = await answer;

        // Everything the run logged is written before the actor system goes away.
        if (journal is not null) await (await registry.GetAsync<LogActor>()).Ask<LogCommands.Flushed>(LogCommands.Flush.Instance, TimeSpan.FromSeconds(30));
        await host.StopAsync();
        return (ended, signals.ExitCode);
    }

    /// <summary>Redraws the live view until the run has finished, then draws its final state once more.</summary>
    internal static async Task ShowLiveAsync(IAnsiConsole console, RunProgress progress, Task finished)
    {
        await console.Live(Views.Live(progress.Snapshot())).StartAsync(async live =>
        {
            while (!finished.IsCompleted)
            {
                live.UpdateTarget(Views.Live(progress.Snapshot()));
                await Task.WhenAny(finished, Task.Delay(TimeSpan.FromMilliseconds(250)));
            }
            live.UpdateTarget(Views.Live(progress.Snapshot()));
        });
    }

    private static void Show(Display display, CommandLine commandLine, SyncSummary summary, ImageSyncSettings settings, int exitCode, IAnsiConsole console)
    {
        if (display == Display.Json)
        {
            using var stdout = Console.OpenStandardOutput();
            JsonReport.Write(stdout, summary, settings.Nodes, exitCode);
            return;
        }
        console.Write(summary.Mode switch
        {
            SyncMode.Plan => Views.Plan(summary),
            SyncMode.Check => Views.Check(summary, settings.Nodes),
            _ => Views.Summary(summary),
        });
    }

    private static IHost BuildHost(SyncSetup setup, IRunGate gate, ISyncJournal? journal, RunProgress? progress) =>
        new HostBuilder()
            .ConfigureServices(services =>
            {
                services.AddSingleton<IHostLifetime, ManualLifetime>();
                services.AddAkka("image-sync", builder =>
                {
                    builder
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
                            """, HoconAddMode.Prepend);
                    if (journal is not null) builder.AddLogActor(journal);
                    if (progress is not null) builder.AddSyncEventListener("progress", progress.Apply);
                    builder.AddSyncCoordinator(() => setup, gate, TimeProvider.System);
                });
            })
            .Build();
}
