namespace ImageSync.Metrics;

/// <summary>
/// What a finished sync leaves in the gauges, in plain values, so that it can travel to every replica of a cluster
/// (<see cref="Actors.MetricsGossip"/>): one alert rule then works on any replica, coordinator or standby.
/// </summary>
/// <param name="AttemptUnix">When the sync started.</param>
/// <param name="SuccessUnix">When it ended, if every node was in sync; null otherwise.</param>
/// <param name="Result">ok, failures, interrupted or aborted.</param>
/// <param name="WholeFleet">The nodes are the whole fleet (discovery did not fail): series of other nodes go.</param>
public sealed record FleetReport(double AttemptUnix, double? SuccessUnix, string Result, FleetReport.NodeGauges[] Nodes, bool WholeFleet)
{
    /// <param name="Missing">Matching images it still lacked at the end; null when it was not reached.</param>
    /// <param name="ImageFs">Size, used and available bytes of its image filesystem; null when not known.</param>
    /// <param name="HeldBack">Pulls the removal backoff held back; null when it was not reached.</param>
    /// <param name="HeldBackUntil">When the first of them may be pulled again (Unix time); null when none is held back.</param>
    public sealed record NodeGauges(string Node, bool Reachable, int? Missing, long[]? ImageFs, int? HeldBack = null, double? HeldBackUntil = null);
}
