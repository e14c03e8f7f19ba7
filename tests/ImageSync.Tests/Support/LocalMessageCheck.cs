using System.Collections.Concurrent;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace ImageSync.Tests.Support;

/// <summary>
/// With <c>akka.actor.serialize-messages = on</c> Akka serializes every message an actor is sent. This takes the
/// messages bound to no serializer: an image-sync message that has no place in <c>ReplicaMessageSerializer</c> and is
/// not marked <see cref="INoSerializationVerificationNeeded"/> (it stays in its process) fails the send, so a message
/// that would cross replicas without image-sync's serializer fails a spec. Akka's own unbound messages pass through
/// unchanged: they are Akka's business.
/// </summary>
public sealed class LocalMessageCheck(ExtendedActorSystem system) : Serializer(system)
{
    public const string Hocon = $"""
        akka.actor.serialize-messages = on
        akka.actor.serializers.local-message-check = "{nameof(ImageSync)}.Tests.Support.{nameof(LocalMessageCheck)}, {nameof(ImageSync)}.Tests"
        akka.actor.serialization-bindings {"{"} "System.Object" = local-message-check {"}"}
        akka.actor.serialization-settings.allow-unregistered-types = on
        """;

    private static long _lastHandle;
    // Shared: every system of a spec process may hold its own instance.
    private static readonly ConcurrentDictionary<long, object> InFlight = new();

    public override int Identifier => 9_301;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        if (obj.GetType().Namespace?.StartsWith(nameof(ImageSync), StringComparison.Ordinal) == true)
            throw new SerializationException($"{obj.GetType()} is sent to an actor but has no place in image-sync's serializer: add it to ReplicaMessageSerializer "
                + "if it crosses replicas, or mark it INoSerializationVerificationNeeded if it never leaves its process");
        var handle = Interlocked.Increment(ref _lastHandle);
        InFlight[handle] = obj;
        return BitConverter.GetBytes(handle);
    }

    public override object FromBinary(byte[] bytes, Type type) =>
        InFlight.TryRemove(BitConverter.ToInt64(bytes), out var message) ? message : throw new SerializationException("no such message in flight");
}
