using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using Akka.Serialization;
using ImageSync.Actors;
using ImageSync.Cluster;
using ImageSync.Domain;
using ImageSync.Metrics;
using ImageSync.Nodes;
using ImageSync.Nodes.Simulated;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Cluster;

/// <summary>What crosses between replicas goes through image-sync's own serializer, in a daemon wired as the CLI wires it.</summary>
public sealed class ReplicaMessageSerializerSpecs : IAsyncLifetime
{
    private DaemonReplica _replica = null!;

    public static TheoryData<object> CrossingMessages() =>
    [
        new SyncCommands.TriggerSync("daemon interval"),
        new SyncEvents.SyncAccepted("daemon interval"),
        new SyncEvents.SyncRefused("a sync is running", SyncEvents.RefusalKind.AlreadyRunning),
        MembershipQueries.AreYouInACluster.Instance,
        new MembershipQueries.Answer("akka.tcp://image-sync@10.0.0.5:4053", ["akka.tcp://image-sync@10.0.0.5:4053"], []),
        new MembershipQueries.IsMember("akka.tcp://image-sync@10.0.0.6:4053", 42),
        new MembershipQueries.MemberAnswer(42, true),
        new FleetReport(1_764_745_200.5, null, "failures", [new("w1", true, 2, [100, 60, 40], 3, 1_764_766_800), new("w2", false, null, null)], WholeFleet: true),
        new NodeEntityCommands.Run(W1, 7, NodeCommand.Check.Instance),
        new NodeEntityCommands.Run(W1, 7, new NodeCommand.ReadImageFs("/var/lib/containerd")),
        new NodeEntityCommands.Run(W1, 7, NodeCommand.ListImages.Instance),
        new NodeEntityCommands.Run(W1, 7, new NodeCommand.Pull(Image, TimeSpan.FromMinutes(10))),
        new NodeEntityCommands.Run(W1, 7, new NodeCommand.SetPin(Image, Pin: false)),
        new NodeEntityCommands.Copy(NodeName.Parse("w2"), 8, Image, W1, "0123456789abcdef", new CopyLimits(TimeSpan.FromMinutes(3), 1_000_000)),
        new NodeEntityCommands.Cancel(W1, 7),
        new NodeEntityCommands.Close(W1, 6),
        Ran(new NodeFacts(new Platform("linux", "arm64"), new ImageFilesystem("/var/lib/containerd", "/", 100, 60, 40), ["crictl imagefsinfo"],
            Identity: new NodeIdentity(new string('a', 32), new ImageStoreIdentity("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs", 4242, "1796594116.249108491")))),
        Ran(new ImageFilesystem("/var/lib/containerd", "/", 100, 60, 40)),
        Ran(new NodeInventory(W1, [new NodeImage("sha256:0123", [Image], [ImageRef.Parse("registry.example.com/team/a@sha256:" + new string('a', 64))], 52_428_800, Pinned: true)], ["Not A Ref"])),
        Ran(new PullExit(124, "")),
        Ran(PinAnswer.AlreadyPinned),
        new NodeEntityEvents.Copied(8, new CopyExit(1_024, "copy from w1: ctr: not found", SourceFailed: true, SourceCannotExport: true)),
        new NodeEntityEvents.Failed(7, NodeFailure.HostKey, "its host key is not the one known_hosts holds"),
    ];

    private static readonly NodeName W1 = NodeName.Parse("w1");

    private static NodeEntityEvents.Ran Ran(object answer) => new(7, JsonSerializer.SerializeToElement(answer, answer.GetType(), WireFormats.Answers));
    private static readonly ImageRef Image = ImageRef.Parse("registry.example.com/team/a:1");

    public Task InitializeAsync()
    {
        var settings = TestData.Simulated("daemon.interval = 1h");
        var clustered = DaemonReplica.Cluster(settings, 1, certificates: null).Single();
        _replica = new DaemonReplica("replica-1", clustered, new SimulatedTransport(new SimulatedFleet(settings.Simulated, settings.Nodes.Select(n => n.Name))), new SyncTimeline());
        return _replica.StartAsync();
    }

