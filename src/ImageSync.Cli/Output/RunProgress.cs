using System.Diagnostics;
using ImageSync.Domain;

namespace ImageSync.Cli.Output;

/// <summary>
/// What the live view shows, kept up to date from the run's events: per node how far its pulls got, and
/// the pulls in flight with how long they have been running. Written by the progress actor, read by the
/// render loop.
/// </summary>
internal sealed class RunProgress(Func<TimeSpan>? clock = null)
{
    private static readonly Stopwatch Uptime = Stopwatch.StartNew();
    private readonly Func<TimeSpan> _clock = clock ?? (() => Uptime.Elapsed);
    private readonly object _gate = new();
    private readonly SortedDictionary<NodeName, NodeRow> _nodes = [];
    private readonly Dictionary<PlannedPull, (int Attempt, TimeSpan Since)> _inFlight = [];

    public void Apply(SyncEvents.ISyncEvent syncEvent)
    {
        lock (_gate)
        {
            switch (syncEvent)
            {
                case SyncEvents.SyncStarted started:
                    foreach (var node in started.Nodes) _nodes[node.Name] = new NodeRow(node.Name);
                    break;
                case SyncEvents.NodeChecked checkedNode:
                    Row(checkedNode.Status.Node).Status = checkedNode.Status;
                    break;
                case SyncEvents.PlanMade plan:
                    foreach (var pull in plan.Plan.Pulls) Row(pull.Node).Planned++;
                    break;
                case SyncEvents.PullStarted started:
                    _inFlight[started.Pull] = (started.Attempt, _clock());
                    break;
                case SyncEvents.PullAttemptEnded ended:
                    _inFlight.Remove(ended.Pull);
                    break;
                case SyncEvents.PullFinished finished:
                    Row(finished.Outcome.Pull.Node).Count(finished.Outcome.Result);
                    break;
            }
        }
    }

    public ProgressSnapshot Snapshot()
    {
        lock (_gate)
        {
            var now = _clock();
            return new ProgressSnapshot(
                _nodes.Values.Select(r => r with { }).ToList(),
                _inFlight.OrderBy(p => p.Value.Since).Select(p => new InFlightPull(p.Key, p.Value.Attempt, now - p.Value.Since)).ToList());
        }
    }

    private NodeRow Row(NodeName node) => _nodes.TryGetValue(node, out var row) ? row : _nodes[node] = new NodeRow(node);
}

/// <summary>One node's line in the live view.</summary>
internal sealed record NodeRow(NodeName Node)
{
    public NodeStatus? Status { get; set; }

    public int Planned { get; set; }

    public int Pulled { get; set; }

    public int Failed { get; set; }

    public int Skipped { get; set; }

    public int Done => Pulled + Failed + Skipped;

    public void Count(PullResult result)
    {
        switch (result)
        {
            case PullResult.Success:
                Pulled++;
                break;
            case PullResult.Skipped:
                Skipped++;
                break;
            default:
                Failed++;
                break;
        }
    }
}

internal sealed record InFlightPull(PlannedPull Pull, int Attempt, TimeSpan Elapsed);

internal sealed record ProgressSnapshot(IReadOnlyList<NodeRow> Nodes, IReadOnlyList<InFlightPull> InFlight);
