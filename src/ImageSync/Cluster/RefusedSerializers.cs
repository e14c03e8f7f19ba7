using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace ImageSync.Cluster;

/// <summary>
/// Takes the place of one of Akka's serializers on a replica, so that what it would decode from the cluster port
/// is refused instead: nothing outside <see cref="ReplicaMessageSerializer"/> and Akka's own cluster formats is read.
/// It keeps the identifier of the serializer it replaces, so a message naming that identifier lands here.
/// </summary>
public abstract class RefusedSerializer(ExtendedActorSystem system, string what) : Serializer(system)
{
    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) =>
        throw new System.Runtime.Serialization.SerializationException($"{obj.GetType()} is not a message replicas exchange: it has no place in image-sync's serializer");

    public override object FromBinary(byte[] bytes, Type type) =>
        throw InboundRefusals.For(system).Refuse($"sent {what}, which replicas never send: dropped unread ({bytes.Length} bytes)");
}

/// <summary>Akka's default JSON (Newtonsoft with .NET type names in the message): a sender could name any type to build.</summary>
public sealed class RefusedTypeNamedJson(ExtendedActorSystem system) : RefusedSerializer(system, "a message in JSON with .NET type names (Akka's Newtonsoft serializer)")
{
    /// <summary>Akka reads serializer settings under its name, and there are some for JSON.</summary>
    public RefusedTypeNamedJson(ExtendedActorSystem system, Config _) : this(system)
    {
    }

    public override int Identifier => 1;
}

/// <summary>Protobuf named by its .NET type: a sender would pick which of the loaded message types is built.</summary>
public sealed class RefusedTypeNamedProtobuf(ExtendedActorSystem system) : RefusedSerializer(system, "a protobuf message named by its .NET type")
{
    public RefusedTypeNamedProtobuf(ExtendedActorSystem system, Config _) : this(system)
    {
    }

    public override int Identifier => 2;
}

/// <summary>Remote deployment: a sender would have this replica create an actor of a type the message names.</summary>
public sealed class RefusedRemoteDeployment(ExtendedActorSystem system) : RefusedSerializer(system, "a remote deployment (an actor for this replica to create)")
{
    public RefusedRemoteDeployment(ExtendedActorSystem system, Config _) : this(system)
    {
    }

    public override int Identifier => 3;
}
