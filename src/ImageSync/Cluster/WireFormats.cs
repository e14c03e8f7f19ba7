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

    /// <summary>Where and as whom to reach a node, and through which bastions; its labels stay with the coordinator, which alone selects by them.</summary>
    internal sealed class NodeSpecs : JsonConverter<NodeSpec>
    {
        public override NodeSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var wire = JsonSerializer.Deserialize<Wire>(ref reader, options) ?? throw new JsonException("a node is null");
            return new NodeSpec(NodeName.Parse(wire.Name), wire.Host, wire.Port, wire.User) { Jump = new JumpChain(wire.Jump) };
        }

        public override void Write(Utf8JsonWriter writer, NodeSpec value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, new Wire(value.Name.Value, value.Host, value.Port, value.User, value.Jump.Hops), options);

        private sealed record Wire(string Name, string Host, int Port, string User, IReadOnlyList<JumpHost> Jump);
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
