using System.Globalization;
using ImageSync.Domain;
using ImageSync.Logging;
using ImageSync.Reporting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ImageSync.Cli.Output;

/// <summary>
/// How runs, plans and checks look on a console. Every node-supplied string goes in as plain text, never as
/// markup, so a node cannot paint the operator's terminal.
/// </summary>
internal static class Views
{
    /// <summary>The live view of a run: a bar per node, and the pulls in flight with their elapsed time.</summary>
    public static IRenderable Live(ProgressSnapshot progress)
    {
        var nodes = new Table().Border(TableBorder.Rounded).Title("image-sync run")
            .AddColumns("node", "state", "progress", "failed", "skipped");
        foreach (var row in progress.Nodes)
        {
            nodes.AddRow(
                Plain(row.Node.Value),
                row.Status switch
                {
                    null => new Markup("[grey]connecting[/]"),
                    { Reachable: true } => new Markup("[green]reachable[/]"),
                    _ => new Text("UNREACHABLE", new Style(Color.Red)),
                },
                Plain(Bar(row.Done, row.Planned)),
                Plain(row.Failed.ToString(CultureInfo.InvariantCulture)),
                Plain(row.Skipped.ToString(CultureInfo.InvariantCulture)));
        }
        var inFlight = Unbroken(new Table().Border(TableBorder.Simple).Title($"in flight ({progress.InFlight.Count})")
            .AddColumns("node", "image", "attempt", "elapsed"), column: 1);
        foreach (var pull in progress.InFlight)
            inFlight.AddRow(Plain(pull.Pull.Node.Value), Plain(pull.Pull.Image.ToString()), Plain(pull.Attempt.ToString(CultureInfo.InvariantCulture)), Plain(Seconds(pull.Elapsed)));
        return new Rows(nodes, inFlight);
    }

    /// <summary>The final summary of a run: a line per node, failures with their reasons, drift, totals.</summary>
    public static IRenderable Summary(SyncSummary summary)
    {
        var nodes = new Table().Border(TableBorder.Rounded).Title("summary")
            .AddColumns("node", "reachable", "planned", "pulled", "failed", "skipped", "held back", "duration");
        foreach (var row in summary.PerNode())
        {
            nodes.AddRow(
                Plain(row.Node.Value),
                row.Reachable ? new Markup("[green]yes[/]") : new Text("NO", new Style(Color.Red)),
                Number(row.Planned), Number(row.Pulled), Number(row.Failed), Number(row.Skipped), Number(row.HeldBack), Plain(Seconds(row.Duration)));
        }
        var parts = new List<IRenderable> { nodes };
        var problems = Problems(summary);
        if (problems is not null) parts.Add(problems);
        if (summary.Plan.Drifts.Count > 0) parts.Add(Drift(summary.Plan.Drifts));
        parts.Add(Plain(Totals(summary)));
        return new Rows(parts);
    }

