using Akka.Actor;
using Akka.Cluster;

namespace ImageSync.Cluster;

/// <summary>
/// How a replica that belongs to no cluster yet decides what to do, from the answers of the other configured
/// replicas (a pure function, so its rules have plain specs):
/// <list type="bullet">
/// <item>a replica that answers from inside a cluster is joined, whatever else is seen;</item>
/// <item>otherwise a new cluster is formed only by the lowest address among the replicas that answer and those
/// they hear from, only when those that answer (itself included) are at least <c>required</c> (a majority of the
/// configured ones), and only once that set has stayed the same for the stable margin;</item>
/// <item>anything else waits.</item>
/// </list>
/// So any majority, started in any order, forms one cluster; a replica alone never forms one next to a
/// running majority; two disjoint majorities cannot exist; and two overlapping ones (A and B cut from each
/// other, both reaching C) do not both form: C hears both, so only the lower of A and B forms.
/// </summary>
public static class BootstrapDecider
{
    public abstract record Decision
    {
        public sealed record Wait(string Why) : Decision;

        public sealed record JoinExisting(IReadOnlyList<Address> Members) : Decision;

        public sealed record FormCluster : Decision;
    }

    /// <param name="answered">The replicas that answered recently, each with the members of its cluster (empty when in none).</param>
    /// <param name="stableFor">How long the set of replicas that answer has been the same.</param>
    /// <param name="heardOf">The replicas that those that answered heard from lately.</param>
    public static Decision Decide(Address self, IReadOnlyDictionary<Address, IReadOnlyList<Address>> answered, int required, TimeSpan stableFor, TimeSpan stableMargin,
        IEnumerable<Address>? heardOf = null)
    {
        // This replica's own address among the members is its former self, not yet removed: never a member to join.
        if (answered.Values.Select(members => members.Where(m => !m.Equals(self)).ToList()).FirstOrDefault(members => members.Count > 0) is { } cluster)
            return new Decision.JoinExisting(cluster);
        var alive = answered.Keys.Append(self).Distinct().ToList();
        if (alive.Count < required) return new Decision.Wait($"{alive.Count} of the {required} replicas needed to form a cluster answer");
        if (stableFor < stableMargin) return new Decision.Wait($"the replicas that answer changed {Durations.Elapsed(stableFor)} ago");
        var lowest = alive.Concat(heardOf ?? []).OrderBy(a => a, Member.AddressOrdering).First();
        return lowest.Equals(self) ? new Decision.FormCluster() : new Decision.Wait($"{lowest} forms the cluster");
    }
}
