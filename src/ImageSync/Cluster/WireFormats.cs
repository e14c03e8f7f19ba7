using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using ImageSync.Domain;

namespace ImageSync.Cluster;

/// <summary>How the domain's value types travel between replicas (<see cref="ReplicaMessageSerializer"/>).</summary>
internal static class WireFormats
{
    /// <summary>A node name as its text; parsed again on arrival, so a malformed one is refused.</summary>
    internal sealed class NodeNames : JsonConverter<NodeName>
    {
        public override NodeName Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => NodeName.Parse(reader.GetString() ?? "");

        public override void Write(Utf8JsonWriter writer, NodeName value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
    }

    internal sealed class ImageRefs : JsonConverter<ImageRef>
    {
        public override ImageRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ImageRef.Parse(reader.GetString() ?? "");

        public override void Write(Utf8JsonWriter writer, ImageRef value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    /// <summary>An actor as its path with its system's address, resolved on arrival as Akka resolves any remote reference.</summary>
    internal sealed class ActorRefs(ExtendedActorSystem system) : JsonConverter<IActorRef>
    {
        public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            system.Provider.ResolveActorRef(reader.GetString() ?? "");

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Akka.Serialization.Serialization.SerializedActorPath(value));
    }
}