    [Theory]
    [MemberData(nameof(CrossingMessages))]
    public void Should_send_every_message_between_replicas_as_named_json_of_its_fields(object message)
    {
        var serializer = Assert.IsType<ReplicaMessageSerializer>(_replica.System.Serialization.FindSerializerFor(message));
        var manifest = serializer.Manifest(message);

        var bytes = serializer.ToBinary(message);
        var back = serializer.FromBinary(bytes, manifest);

        Assert.IsType(message.GetType(), back);
        Assert.Equal(Json(message), Json(back));
        Assert.DoesNotContain("ImageSync", Encoding.UTF8.GetString(bytes) + manifest);
    }

    [Fact]
    public void Should_carry_the_actors_a_node_entity_call_names_as_references_this_replica_resolves()
    {
        var holder = _replica.System.ActorOf(Akka.Actor.Props.Empty, "holder");
        var open = new NodeEntityCommands.Open(W1, 5, "0123456789abcdef", holder, 99);
        var opened = new NodeEntityEvents.Opened(5, Reused: true, holder);
        var serializer = Assert.IsType<ReplicaMessageSerializer>(_replica.System.Serialization.FindSerializerFor(open));

        var openBack = Assert.IsType<NodeEntityCommands.Open>(serializer.FromBinary(serializer.ToBinary(open), serializer.Manifest(open)));
        var openedBack = Assert.IsType<NodeEntityEvents.Opened>(serializer.FromBinary(serializer.ToBinary(opened), serializer.Manifest(opened)));

        Assert.Equal((W1, open.Id, open.Digest, holder, 99L), (openBack.Node, openBack.Id, openBack.Digest, openBack.Holder, openBack.Sync));
        Assert.Equal(opened, openedBack);
    }

    [Fact]
    public void Should_refuse_a_node_name_or_image_that_does_not_parse()
    {
        var serializer = (SerializerWithStringManifest)_replica.System.Serialization.FindSerializerForType(typeof(NodeEntityCommands.Run));

        var badNode = Assert.Throws<SerializationException>(() =>
            serializer.FromBinary("{\"node\": \"../etc\", \"id\": 1, \"command\": {\"verb\": \"check\"}}"u8.ToArray(), "node-run"));
        var badImage = Assert.Throws<SerializationException>(() => serializer.FromBinary(
            "{\"node\": \"w1\", \"id\": 1, \"command\": {\"verb\": \"pull\", \"image\": \"a b; reboot\", \"timeout\": \"00:10:00\"}}"u8.ToArray(), "node-run"));

        Assert.Contains("sent a 'node-run' this version cannot read", badNode.Message);
        Assert.Contains("sent a 'node-run' this version cannot read", badImage.Message);
    }

    [Fact]
    public void Should_refuse_a_message_name_it_does_not_know_and_json_that_is_not_the_message()
    {
        var serializer = (SerializerWithStringManifest)_replica.System.Serialization.FindSerializerForType(typeof(FleetReport));

        var unknown = Assert.Throws<SerializationException>(() => serializer.FromBinary("{}"u8.ToArray(), "System.Diagnostics.Process, System"));
        var garbled = Assert.Throws<SerializationException>(() => serializer.FromBinary("{\"attemptUnix\": \"soon\"}"u8.ToArray(), "fleet-report"));

        Assert.Contains("which this version of image-sync does not know", unknown.Message);
        Assert.Contains("sent a 'fleet-report' this version cannot read", garbled.Message);
    }

    [Fact]
    public void Should_refuse_a_message_with_a_field_missing_or_one_it_does_not_have_such_as_where_a_node_is()
    {
        var serializer = (SerializerWithStringManifest)_replica.System.Serialization.FindSerializerForType(typeof(NodeEntityCommands.Open));

        var missing = Assert.Throws<SerializationException>(() => serializer.FromBinary("{\"id\": 1}"u8.ToArray(), "node-run"));
        var added = Assert.Throws<SerializationException>(() => serializer.FromBinary(
            "{\"node\": \"w1\", \"id\": 1, \"command\": {\"verb\": \"check\", \"host\": \"10.66.6.6\", \"port\": 22}}"u8.ToArray(), "node-run"));

        Assert.Contains("sent a 'node-run' this version cannot read", missing.Message);
        Assert.Contains("'host'", added.Message);
    }

