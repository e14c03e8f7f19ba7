using Akka.Actor;
using Akka.Hosting;
using ImageSync.Actors;
using ImageSync.Cli.Output;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Hosting;
using ImageSync.Locking;
using ImageSync.Metrics;
using ImageSync.Nodes;
using ImageSync.Nodes.Discovery;
using ImageSync.Reporting;
using ImageSync.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using Spectre.Console;

namespace ImageSync.Cli.Commands;

/// <summary>What a one-shot command asks for: run pulls, or only plan them, or only check the nodes.</summary>
/// <param name="Json">Print one JSON document on stdout, and nothing else there.</param>
/// <param name="Quiet">A run for cron: print nothing when it ends with exit 0, only the summary on stderr otherwise.</param>
/// <param name="MetricsFile">Where a run writes its metrics for node_exporter's textfile collector, if anywhere.</param>
public sealed record OneShot(SyncMode Mode, bool Json, bool Quiet, string? MetricsFile = null)
{
    /// <summary>The nodes and images the run or plan is limited to (<c>--node</c>, <c>--image</c>).</summary>
    public RunScope Scope { get; init; } = RunScope.Everything;

    /// <summary><c>plan --exit-code</c>: pending pulls are exit 10.</summary>
    public bool PendingExit { get; init; }

    public string Command => Mode.ToString().ToLowerInvariant();
}

/// <summary>
/// <c>image-sync run | plan | check</c>: one sync (or just its reading and planning) on the actor system,
/// then what the operator asked to see, then an exit code that tells cron how it went. Only <c>run</c>
/// takes the lock and writes the day files: the others change nothing anywhere.
/// </summary>
internal static class OneShotSync
{
    private enum Display
    {
        Live,
        Lines,
        Summary,
        Quiet,
        Json,
    }

