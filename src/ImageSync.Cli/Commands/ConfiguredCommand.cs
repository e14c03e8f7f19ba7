using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Reporting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ImageSync.Cli.Commands;

/// <summary>A command that runs with a config: a config that cannot be used names every problem and exits 2.</summary>
internal abstract class ConfiguredCommand<TOptions>(TextWriter errors) : AsyncCommand<TOptions> where TOptions : ConfigOptions
{
    public sealed override async Task<int> ExecuteAsync(CommandContext context, TOptions options, CancellationToken cancellationToken)
    {
        UsageException.RefuseLeftovers(context, options);
        try
        {
            var path = options.ConfigPath(Environment.GetEnvironmentVariable);
            return await ExecuteAsync(options, path, SettingsLoader.Load(path));
        }
        catch (ConfigException e)
        {
            await errors.WriteLineAsync($"image-sync: {e.Message}");
            if (options is ReportOptions { Json: true }) JsonReport.WriteError(Console.OpenStandardOutput(), context.Name, ExitCodes.BadConfig, "invalid configuration", e.Problems);
            return ExitCodes.BadConfig;
        }
    }

    /// <summary>Standard error.</summary>
    protected TextWriter Errors => errors;

    protected abstract Task<int> ExecuteAsync(TOptions options, string configPath, ImageSyncSettings settings);
}

internal sealed class RunCommand(IAnsiConsole console, TextWriter errors) : ConfiguredCommand<RunOptions>(errors)
{
    protected override Task<int> ExecuteAsync(RunOptions options, string configPath, ImageSyncSettings settings) =>
        OneShotSync.ExecuteAsync(new OneShot(SyncMode.Run, options.Json, options.Quiet, options.MetricsFile) { Scope = options.Scope(settings) }, settings, console, Errors);
}

internal sealed class PlanCommand(IAnsiConsole console, TextWriter errors) : ConfiguredCommand<PlanOptions>(errors)
{
    protected override Task<int> ExecuteAsync(PlanOptions options, string configPath, ImageSyncSettings settings) =>
        OneShotSync.ExecuteAsync(new OneShot(SyncMode.Plan, options.Json, Quiet: false) { Scope = options.Scope(settings), PendingExit = options.ExitCode }, settings, console, Errors);
}

internal sealed class CheckCommand(IAnsiConsole console, TextWriter errors) : ConfiguredCommand<ReportOptions>(errors)
{
    /// <summary>A replica's TLS files first (a problem is a config problem, exit 2), then every node.</summary>
    protected override Task<int> ExecuteAsync(ReportOptions options, string configPath, ImageSyncSettings settings)
    {
        if (ValidateCommand.ClusterTls(settings.Cluster) is { } tls && !options.Json) console.WriteLine(tls);
        return OneShotSync.ExecuteAsync(new OneShot(SyncMode.Check, options.Json, Quiet: false), settings, console, Errors);
    }
}