    [Fact]
    public void Should_run_only_the_commands_of_its_own_table_on_a_node_and_never_one_that_names_a_session()
    {
        var serializer = (SerializerWithStringManifest)_replica.System.Serialization.FindSerializerForType(typeof(NodeEntityCommands.Run));
        var copy = new NodeEntityCommands.Run(W1, 1, new NodeCommand.CopyTo(Image, new ScriptedSession(W1), new CopyLimits(TimeSpan.FromMinutes(1), 0)));

        var unknownVerb = Assert.Throws<SerializationException>(() =>
            serializer.FromBinary("{\"node\": \"w1\", \"id\": 1, \"command\": {\"verb\": \"exec\", \"line\": \"reboot\"}}"u8.ToArray(), "node-run"));
        var typeNamed = Assert.Throws<SerializationException>(() => serializer.FromBinary(
            "{\"node\": \"w1\", \"id\": 1, \"command\": {\"$type\": \"ImageSync.Nodes.NodeCommand+Pull, ImageSync\"}}"u8.ToArray(), "node-run"));

        Assert.Contains("sent a 'node-run' this version cannot read", unknownVerb.Message);
        Assert.Contains("sent a 'node-run' this version cannot read", typeNamed.Message);
        Assert.ThrowsAny<NotSupportedException>(() => serializer.ToBinary(copy));
    }

    [Fact]
    public void Should_read_a_commands_answer_back_as_the_type_the_command_answers()
    {
        var inventory = new NodeInventory(W1, [new NodeImage("sha256:0123", [Image], [], 52_428_800)], []);
        var serializer = (SerializerWithStringManifest)_replica.System.Serialization.FindSerializerForType(typeof(NodeEntityEvents.Ran));
        var ran = Ran(inventory);

        var back = Assert.IsType<NodeEntityEvents.Ran>(serializer.FromBinary(serializer.ToBinary(ran), serializer.Manifest(ran)));
        var read = back.Answer.Deserialize<NodeInventory>(WireFormats.Answers)!;

        Assert.Equal((W1, Image, 52_428_800L), (read.Node, read.Images.Single().Tags.Single(), read.Images.Single().SizeBytes));
    }

    [Fact]
    public async Task Should_bind_no_serializer_to_other_messages_and_refuse_what_arrives_as_json_with_type_names_or_a_remote_deployment()
    {
        var settings = DaemonReplica.Cluster(TestData.Simulated("daemon.interval = 1h"), 1, certificates: null).Single();
        await using var product = new DaemonReplica("as-shipped", settings, new ScriptedTransport(), new SyncTimeline(), verifyMessages: false);
        await product.StartAsync();
        var serialization = product.System.Serialization;
        var typeNamed = Encoding.UTF8.GetBytes("{\"$type\":\"ImageSync.Actors.SyncCommands+StartSync, ImageSync\",\"Reason\":\"stranger\"}");

        var unbound = Assert.Throws<SerializationException>(() => serialization.FindSerializerFor(new Unlisted("x")));
        var json = Assert.Throws<SerializationException>(() => serialization.Deserialize(typeNamed, 1, "ImageSync.Actors.SyncCommands+StartSync, ImageSync"));
        var deployment = Assert.Throws<SerializationException>(() => serialization.Deserialize([1, 2, 3], 3, ""));

        Assert.Contains("No serializer binding found for type Unlisted", unbound.Message);
        Assert.Contains("sent a message in JSON with .NET type names (Akka's Newtonsoft serializer), which replicas never send: dropped unread", json.Message);
        Assert.Contains("sent a remote deployment", deployment.Message);
    }

    /// <summary>A message image-sync has no place for in its serializer.</summary>
    private sealed record Unlisted(string Text);

    private static string Json(object message) => JsonSerializer.Serialize(message, message.GetType());

    public async Task DisposeAsync() => await _replica.DisposeAsync();
}
