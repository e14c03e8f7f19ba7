using System.Net;
using System.Net.Sockets;
using ImageSync.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace ImageSync.IntegrationTests;

/// <summary>
/// Three published daemons as a cluster over real sshd nodes, with the mutual TLS they run by default, and what
/// reaches their cluster port from elsewhere: daemons of another CA or without TLS, a raw TCP client, a TLS client
/// without a certificate, and a certified peer that never joined and sends what an attacker would.
/// </summary>
[Collection(AloneOnTheMachine.Name)]
public sealed class ClusterTrustSpecs(ITestOutputHelper output) : IDisposable
{
    private const string Api = TestFleet.Prefix + "api:1";
    // Six nodes: their shards spread over the replicas, so the sync's calls to the nodes' entities cross the wire.
    private readonly TestFleet _fleet = new TestFleet(nodes: 6).Serving(Api);
    private DaemonReplicas _replicas = null!;

    [Fact]
    public async Task Should_carry_no_node_name_image_or_command_on_the_wire_between_replicas_with_tls()
    {
        var capture = await StartCapturedTrioAsync(tls: true);

        var wire = capture.Stop();

        output.WriteLine($"captured {wire.Length} bytes between the replicas");
        Assert.True(wire.Length > 20_000, $"only {wire.Length} bytes were captured");
        Assert.Contains("\x17\x03\x03", wire);
        Assert.All(Secrets(), text => Assert.DoesNotContain(text, wire));
    }

