using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Event;

namespace ImageSync.Cluster;

/// <summary>
/// What arrives on the cluster port and is not read: one WARN names the peer it came from (once a minute per peer
/// and reason, with how many more there were), then the message is dropped unread.
/// </summary>
public sealed class InboundRefusals(ILoggingAdapter log, TimeProvider clock)
{
    private const int MaxRemembered = 1_024;
    private static readonly TimeSpan Quiet = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, (DateTimeOffset Logged, int Unlogged)> _lastLogged = [];

    /// <summary>The refusals of one actor system, shared by its serializers.</summary>
    public static InboundRefusals For(ActorSystem system) => system.WithExtension<Holder, HolderProvider>().Refusals;

    /// <summary>Logs the refusal (unless it was logged for this peer within the minute); throw what it returns, so Akka drops the message unread.</summary>
    /// <param name="what">What the peer sent, worded to follow the peer's address: "sent …".</param>
    public SerializationException Refuse(string what)
    {
        var refusal = $"{InboundPeer()?.ToString() ?? "a peer (its address is not known here)"} {what}";
        Note($"CLUSTER: {refusal}", refusal);
        return new SerializationException(refusal);
    }

    /// <summary>Logs <paramref name="line"/> as a WARN, unless one with the same <paramref name="key"/> was logged within the minute.</summary>
    public void Note(string line, string key)
    {
        var now = clock.GetUtcNow();
        int unlogged;
        lock (_lastLogged)
        {
            if (_lastLogged.TryGetValue(key, out var last) && now - last.Logged < Quiet)
            {
                _lastLogged[key] = last with { Unlogged = last.Unlogged + 1 };
                return;
            }
            unlogged = last.Unlogged;
            // Bounded: a flood from many addresses forgets those quiet for a minute.
            if (_lastLogged.Count >= MaxRemembered)
                foreach (var quiet in _lastLogged.Where(e => now - e.Value.Logged >= Quiet).Select(e => e.Key).ToList()) _lastLogged.Remove(quiet);
            _lastLogged[key] = (now, 0);
        }
        log.Warning("{0}", unlogged > 0 ? $"{line} (and {unlogged} more like it since the last such line)" : line);
    }

    /// <summary>
    /// The peer a message being read off the cluster port came from, as its association (and TLS) knows it, whatever
    /// sender the message names; null for a message not read off the wire. Akka reads an inbound message on the
    /// endpoint reader of its association, whose Props carry the local and the remote address, in that order.
    /// </summary>
    internal static Address? InboundPeer() =>
        InternalCurrentActorCellKeeper.Current is { Props: { Type.FullName: "Akka.Remote.EndpointReader" } reader }
            ? reader.Arguments?.OfType<Address>().Skip(1).FirstOrDefault()
            : null;

    private sealed class Holder(ExtendedActorSystem system) : IExtension
    {
        public InboundRefusals Refusals { get; } = new(Akka.Event.Logging.GetLogger(system, typeof(InboundRefusals)), TimeProvider.System);
    }

    private sealed class HolderProvider : ExtensionIdProvider<Holder>
    {
        public override Holder CreateExtension(ExtendedActorSystem system) => new(system);
    }
}
