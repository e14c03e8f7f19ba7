using System.Text.Json;
using ImageSync.Domain;

namespace ImageSync.Reporting;

/// <summary>
/// The machine-readable account of a run, plan or check (<c>--json</c>): one JSON document with the nodes
/// and why any could not be used, the plan, every outcome with its reason, attempts and duration, drift,
/// totals and the exit code. Its shape is documented in the README.
/// </summary>
public static class JsonReport
{
    /// <summary>Raised when a field changes meaning or goes away; new fields keep it.</summary>
    public const int SchemaVersion = 1;

    public static void Write(Stream output, SyncSummary summary, IReadOnlyList<NodeSpec> nodes, int exitCode)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("schemaVersion", SchemaVersion);
        json.WriteString("command", summary.Mode.ToString().ToLowerInvariant());
        json.WriteString("startedAt", summary.StartedAt);
        json.WriteNumber("durationSeconds", Seconds(summary.Duration));
        json.WriteNumber("exitCode", exitCode);
        json.WriteBoolean("interrupted", summary.Interrupted);
        json.WriteString("fault", summary.Fault);
        json.WriteString("discoveryError", summary.DiscoveryError);
        WriteTotals(json, summary);
        WriteNodes(json, summary, nodes);
        WritePlan(json, summary.Plan, summary.Route);
        WriteHeldBack(json, summary.Plan.HeldBack);
        WritePins(json, summary.Pins);
        WriteOutcomes(json, summary.Outcomes);
        WriteDrift(json, summary.Plan.Drifts);
        json.WriteEndObject();
    }

    /// <summary>The document for a command that did nothing (bad config, lock held): the exit code and why.</summary>
    public static void WriteError(Stream output, string command, int exitCode, string error, IReadOnlyList<string> problems)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("schemaVersion", SchemaVersion);
        json.WriteString("command", command);
        json.WriteNumber("exitCode", exitCode);
        json.WriteString("error", error);
        json.WriteStartArray("problems");
        foreach (var problem in problems) json.WriteStringValue(problem);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteTotals(Utf8JsonWriter json, SyncSummary summary)
    {
        json.WriteStartObject("totals");
        json.WriteNumber("nodes", summary.Nodes.Count);
        json.WriteNumber("reachable", summary.Nodes.Count - summary.UnreachableNodes);
        json.WriteNumber("unreachable", summary.UnreachableNodes);
        json.WriteNumber("planned", summary.Plan.Pulls.Count);
        json.WriteNumber("plannedBytes", summary.Plan.TotalBytes);
        json.WriteNumber("succeeded", summary.Succeeded);
        json.WriteNumber("failed", summary.Failed);
        json.WriteNumber("timedOut", summary.TimedOut);
        json.WriteNumber("skipped", summary.Skipped);
        json.WriteNumber("heldBack", summary.Plan.HeldBack.Count);
        json.WriteNumber("pinned", summary.Pins.States.Count(p => p.Pinned));
        json.WriteNumber("drifted", summary.Plan.Drifts.Count);
        json.WriteEndObject();
    }

    private static void WriteNodes(Utf8JsonWriter json, SyncSummary summary, IReadOnlyList<NodeSpec> nodes)
    {
        var tallies = summary.PerNode().ToDictionary(t => t.Node);
        json.WriteStartArray("nodes");
        foreach (var status in summary.Nodes)
        {
            var spec = nodes.First(n => n.Name == status.Node);
            var tally = tallies[status.Node];
            json.WriteStartObject();
            json.WriteString("name", status.Node.Value);
            json.WriteString("host", spec.Host);
            json.WriteNumber("port", spec.Port);
            json.WriteString("user", spec.User);
            json.WriteBoolean("reachable", status.Reachable);
            json.WriteString("failedAt", status.FailedAt is { } failedAt ? Camel(failedAt.ToString()) : null);
            json.WriteString("reason", status.Reason);
            json.WriteStartObject("checks");
            foreach (var stage in Enum.GetValues<NodeStage>()) json.WriteString(Camel(stage.ToString()), CheckResult(status, stage));
            json.WriteEndObject();
            json.WriteNumber("matchingImages", status.MatchingImages);
            json.WriteNumber("planned", tally.Planned);
            json.WriteNumber("pulled", tally.Pulled);
            json.WriteNumber("failed", tally.Failed);
            json.WriteNumber("skipped", tally.Skipped);
            json.WriteNumber("heldBack", tally.HeldBack);
            var (pinned, byImageSync) = summary.Pins.CountOn(status.Node);
            json.WriteNumber("pinned", pinned);
            json.WriteNumber("pinnedByImageSync", byImageSync);
            json.WriteNumber("durationSeconds", Seconds(tally.Duration));
            json.WriteStartArray("rejectedReferences");
            foreach (var rejected in status.Rejected) json.WriteStringValue(rejected);
            json.WriteEndArray();
            WriteFacts(json, status.Facts);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>The node's platform and image filesystem; null for a node not reached.</summary>
    private static void WriteFacts(Utf8JsonWriter json, NodeFacts? facts)
    {
        if (facts is null)
        {
            json.WriteNull("facts");
            return;
        }
        json.WriteStartObject("facts");
        json.WriteString("platform", facts.Platform?.ToString());
        json.WriteString("helper", facts.Helper);
        if (facts.ImageFs is { } imageFs)
        {
            json.WriteStartObject("imageFs");
            json.WriteString("path", imageFs.Path);
            json.WriteString("mountedOn", imageFs.MountedOn);
            json.WriteNumber("sizeBytes", imageFs.SizeBytes);
            json.WriteNumber("usedBytes", imageFs.UsedBytes);
            json.WriteNumber("availableBytes", imageFs.AvailableBytes);
            json.WriteNumber("usagePercent", Math.Round(imageFs.UsageFraction * 100, 1));
            json.WriteEndObject();
        }
        else json.WriteNull("imageFs");
        NodeIdentityJson.Write(json, "identity", facts.Identity);
        json.WriteStartArray("missing");
        foreach (var missing in facts.Missing) json.WriteStringValue(missing);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>"ok" for the steps a node passed, "failed" for the one that failed, "not-reached" after it.</summary>
    public static string CheckResult(NodeStatus status, NodeStage stage) =>
        status.FailedAt is not { } failed || stage < failed ? "ok" : stage == failed ? "failed" : "not-reached";

    private static void WritePlan(Utf8JsonWriter json, SyncPlan plan, Func<PlannedPull, string> route)
    {
        json.WriteStartArray("plan");
        foreach (var pull in plan.Pulls)
        {
            json.WriteStartObject();
            json.WriteString("node", pull.Node.Value);
            json.WriteString("image", pull.Image.ToString());
            json.WriteNumber("sizeBytes", pull.SizeBytes);
            json.WriteStartArray("sources");
            foreach (var source in pull.Sources) json.WriteStringValue(source.Value);
            json.WriteEndArray();
            json.WriteString("route", route(pull));
            json.WriteString("skip", plan.SkipReason(pull));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>The pulls the removal backoff holds back, each with the time it is held until.</summary>
    private static void WriteHeldBack(Utf8JsonWriter json, IReadOnlyList<HeldBackPull> heldBack)
    {
        json.WriteStartArray("heldBack");
        foreach (var (pull, until) in heldBack)
        {
            json.WriteStartObject();
            json.WriteString("node", pull.Node.Value);
            json.WriteString("image", pull.Image.ToString());
            json.WriteNumber("sizeBytes", pull.SizeBytes);
            json.WriteString("reason", "removed since image-sync pulled it");
            json.WriteString("notBefore", until);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>Per node, each image declared with pin = on, pinned by image-sync or listed as pinned: whether it is pinned and by whom; then the pins still to set or take off.</summary>
    private static void WritePins(Utf8JsonWriter json, PinReport pins)
    {
        json.WriteStartArray("pins");
        foreach (var pin in pins.States)
        {
            json.WriteStartObject();
            json.WriteString("node", pin.Node.Value);
            json.WriteString("image", pin.Image.ToString());
            json.WriteBoolean("pinned", pin.Pinned);
            json.WriteString("by", pin.By is { } owner ? PullHistory.OwnerName(owner) : null);
            json.WriteBoolean("declared", pin.Declared);
            json.WriteNumber("sizeBytes", pin.SizeBytes);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("pinsPending");
        foreach (var work in pins.Pending)
        {
            json.WriteStartObject();
            json.WriteString("node", work.Node.Value);
            json.WriteString("image", work.Image.ToString());
            json.WriteString("action", work.Pin ? "pin" : "unpin");
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteOutcomes(Utf8JsonWriter json, IReadOnlyList<PullOutcome> outcomes)
    {
        json.WriteStartArray("outcomes");
        foreach (var outcome in outcomes.OrderBy(o => o.Pull.Node).ThenBy(o => o.Pull.Image))
        {
            json.WriteStartObject();
            json.WriteString("node", outcome.Pull.Node.Value);
            json.WriteString("image", outcome.Pull.Image.ToString());
            json.WriteString("result", outcome.Word);
            json.WriteString("reason", outcome.Reason);
            json.WriteString("kind", outcome.Kind is { } kind ? kind.ToString().ToLowerInvariant() : null);
            json.WriteNumber("attempts", outcome.Attempts);
            json.WriteString("via", outcome.Copy is null ? "registry" : "transfer");
            json.WriteString("source", outcome.Copy?.Source.Value);
            if (outcome.Copy is { } copy) json.WriteNumber("bytes", copy.Bytes);
            json.WriteNumber("durationSeconds", Seconds(outcome.Duration));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteDrift(Utf8JsonWriter json, IReadOnlyList<TagDrift> drifts)
    {
        json.WriteStartArray("drift");
        foreach (var drift in drifts)
        {
            json.WriteStartObject();
            json.WriteString("image", drift.Tag.ToString());
            json.WriteStartObject("digests");
            foreach (var (node, digest) in drift.Digests.OrderBy(d => d.Key)) json.WriteString(node.Value, digest);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static double Seconds(TimeSpan span) => Math.Round(span.TotalSeconds, 3);

    private static string Camel(string pascal) => char.ToLowerInvariant(pascal[0]) + pascal[1..];
}