    /// <summary>What `run` would do: per node the pulls and their weight, then each pull with its source.</summary>
    public static IRenderable Plan(SyncSummary summary)
    {
        var nodes = new Table().Border(TableBorder.Rounded).Title("plan").AddColumns("node", "reachable", "pulls", "size", "pinned");
        var byNode = summary.Plan.Pulls.ToLookup(p => p.Node);
        foreach (var status in summary.Nodes)
        {
            var pulls = byNode[status.Node].ToList();
            nodes.AddRow(
                Plain(status.Node.Value),
                status.Reachable ? new Markup("[green]yes[/]") : new Text($"NO: {status.Reason}", new Style(Color.Red)),
                Number(pulls.Count),
                Plain(Bytes(pulls.Sum(p => p.SizeBytes))),
                Plain(status.Reachable ? Pinned(summary.Pins, status.Node) : "-"));
        }
        var parts = new List<IRenderable> { nodes };
        if (summary.Plan.Pulls.Count + summary.Plan.HeldBack.Count > 0)
        {
            var pulls = Unbroken(new Table().Border(TableBorder.Simple).AddColumns("node", "would pull", "size", "held by", "from"), column: 1);
            foreach (var pull in summary.Plan.Pulls)
            {
                pulls.AddRow(Plain(pull.Node.Value), Plain(pull.Image.ToString()), Plain(Bytes(pull.SizeBytes)),
                    Plain(Capped.Join(pull.Sources, Capped.InCell)),
                    summary.Plan.SkipReason(pull) is { } skip ? new Text($"SKIPPED: {skip}", new Style(Color.Yellow)) : Plain(summary.Route(pull)));
            }
            foreach (var (pull, until) in summary.Plan.HeldBack)
            {
                pulls.AddRow(Plain(pull.Node.Value), Plain(pull.Image.ToString()), Plain(Bytes(pull.SizeBytes)), Plain(Capped.Join(pull.Sources, Capped.InCell)),
                    new Text($"HELD BACK: removed since image-sync pulled it; not before {Timestamps.Show(until.ToLocalTime())}", new Style(Color.Yellow)));
            }
            parts.Add(pulls);
        }
        if (summary.Plan.Drifts.Count > 0) parts.Add(Drift(summary.Plan.Drifts));
        var skipped = summary.Plan.Skips.Count == 0 ? "" : $" ({summary.Plan.Skips.Count} to be skipped: not enough disk)";
        var heldBack = summary.HeldBackNote is { } note ? $"; {note}" : "";
        var pending = summary.Pins.Pending;
        var pins = pending.Count == 0 ? "" : $"; {pending.Count(w => w.Pin)} to pin, {pending.Count(w => !w.Pin)} to unpin";
        parts.Add(Plain(Discovery(summary) + $"{summary.Plan.Pulls.Count} pulls{skipped}, {Bytes(summary.Plan.TotalBytes)} in all{heldBack}{pins}; {summary.UnreachableNodes} of {summary.Nodes.Count} nodes unreachable"));
        return new Rows(parts);
    }

