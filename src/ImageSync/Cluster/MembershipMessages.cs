using Akka.Actor;
namespace ImageSync.Cluster;

/// <summary>What the coordinator asks of its replica's <see cref="ReplicaMembership"/> before a sync.</summary>
public static class MembershipCommands
{
    /// <summary>Confirm with a majority of the members that this replica is still one. The reply is a <see cref="MembershipEvents"/> one.</summary>
    public sealed class ConfirmMembership : INoSerializationVerificationNeeded
    {
        public static readonly ConfirmMembership Instance = new();

        private ConfirmMembership()
        {
        }
    }
}

public static class MembershipEvents
{
    public sealed class Confirmed : INoSerializationVerificationNeeded
    {
        public static readonly Confirmed Instance = new();

        private Confirmed()
        {
        }
    }

    public sealed record NotConfirmed(string Why) : INoSerializationVerificationNeeded;
}

/// <summary>What replicas ask each other. They cross the network as JSON, so they carry plain text and arrays.</summary>
public static class MembershipQueries
{
    public sealed record AreYouInACluster
    {
        public static readonly AreYouInACluster Instance = new();
    }

    /// <param name="Members">The members of the cluster <paramref name="From"/> is in; none when it is in none yet.</param>
    /// <param name="Hears">The replicas <paramref name="From"/> heard from lately (their probes or answers): who may form a cluster is decided over them too.</param>
    public sealed record Answer(string From, string[] Members, string[] Hears);

    /// <summary>Does the replica asked count <paramref name="Address"/> as an Up, reachable member?</summary>
    public sealed record IsMember(string Address, long Id);

    public sealed record MemberAnswer(long Id, bool Confirmed);
}
