namespace ImageSync.Domain;

/// <summary>One bastion (ssh's jump host): where to reach it and as whom, as parsed from <c>user@host:port</c>.</summary>
public sealed record JumpHost(string User, string Host, int Port)
{
    /// <summary>As ssh's <c>-J</c> writes it, IPv6 addresses in brackets.</summary>
    public override string ToString() => Host.Contains(':') ? $"{User}@[{Host}]:{Port}" : $"{User}@{Host}:{Port}";
}

/// <summary>
/// The bastions a node is reached through, the first one connected to directly and each next one through the
/// one before it (ssh's <c>ProxyJump</c>). Empty: the node is connected to directly. Equal chains share
/// their bastion connections.
/// </summary>
public sealed class JumpChain : IEquatable<JumpChain>
{
    public static readonly JumpChain Direct = new([]);

    public JumpChain(IReadOnlyList<JumpHost> hops) => Hops = hops;

    public IReadOnlyList<JumpHost> Hops { get; }

    public bool IsDirect => Hops.Count == 0;

    /// <summary>The chain without its last bastion: what that bastion is reached through.</summary>
    public JumpChain WithoutLast() => new([.. Hops.Take(Hops.Count - 1)]);

    public bool Equals(JumpChain? other) => other is not null && Hops.SequenceEqual(other.Hops);

    public override bool Equals(object? obj) => Equals(obj as JumpChain);

    public override int GetHashCode() => Hops.Aggregate(0, (hash, hop) => HashCode.Combine(hash, hop));

    /// <summary>As ssh's <c>-J</c> writes a chain: comma-separated, first hop first.</summary>
    public override string ToString() => string.Join(",", Hops);
}
