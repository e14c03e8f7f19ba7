using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using Akka.Serialization;
using ImageSync.Actors;
using ImageSync.Daemon;
using ImageSync.Hosting;
using ImageSync.Metrics;
using ImageSync.Nodes;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Hosting;

/// <summary>What crosses between replicas goes through image-sync's own serializer, in a daemon wired as the CLI wires it.</summary>
public sealed class ReplicaMessageSerializerSpecs : IAsyncLifetime
{
    private DaemonReplica _replica = null!;

    public static TheoryData<object> CrossingMessages() =>
    [
        new SyncCommands.TriggerSync("daemon interval", TimeSpan.FromSeconds(270)),
        new SyncEvents.SyncAccepted("daemon interval"),
        new SyncEvents.SyncRefused("a sync is running", SyncEvents.RefusalKind.AlreadyRunning),
        MembershipQueries.AreYouInACluster.Instance,
        new MembershipQueries.Answer("akka.tcp://image-sync@10.0.0.5:4053", ["akka.tcp://image-sync@10.0.0.5:4053"], []),
        new MembershipQueries.IsMember("akka.tcp://image-sync@10.0.0.6:4053", 42),
        new MembershipQueries.MemberAnswer(42, true),
        new FleetReport(1_764_745_200.5, null, "failures", [new("w1", true, 2, [100, 60, 40]), new("w2", false, null, null)], WholeFleet: true),
    ];

    public Task InitializeAsync()
    {
        var settings = TestData.Simulated("daemon.interval = 1h");
        var port = DaemonReplica.FreePort();
        var clustered = settings with { Cluster = settings.Cluster with { Enabled = true, Hostname = "127.0.0.1", Port = port, SeedNodes = [$"akka.tcp://image-sync@127.0.0.1:{port}"] } };
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
    public void Should_refuse_a_message_name_it_does_not_know_and_json_that_is_not_the_message()
    {
        var serializer = (SerializerWithStringManifest)_replica.System.Serialization.FindSerializerForType(typeof(FleetReport));

        var unknown = Assert.Throws<SerializationException>(() => serializer.FromBinary("{}"u8.ToArray(), "System.Diagnostics.Process, System"));
        var garbled = Assert.Throws<SerializationException>(() => serializer.FromBinary("{\"attemptUnix\": \"soon\"}"u8.ToArray(), "fleet-report"));

        Assert.Contains("which this version of image-sync does not know", unknown.Message);
        Assert.Contains("a replica sent a 'fleet-report' this version cannot read", garbled.Message);
    }

    private static string Json(object message) => JsonSerializer.Serialize(message, message.GetType());

    public async Task DisposeAsync() => await _replica.DisposeAsync();
}
