using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using ImageSync.Actors;
using ImageSync.Metrics;
using ImageSync.Nodes;

namespace ImageSync.Cluster;

/// <summary>
/// The messages replicas send each other: a daemon's trigger to the coordinator and its answer, the membership
/// probes, the fleet report, the calls to the nodes' entities and their answers. Each travels as JSON of its own fields under a fixed name: the cluster port never
/// carries a .NET type name, so a peer cannot make this replica build a type of its choosing.
/// </summary>
public sealed class ReplicaMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Akka.NET keeps the identifiers up to 100 for itself.</summary>
    public const int Id = 7_301;

    private static readonly (string Manifest, Type Type)[] Messages =
    [
        ("trigger-sync", typeof(SyncCommands.TriggerSync)),
        ("sync-accepted", typeof(SyncEvents.SyncAccepted)),
        ("sync-refused", typeof(SyncEvents.SyncRefused)),
        ("are-you-in-a-cluster", typeof(MembershipQueries.AreYouInACluster)),
        ("membership-answer", typeof(MembershipQueries.Answer)),
        ("is-member", typeof(MembershipQueries.IsMember)),
        ("member-answer", typeof(MembershipQueries.MemberAnswer)),
        ("fleet-report", typeof(FleetReport)),
        ("node-open", typeof(NodeEntityCommands.Open)),
        ("node-run", typeof(NodeEntityCommands.Run)),
        ("node-copy", typeof(NodeEntityCommands.Copy)),
        ("node-cancel", typeof(NodeEntityCommands.Cancel)),
        ("node-close", typeof(NodeEntityCommands.Close)),
        ("node-opened", typeof(NodeEntityEvents.Opened)),
        ("node-ran", typeof(NodeEntityEvents.Ran)),
        ("node-copied", typeof(NodeEntityEvents.Copied)),
        ("node-failed", typeof(NodeEntityEvents.Failed)),
    ];

    private static readonly Dictionary<Type, string> ManifestOf = Messages.ToDictionary(m => m.Type, m => m.Manifest);
    private static readonly Dictionary<string, Type> TypeOf = Messages.ToDictionary(m => m.Manifest, m => m.Type);

    private readonly JsonSerializerOptions _json = WireFormats.Strict(new WireFormats.ActorRefs(system));

    /// <summary>The types bound to this serializer: every message that crosses from one replica to another.</summary>
    public static IReadOnlyList<Type> Types { get; } = [.. Messages.Select(m => m.Type)];

    public override int Identifier => Id;

    public override string Manifest(object o) =>
        ManifestOf.TryGetValue(o.GetType(), out var manifest) ? manifest : throw new ArgumentException($"{o.GetType()} is not a message replicas exchange", nameof(o));

    public override byte[] ToBinary(object obj)
    {
        Manifest(obj);
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _json);
    }

    /// <exception cref="SerializationException">The name is not one of the messages, or the JSON is not that message: logged with the peer, and dropped.</exception>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!TypeOf.TryGetValue(manifest, out var type))
            throw InboundRefusals.For(system).Refuse($"sent '{NodeText.Shorten(manifest, 100)}', which this version of image-sync does not know (replicas of different versions?)");
        object message;
        try
        {
            message = JsonSerializer.Deserialize(bytes, type, _json) ?? throw new JsonException("the message is empty");
        }
        // NotSupported: JSON that asks for a type by name ($type) where only the command table's verbs are read.
        catch (Exception e) when (e is JsonException or FormatException or NotSupportedException)
        {
            throw InboundRefusals.For(system).Refuse($"sent a '{manifest}' this version cannot read: {e.Message}");
        }
        if (InboundRefusals.InboundPeer() is { } peer) InboundOrigins.Note(message, peer);
        return message;
    }
}
