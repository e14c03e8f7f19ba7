using Akka.Cluster;

namespace ImageSync.Daemon;

/// <summary>
/// What <c>/readyz</c> answers: a replica is ready when it is an Up member of its cluster and, if the coordinator
/// runs here, a sync was attempted within two intervals (a stuck coordinator is not ready, a live process may be).
/// </summary>
public static class Readiness
{
    /// <param name="member">This replica's status in its cluster; null when the daemon runs without one.</param>
    /// <param name="sinceLastAttempt">Since the coordinator here last started a sync, or took over; null when it runs elsewhere.</param>
    /// <returns>Why this replica is not ready; null when it is.</returns>
    public static string? Problem(MemberStatus? member, TimeSpan? sinceLastAttempt, TimeSpan interval)
    {
        if (member is not (null or MemberStatus.Up or MemberStatus.WeaklyUp))
            return $"this replica is {member.Value}, not an Up member of the cluster";
        if (sinceLastAttempt > 2 * interval)
            return $"the last sync attempt was {Durations.Show(sinceLastAttempt.Value)} ago, more than two intervals ({Durations.Show(2 * interval)})";
        return null;
    }
}