    [Fact]
    public async Task Should_show_the_same_words_on_the_wire_when_tls_is_off_so_the_capture_is_a_real_check()
    {
        var capture = await StartCapturedTrioAsync(tls: false);

        var wire = capture.Stop();

        Assert.All(Secrets().Take(2).Append("node-open"), text => Assert.Contains(text, wire));
        Assert.Contains(_replicas.All, r => r.RunLog.Any(l => l.Text.StartsWith("cluster.tls.enabled = off: the cluster port", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Should_keep_out_a_daemon_with_a_certificate_of_another_ca_and_one_without_tls()
    {
        await StartTrioAsync();
        var otherCa = Path.Combine(_fleet.Root, "other-ca");
        DaemonReplicas.MakeCertificates(otherCa, ["replica-4"]);
        using var foreign = _replicas.Stranger("foreign", DaemonReplicas.TlsConfig(otherCa, "replica-4")).Start();
        using var plain = _replicas.Stranger("plain", DaemonReplicas.NoTls).Start();

        var foreignExit = foreign.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(await plain.ShowsAsync("CLUSTER: none of the 3 other replicas in cluster.seed-nodes has answered for", TimeSpan.FromSeconds(60)),
            $"the daemon without TLS never said no replica answers it:\n{string.Join("\n", plain.RunLog.Select(l => l.Text))}");

        output.WriteLine($"foreign exited {foreignExit.ExitCode}: {foreignExit.Stderr}");
        Assert.Equal(4, foreignExit.ExitCode);
        Assert.Contains(foreign.RunLog, l => l.Text.Contains("its certificate 'replica-") && l.Text.EndsWith("(issued by 'image-sync replicas CA') does not chain to cluster.tls.ca"));
        Assert.Contains("TLS handshake failed", foreignExit.Stderr);
        foreach (var stranger in new[] { foreign, plain })
        {
            Assert.DoesNotContain(_replicas.All, r => r.RunLog.Any(l => l.Text.Contains($"127.0.0.1:{stranger.Port} joined")));
            Assert.DoesNotContain(_fleet.Nodes, n => File.ReadAllText(n.SshdLog).Contains(stranger.KeyFingerprint));
        }
        Assert.All(_replicas.All, r => Assert.DoesNotContain(r.RunLog, l => l.Text.Contains("CLUSTER: this replica left")));
    }

    [Fact]
    public async Task Should_give_no_association_to_a_raw_tcp_client_or_a_tls_client_without_a_certificate()
    {
        await StartTrioAsync();
        var port = _replicas[1].Port;
        DaemonReplicas.MakeCertificates(_replicas.Certificates, ["intruder"]);
        using var certified = Intruder("intruder");
        using var anonymous = Intruder("intruder", presents: false);

        using var raw = new TcpClient();
        await raw.ConnectAsync(IPAddress.Loopback, port);
        await raw.GetStream().WriteAsync("GET / HTTP/1.0\r\n\r\n\0\0\0\x07hello"u8.ToArray());
        var answered = await ReadUntilClosedAsync(raw, TimeSpan.FromSeconds(10));

        Assert.True(answered.Closed, "the replica kept a raw TCP client's connection open");
        Assert.True(answered.Bytes.Length <= 7 && (answered.Bytes.Length == 0 || answered.Bytes[0] == 0x15), $"a raw client got {answered.Bytes.Length} bytes that are not a TLS alert");
        Assert.False(await anonymous.ReachesAsync(port, "/user/replica-membership", TimeSpan.FromSeconds(10)), "a TLS client without a certificate was associated");
        // The same actor, asked by a client with a certificate of the replicas' CA: the association itself works.
        Assert.True(await certified.ReachesAsync(port, "/user/replica-membership", TimeSpan.FromSeconds(20)), "a certified client was not associated either");
    }

    [Fact]
    public async Task Should_run_nothing_a_certified_peer_outside_the_cluster_sends_and_name_it_in_a_warning()
    {
        await StartTrioAsync();
        DaemonReplicas.MakeCertificates(_replicas.Certificates, ["intruder"]);
        using var intruder = Intruder("intruder");
        using var decoy = new TcpListener(IPAddress.Loopback, 0);
        decoy.Start();
        var decoyPort = ((IPEndPoint)decoy.LocalEndpoint).Port;
        var sessionsBefore = Sessions();
        var since = DateTimeOffset.Now;
        var holder = $"{intruder.Address}/user/holder";

        foreach (var replica in _replicas.All)
        {
            // Akka's default JSON names the type to build: a sync, as the coordinator would start it.
            intruder.Send(replica.Port, "/user/sync-coordinator", new ImageSync.Actors.SyncCommands.StartSync("intruder"));
            intruder.Send(replica.Port, "/system/sharding/nodes",
                new Forged("node-open", $$"""{"node":"node-1","id":1,"digest":"0123456789abcdef","holder":"{{holder}}","sync":1}"""));
            intruder.Send(replica.Port, "/system/sharding/nodes",
                new Forged("node-open", $$"""{"node":"node-2","id":2,"host":"127.0.0.1","port":{{decoyPort}},"user":"root","holder":"{{holder}}","sync":1}"""));
        }

        Assert.True(await _replicas.AnyShowsAsync($"CLUSTER: {intruder.Address} sent a message in JSON with .NET type names", TimeSpan.FromSeconds(30), since),
            "no replica named the sender of the JSON with type names");
        Assert.True(await _replicas.AnyShowsAsync($"CLUSTER: refused Open for node-1 from {intruder.Address}: the sender is not a member of this cluster", TimeSpan.FromSeconds(30), since),
            "no replica refused the node-open of a sender outside the cluster");
        Assert.True(await _replicas.AnyShowsAsync($"CLUSTER: {intruder.Address} sent a 'node-open' this version cannot read", TimeSpan.FromSeconds(30), since),
            "no replica refused the node-open that named a host");
        Assert.False(decoy.Pending(), "something connected to the host and port a message named");
        Assert.Equal(sessionsBefore, Sessions());
        Assert.All(_replicas.All, r => Assert.DoesNotContain(r.Syncs, s => s.Start > since));
    }

    [Fact]
    public void Should_validate_a_replicas_config_and_tls_files_without_contacting_a_node()
    {
        _fleet.Start();
        _replicas = new DaemonReplicas(_fleet, 3);
        var before = _fleet.Nodes.Select(n => n.Connections).ToList();
        var replica = _replicas[1];

        var valid = Shell.Run(Repository.Cli, ["validate", "--config", replica.ConfigFile]);
        File.AppendAllText(replica.ConfigFile, $"\nimage-sync.cluster.tls.key = \"{Path.Combine(_replicas.Certificates, "replica-2.key")}\"\n");
        var mismatched = Shell.Run(Repository.Cli, ["validate", "--config", replica.ConfigFile]);

        Assert.True(valid.ExitCode == 0, valid.Output);
        Assert.Matches(@"cluster TLS: certificate 'replica-1' \(issued by 'image-sync replicas CA'\), valid until \d{4}-\d\d-\d\d \(36[45] days left\), chains to ", valid.Stdout);
        Assert.Contains("no node was contacted", valid.Stdout);
        Assert.Equal(before, _fleet.Nodes.Select(n => n.Connections));
        Assert.True(mismatched.ExitCode == 2, mismatched.Output);
        Assert.Contains("image-sync.cluster.tls.key:", mismatched.Stderr);
        Assert.Contains("is not the private key of cluster.tls.certificate", mismatched.Stderr);
    }

    /// <summary>The trio up, its first sync complete, while a capture records their cluster ports.</summary>
    private async Task<LoopbackCapture> StartCapturedTrioAsync(bool tls)
    {
        _fleet[1].Holding(Api);
        _fleet.Start("shutdown-grace = 1s");
        // A second sync 20 s on: by then the nodes' shards are spread over the three (the first sync had them all on the
        // coordinator's replica, the only one up), so its calls to the nodes' entities cross the wire.
        _replicas = new DaemonReplicas(_fleet, 3, "daemon.interval = 20s", tls: tls);
        var capture = new LoopbackCapture(_fleet.Root, _replicas.All.Select(r => r.Port));
        foreach (var replica in _replicas.All) replica.Start();
        await SyncedAndMembersAsync();
        await Eventually.TrueAsync("a second sync to complete", () => _replicas.All.Sum(r => r.Syncs.Count(s => s.End is not null)) >= 2, TimeSpan.FromSeconds(60), seen: Logs);
        return capture;
    }

    private async Task StartTrioAsync()
    {
        _fleet[1].Holding(Api);
        _fleet.Start("shutdown-grace = 1s");
        _replicas = new DaemonReplicas(_fleet, 3, Quiet);
        foreach (var replica in _replicas.All) replica.Start();
        await SyncedAndMembersAsync();
    }

    /// <summary>One sync, at the start: whatever follows is what the spec sends.</summary>
    private const string Quiet = "daemon.interval = 1h";

    private static string Scrape(Replica replica)
    {
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            return client.GetStringAsync($"http://127.0.0.1:{replica.MetricsPort}/metrics").Result;
        }
        catch (AggregateException)
        {
            return "";
        }
    }

    private async Task SyncedAndMembersAsync()
    {
        await Eventually.TrueAsync("a replica to complete a sync", () => _replicas.All.Any(r => r.Syncs.Any(s => s.End is not null)), TimeSpan.FromSeconds(90), seen: Logs);
        Assert.True(await _replicas.FirstNotMemberAsync(TimeSpan.FromSeconds(30)) is null, $"a replica never became a member:\n{Logs()}");
        Assert.Contains(Api, _fleet[2].Images);
    }

    /// <summary>What a sync puts in the replicas' messages (node names, image references), and what no message may (the nodes' sshd ports).</summary>
    private IEnumerable<string> Secrets() =>
        _fleet.Nodes.Select(n => n.Name).Append(TestFleet.Prefix).Append("node-open").Append("are-you-in-a-cluster").Concat(_fleet.Nodes.Select(n => $":{n.Port}"));

    private Intruder Intruder(string name, bool presents = true) =>
        new(Path.Combine(_replicas.Certificates, $"{name}.crt"), Path.Combine(_replicas.Certificates, $"{name}.key"), presents);

    private int Sessions() => _fleet.Nodes.Sum(n => File.ReadLines(n.SshdLog).Count(l => l.StartsWith("Starting session", StringComparison.Ordinal)));

    private static async Task<(bool Closed, byte[] Bytes)> ReadUntilClosedAsync(TcpClient client, TimeSpan within)
    {
        using var limit = new CancellationTokenSource(within);
        var bytes = new List<byte>();
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                var read = await client.GetStream().ReadAsync(buffer, limit.Token);
                if (read == 0) return (true, [.. bytes]);
                bytes.AddRange(buffer.Take(read));
            }
        }
        catch (IOException)
        {
            return (true, [.. bytes]);
        }
        catch (OperationCanceledException)
        {
            return (false, [.. bytes]);
        }
    }

    private string Logs() => _replicas?.RunLogs() ?? "";

    public void Dispose()
    {
        if (_replicas is not null)
        {
            output.WriteLine(Logs());
            _replicas.Dispose();
        }
        _fleet.Dispose();
    }
}