    /// <summary>A line per node: which step of reading it passed, and why one failed.</summary>
    /// <param name="credentials">The registries registries.credentials-file has credentials for (never the secrets).</param>
    public static IRenderable Check(SyncSummary summary, IReadOnlyList<NodeSpec> specs, IReadOnlyList<string>? credentials = null)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("check")
            .AddColumns("node", "address", "connect", "host key", "login", "echo ok", "crictl", "images", "platform", "image filesystem", "problem");
        foreach (var status in summary.Nodes)
        {
            var spec = specs.First(s => s.Name == status.Node);
            var cells = new List<IRenderable> { Plain(status.Node.Value), Plain($"{spec.User}@{spec.Host}:{spec.Port}") };
            cells.AddRange(Enum.GetValues<NodeStage>().Select(stage => Mark(JsonReport.CheckResult(status, stage))));
            cells.Add(Plain(!status.Reachable ? "-"
                : summary.Pins.CountOn(status.Node).Pinned == 0 ? status.MatchingImages.ToString(CultureInfo.InvariantCulture)
                : $"{status.MatchingImages}, pinned {Pinned(summary.Pins, status.Node)}"));
            cells.Add(Plain(status.Facts?.Platform?.ToString() ?? "-"));
            cells.Add(Plain(status.Facts is null ? "-" : ImageFs(status.Facts)));
            cells.Add(Plain(status.Reason ?? ""));
            table.AddRow(cells);
        }
        var failing = summary.UnreachableNodes;
        // Which nodes the node helper answered for, and as which version (a node it refused is failing, with its reason).
        var helpers = summary.Nodes.Where(n => n.Facts?.Helper is not null).Select(n => $"{n.Node} ({n.Facts!.Helper})").ToList();
        var registries = credentials is { Count: > 0 } ? $"registry credentials for {string.Join(", ", credentials)}\n" : "";
        return new Rows(table, Plain((helpers.Count > 0 ? $"node helper answered on {string.Join(", ", helpers)}\n" : "") + registries + Discovery(summary) + (failing == 0 ? $"all {summary.Nodes.Count} nodes passed" : $"{failing} of {summary.Nodes.Count} nodes failed")));
    }

    /// <summary>"3 (2 by image-sync)": the images pinned on the node, and how many of those image-sync pinned.</summary>
    private static string Pinned(PinReport pins, NodeName node)
    {
        var (pinned, byImageSync) = pins.CountOn(node);
        return pinned == 0 ? "0" : $"{pinned} ({byImageSync} by image-sync)";
    }

    /// <summary>"41 % of /var/lib/containerd, 12.3 GiB available", or what could not be read.</summary>
    private static string ImageFs(NodeFacts facts) =>
        facts.ImageFs is { } imageFs
            ? $"{ImageFilesystem.Percent(imageFs.UsageFraction)} of {imageFs.MountedOn}, {Bytes(imageFs.AvailableBytes)} available"
            : string.Join("; ", facts.Missing.Where(m => m.StartsWith("no image filesystem", StringComparison.Ordinal)));

    private static IRenderable? Problems(SyncSummary summary)
    {
        var failed = summary.Outcomes.Where(o => !o.IsSuccess).OrderBy(o => o.Pull.Node).ThenBy(o => o.Pull.Image).ToList();
        if (failed.Count == 0) return null;
        var table = Unbroken(new Table().Border(TableBorder.Simple).AddColumns("node", "image", "result", "attempts", "reason"), column: 1);
        foreach (var outcome in failed)
            table.AddRow(Plain(outcome.Pull.Node.Value), Plain(outcome.Pull.Image.ToString()), Plain(outcome.Word), Number(outcome.Attempts), Plain(outcome.Reason ?? ""));
        return table;
    }

    private static IRenderable Drift(IReadOnlyList<TagDrift> drifts)
    {
        var table = Unbroken(new Table().Border(TableBorder.Simple).Title("drift: one tag, different images").AddColumns("tag", "digests by node"), column: 0);
        foreach (var drift in drifts) table.AddRow(Plain(drift.Tag.ToString()), Plain(drift.DescribeDigests()));
        return table;
    }

    private static string Totals(SyncSummary summary) =>
        (summary.Fault is not null ? $"ABORTED: {summary.Fault}. " : summary.Interrupted ? "INTERRUPTED. " : "")
        + Discovery(summary)
        + $"{summary.Succeeded} succeeded, {summary.Failed} failed, {summary.TimedOut} timed out, {summary.Skipped} skipped; "
        + (summary.HeldBackNote is { } heldBack ? $"{heldBack}; " : "")
        + $"{summary.UnreachableNodes} of {summary.Nodes.Count} nodes unreachable; {Seconds(summary.Duration)}";

    /// <summary>Why the nodes a Kubernetes API lists are missing, when they are.</summary>
    private static string Discovery(SyncSummary summary) =>
        summary.DiscoveryError is not { } error ? ""
        : summary.Nodes.Count == 0 ? $"NODE DISCOVERY FAILED, no node to sync: {error}. "
        : $"NODE DISCOVERY FAILED, listed nodes only: {error}. ";

    private static IRenderable Mark(string result) => result switch
    {
        "ok" => new Markup("[green]ok[/]"),
        "failed" => new Text("FAILED", new Style(Color.Red)),
        _ => new Markup("[grey]-[/]"),
    };

    internal static string Bar(int done, int planned, int width = 20)
    {
        var filled = planned == 0 ? width : (int)Math.Round(width * (double)done / planned);
        return new string('█', filled) + new string('░', width - filled) + $" {done}/{planned}";
    }

    internal static string Bytes(long bytes) =>
        bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):0.0} GiB"
        : bytes >= 1L << 20 ? $"{bytes / (double)(1L << 20):0.0} MiB"
        : bytes >= 1L << 10 ? $"{bytes / (double)(1L << 10):0.0} KiB"
        : $"{bytes} B";

    private static string Seconds(TimeSpan span) => Durations.Elapsed(span);

    /// <summary>An image name is copied from a table into a command: its column is never wrapped, the others give way.</summary>
    private static Table Unbroken(Table table, int column)
    {
        table.Columns[column].NoWrap = true;
        return table;
    }

    private static Text Plain(string text) => new(text);

    private static Text Number(int value) => new(value.ToString(CultureInfo.InvariantCulture));
}
