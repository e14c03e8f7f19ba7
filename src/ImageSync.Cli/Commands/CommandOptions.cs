using System.ComponentModel;
using ImageSync.Configuration;
using Spectre.Console.Cli;

namespace ImageSync.Cli.Commands;

/// <summary>The config file of a command: <c>-c FILE</c>, else <c>$IMAGE_SYNC_CONFIG</c>, else the default path.</summary>
public class ConfigOptions : CommandSettings
{
    public const string DefaultPath = "/etc/image-sync/image-sync.conf";
    public const string PathVariable = "IMAGE_SYNC_CONFIG";

    [CommandOption("-c|--config <FILE>")]
    [Description($"HOCON config laid over the built-in defaults (image-sync config prints them); default: ${PathVariable}, else {DefaultPath}")]
    public string? Config { get; init; }

    /// <exception cref="ConfigException">No file was named and the default one does not exist.</exception>
    public string ConfigPath(Func<string, string?> environment)
    {
        if (Config is { Length: > 0 } named) return named;
        if (environment(PathVariable) is { Length: > 0 } fromEnvironment) return fromEnvironment;
        return File.Exists(DefaultPath)
            ? DefaultPath
            : throw new ConfigException([$"no config file: none named with -c/--config, {PathVariable} is not set, and {DefaultPath} does not exist"]);
    }
}

public class ReportOptions : ConfigOptions
{
    [CommandOption("--json")]
    [Description("print one JSON document on stdout and nothing else there (the README shows its shape)")]
    public bool Json { get; init; }
}

public sealed class RunOptions : ReportOptions
{
    [CommandOption("-q|--quiet")]
    [Description("for cron: print nothing when the run ends with exit 0 (every node in sync); otherwise only the summary, on stderr")]
    public bool Quiet { get; init; }

    [CommandOption("--metrics-file <FILE>")]
    [Description("write this run's image_sync_ metrics to FILE for node_exporter's textfile collector (e.g. /var/lib/node_exporter/textfile/image-sync.prom), atomically")]
    public string? MetricsFile { get; init; }
}

public sealed class ImportConfigOptions : CommandSettings
{
    [CommandArgument(0, "<OLD.conf>")]
    [Description("the bash tool's KEY=VALUE config; it is read as text, never run")]
    public string OldConfig { get; init; } = "";
}
