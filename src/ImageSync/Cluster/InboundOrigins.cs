using System.Runtime.CompilerServices;
using Akka.Actor;

namespace ImageSync.Cluster;

/// <summary>
/// Where each replica message read off the cluster port came from: the peer of the association it arrived on, as
/// its TLS handshake authenticated it. The sender a message names is whatever its sender wrote, so it decides
/// nothing; a message sent within this process has no origin.
/// </summary>
public static class InboundOrigins
{
    private static readonly ConditionalWeakTable<object, Address> Origins = new();

    internal static void Note(object message, Address peer) => Origins.AddOrUpdate(message, peer);

    public static Address? Of(object message) => Origins.TryGetValue(message, out var peer) ? peer : null;
}