    /// <param name="console">Standard output.</param>
    /// <param name="errors">Standard error: where a quiet run that did not end with exit 0 puts its summary.</param>
    /// <exception cref="ConfigException">The log dir, lock file or SSH key cannot be used.</exception>
    public static async Task<int> ExecuteAsync(OneShot request, ImageSyncSettings settings, IAnsiConsole console, TextWriter errors)
    {
        var display = Choose(request, console);
        // Stdout carries the one JSON document, written to the raw stream: whatever a library prints through
        // Console.Out (Akka's own logger writes "[INFO]…" lines there before and after its loggers run) goes to stderr.
        if (display == Display.Json) Console.SetOut(Console.Error);
        var writesDayFiles = request.Mode == SyncMode.Run;
        var logHealth = RunLogging.Configure(settings.Logs, writesDayFiles, consoleLines: display == Display.Lines);
        try
        {
            var transport = new HeadStartTransport(RunLogging.Transport(settings));
            using var setup = new ReloadableSetup(new SyncSetup(settings, transport, NodeDirectories.Create(settings)));
            // A run takes the lock before the actor system starts, so one that finds it held exits 1 at once.
            IRunGate gate = FileLockGate.Instance;
            if (writesDayFiles)
            {
                if (RunGate.TryLock(FileLockGate.Instance, settings.LockFile, out var held) is { } refusal) return Refused(display, request, refusal);
                gate = new HeldLockGate(held!);
            }
            // The first nodes' handshakes run while the actor system starts; the run's node actors take them over.
            transport.Start(settings.Nodes.Take(settings.Ssh.MaxConnecting));
            using var journal = writesDayFiles ? RunLogging.Journal(settings.Logs, logHealth) : null;
            var progress = display == Display.Live ? new RunProgress() : null;
            IPullHistoryStore? store = settings.StateFile.Length == 0 ? null : new PullHistoryFile(settings.StateFile);
            var parts = new ImageSyncParts(setup, gate, TimeProvider.System)
            {
                Journal = journal, Watcher = progress is null ? null : progress.Apply, Logging = RunLogging.Akka,
                History = LoadHistory(store),
                // A plan or a check reads the state file (what was removed, whose pins are whose) and writes nothing.
                HistoryStore = writesDayFiles ? store : null,
            };
            var (answer, signal) = await SyncAsync(request, parts, progress, console);
            if (answer is SyncEvents.SyncRefused refused) return Refused(display, request, refused);
            var summary = ((SyncEvents.SyncFinished)answer).Summary;
            var exitCode = ExitCodes.For(summary, signal, request.PendingExit);
            if (request.MetricsFile is { } metricsFile) await WriteMetricsAsync(metricsFile, summary);
            if (display == Display.Quiet)
            {
                // Cron mails whatever a job prints: silence means every node is in sync.
                if (exitCode != ExitCodes.Ok) ErrorConsole(errors).Write(Views.Summary(summary));
            }
            else Show(display, summary, settings, exitCode, console);
            return exitCode;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    /// <summary>What earlier runs pulled where, from <c>state-file</c>; one that cannot be used is a warning and a fresh start.</summary>
    private static PullHistory LoadHistory(IPullHistoryStore? store)
    {
        if (store is null) return new PullHistory();
        var history = store.Load(out var warning);
        if (warning is not null) Log.Warning("{Warning}", warning);
        return history;
    }

    /// <summary>A metrics file that cannot be written is said on stderr; the run's exit code stays the sync's.</summary>
    private static async Task WriteMetricsAsync(string path, SyncSummary summary)
    {
        try
        {
            await MetricsFile.WriteAsync(path, summary, TimeProvider.System, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Error("cannot write the metrics file {Path}: {Error}", path, e.Message);
        }
    }

    /// <summary>A live view on a terminal; plain lines for cron and pipes; a plan's or check's table; JSON only, or silence for cron, when asked.</summary>
    private static Display Choose(OneShot request, IAnsiConsole console) =>
        request.Json ? Display.Json
        : request.Mode != SyncMode.Run ? Display.Summary
        : request.Quiet ? Display.Quiet
        : console.Profile.Capabilities.Interactive && !Console.IsOutputRedirected ? Display.Live
        : Display.Lines;

    /// <summary>Standard error as a console for tables, shaped as standard output is (its tables end their lines: nothing waits in it).</summary>
    private static IAnsiConsole ErrorConsole(TextWriter errors) => Consoles.For(errors, Console.IsErrorRedirected, Environment.GetEnvironmentVariable);

    /// <summary>Nothing was done: another process holds the lock (exit 1), or the lock file cannot be used (exit 2).</summary>
    private static int Refused(Display display, OneShot request, SyncEvents.SyncRefused refused)
    {
        var exitCode = refused.Kind == SyncEvents.RefusalKind.LockHeld ? ExitCodes.LockHeld : ExitCodes.BadConfig;
        var why = $"{refused.Why}; nothing was done";
        // One line for the operator, on stderr whatever the display; the run log keeps its own.
        RunLogging.RunLogOnly.Error("{Why}", why);
        if (display == Display.Json) JsonReport.WriteError(Console.OpenStandardOutput(), request.Command, exitCode, why, []);
        Console.Error.WriteLine($"image-sync: {why}");
        return exitCode;
    }

    private static async Task<(SyncEvents.ISyncEvent Answer, int? Signal)> SyncAsync(OneShot request, ImageSyncParts parts, RunProgress? progress, IAnsiConsole console)
    {
        var settings = parts.Setup.Current.Settings;
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddSingleton<IHostLifetime, ManualLifetime>().AddImageSync(parts))
            .Build();
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        var coordinator = await registry.GetAsync<SyncCoordinator>();
        using var signals = new ShutdownSignals(why =>
        {
            Log.Warning("{Why}: no new pulls; pulls in flight get {Grace} to finish", why, Durations.Show(settings.ShutdownGrace));
            coordinator.Tell(new SyncCommands.StopSync(why));
        });

        var answer = coordinator.Ask<SyncEvents.ISyncEvent>(new SyncCommands.StartSync(request.Command, request.Mode, request.Scope), Timeout.InfiniteTimeSpan);
        if (progress is not null) await ShowLiveAsync(console, progress, answer);
        var ended = await answer;

        // Everything the run logged is written before the actor system goes away.
        if (parts.HistoryStore is not null)
            await (await registry.GetAsync<PullHistoryActor>()).Ask<PullHistoryEvents.Flushed>(PullHistoryCommands.Flush.Instance, TimeSpan.FromSeconds(30));
        if (parts.Journal is not null) await (await registry.GetAsync<LogActor>()).Ask<LogCommands.Flushed>(LogCommands.Flush.Instance, TimeSpan.FromSeconds(30));
        await host.StopAsync();
        return (ended, signals.ExitCode);
    }

    /// <summary>Redraws the live view every 250 ms until the run has finished, then draws its final state once more.</summary>
    internal static Task ShowLiveAsync(IAnsiConsole console, RunProgress progress, Task finished) =>
        ShowLiveAsync(console, progress, finished, () => Task.Delay(TimeSpan.FromMilliseconds(250)));

    /// <param name="nextRedraw">Asked after each redraw while the run goes on: completes when the next one is due.</param>
    internal static async Task ShowLiveAsync(IAnsiConsole console, RunProgress progress, Task finished, Func<Task> nextRedraw)
    {
        await console.Live(Views.Live(progress.Snapshot())).StartAsync(async live =>
        {
            while (!finished.IsCompleted)
            {
                live.UpdateTarget(Views.Live(progress.Snapshot()));
                await Task.WhenAny(finished, nextRedraw());
            }
            live.UpdateTarget(Views.Live(progress.Snapshot()));
        });
    }

    private static void Show(Display display, SyncSummary summary, ImageSyncSettings settings, int exitCode, IAnsiConsole console)
    {
        if (display == Display.Json)
        {
            using var stdout = Console.OpenStandardOutput();
            JsonReport.Write(stdout, summary, summary.Specs ?? settings.Nodes, exitCode);
            return;
        }
        console.Write(summary.Mode switch
        {
            SyncMode.Plan => Views.Plan(summary),
            SyncMode.Check => Views.Check(summary, summary.Specs ?? settings.Nodes, RegistryCredentials.Load(settings.CredentialsFile).Registries),
            _ => Views.Summary(summary),
        });
    }
}
