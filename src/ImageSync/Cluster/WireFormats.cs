using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using ImageSync.Domain;

namespace ImageSync.Cluster;

/// <summary>How the domain's value types travel between replicas (<see cref="ReplicaMessageSerializer"/>).</summary>
internal static class WireFormats
{
    /// <summary>The answers of node commands, carried inside <see cref="NodeEntityEvents.Ran"/> as JSON of their own.</summary>
    internal static readonly JsonSerializerOptions Answers = Strict();

    /// <summary>
    /// Names and image references travel as the strings they parse from, and are checked again on arrival. A message
    /// must hold its fields and nothing else: one with a field missing or added is not this version's, and is refused.
    /// </summary>
    internal static JsonSerializerOptions Strict(params JsonConverter[] more)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            RespectRequiredConstructorParameters = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            Converters = { new JsonStringEnumConverter(), new NodeNames(), new ImageRefs() },
        };
        foreach (var converter in more) options.Converters.Add(converter);
        return options;
    }

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
