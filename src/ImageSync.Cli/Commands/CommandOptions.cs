using System.ComponentModel;
using ImageSync.Configuration;
using ImageSync.Domain;
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

/// <summary>What a run or a plan is limited to: <c>--node</c> and <c>--image</c>, each repeatable.</summary>
public class ScopeOptions : ReportOptions
{
    [CommandOption("--node <NAME>")]
    [Description("pull only onto this node (repeatable); the other nodes are still read, and serve as sources")]
    public string[] Nodes { get; init; } = [];

    [CommandOption("--image <REF>")]
    [Description("pull only this image (repeatable), onto every node images.wanted declares it for, or every node when it is not declared; whether or not a node holds it")]
    public string[] Images { get; init; } = [];

    /// <summary>The scope these options name, checked against the settings.</summary>
    /// <exception cref="UsageException">A name is not a node of the config, or a reference is not an image reference.</exception>
    public RunScope Scope(ImageSyncSettings settings)
    {
        var images = Images.Select(text => ImageRef.TryParse(text, out var image, out var error) ? image : throw new UsageException($"--image '{text}' is not an image reference: {error}")).ToList();
        var nodes = Nodes.Select(text => Node(text, settings)).ToList();
        return new RunScope(nodes.Distinct().ToList(), images.Distinct().ToList());
    }

    private static NodeName Node(string text, ImageSyncSettings settings)
    {
        if (!NodeName.TryParse(text, out var name, out var error)) throw new UsageException($"--node '{text}': {error}");
        // Names a Kubernetes API lists are known only once the sync lists them.
        if (settings.NodesFromKubernetes.Enabled || settings.Nodes.Any(n => n.Name == name)) return name;
        var suggestion = Spelling.Suggest(text, settings.Nodes.Select(n => n.Name.Value));
        throw new UsageException($"--node '{text}' is not a node of the config" + (suggestion is null ? $" (its nodes: {Capped.Join(settings.Nodes.Select(n => n.Name).ToList(), Capped.InLine)})" : $", did you mean '{suggestion}'?"));
    }
}

public sealed class PlanOptions : ScopeOptions
{
    [CommandOption("--exit-code")]
    [Description($"exit 10 when pulls are pending (a `run` would pull something), 0 when there is nothing to pull; 2 and 3 as without it")]
    public bool ExitCode { get; init; }
}

public sealed class RunOptions : ScopeOptions
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
