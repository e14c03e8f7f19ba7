using System.Text.RegularExpressions;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests.Kubernetes;

/// <summary>The published CLI with nodes-from.kubernetes over real sshd nodes, its nodes listed by a local API server.</summary>
public sealed class KubernetesDiscoverySpecs : IDisposable
{
    private const string Api = TestFleet.Prefix + "api:1";
    private readonly TestFleet _fleet = new(nodes: 2);

    [Fact]
    public async Task Should_sync_the_listed_and_the_discovered_nodes_together_and_a_node_in_both_once()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        // The cluster's workers are at 127.0.0.1, where node-1's sshd listens on the ssh section's port.
        await using var cluster = new FakeKubernetesApi(Regex.Replace(FakeKubernetesApi.RecordedNodes, @"""10\.0\.0\.1[0-9]""", "\"127.0.0.1\""), requireClientCertificate: true);
        _fleet.Start(Discovery(cluster.Kubeconfig(_fleet.Root, clientCertificate: true), listed: $"{{ name = worker-1, host = 127.0.0.1, port = {_fleet[2].Port} }}"));

        var run = _fleet.Run("run", "--config", _fleet.ConfigFile, "--json");

        Assert.True(run.ExitCode == 0, run.Output);
        using var report = run.JsonReport();
        var nodes = report.RootElement.GetProperty("nodes").EnumerateArray().Select(n => $"{n.GetProperty("name").GetString()} {n.GetProperty("port").GetInt32()}").ToList();
        // worker-1 is both listed and discovered: once, as listed (node-2's sshd). cp-1 and worker-2 are both at
        // 127.0.0.1 on the ssh section's port (node-1's sshd): once, as cp-1. worker-3 is NotReady, worker-4 cordoned.
        Assert.Equal([$"worker-1 {_fleet[2].Port}", $"cp-1 {_fleet[1].Port}"], nodes);
        Assert.Equal([Api], _fleet[2].Images);
        Assert.StartsWith("/api/v1/nodes?labelSelector=node-role.kubernetes.io%2Fworker", Assert.Single(cluster.Requests).Path);
    }

    [Fact]
    public void Should_sync_the_listed_nodes_and_exit_3_naming_the_api_when_it_cannot_be_reached()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        var kubeconfig = Path.Combine(_fleet.Root, "kubeconfig");
        File.WriteAllText(kubeconfig, """
            apiVersion: v1
            kind: Config
            clusters: [ { name: gone, cluster: { server: "https://127.0.0.1:1", insecure-skip-tls-verify: true } } ]
            users: [ { name: u, user: { token: t } } ]
            contexts: [ { name: image-sync@test, context: { cluster: gone, user: u } } ]
            current-context: image-sync@test
            """);
        _fleet.Start(Discovery(kubeconfig, listed: string.Join(", ", _fleet.Nodes.Select(n => $"{{ name = {n.Name}, host = 127.0.0.1, port = {n.Port} }}"))));

        var run = _fleet.Run("run", "--config", _fleet.ConfigFile, "--json");

        Assert.True(run.ExitCode == 3, run.Output);
        using var report = run.JsonReport();
        Assert.StartsWith("kubernetes: cannot reach https://127.0.0.1:1", report.RootElement.GetProperty("discoveryError").GetString());
        Assert.Equal([Api], _fleet[2].Images);
        Assert.Contains(_fleet.DayFile("image-sync"), l => l.Contains("[ERR] NODE DISCOVERY FAILED, syncing the listed nodes only: kubernetes: cannot reach"));
    }

    [Fact]
    public async Task Should_exit_3_naming_the_selector_when_the_cluster_lists_no_node_and_none_is_listed()
    {
        await using var cluster = new FakeKubernetesApi("""{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}""", requireClientCertificate: false);
        _fleet.Start(Discovery(cluster.Kubeconfig(_fleet.Root, clientCertificate: false), listed: "", selector: "!node-role.kubernetes.io/control-plane"));

        var run = _fleet.Run("run", "--config", _fleet.ConfigFile, "--json");

        Assert.True(run.ExitCode == 3, run.Output);
        using var report = run.JsonReport();
        const string Error = "kubernetes: found no node with nodes-from.kubernetes.label-selector '!node-role.kubernetes.io/control-plane', and the config lists none: nothing to sync";
        Assert.Equal(Error, report.RootElement.GetProperty("discoveryError").GetString());
        Assert.Contains(_fleet.DayFile("image-sync"), l => l.Contains($"[ERR] NODE DISCOVERY FAILED, no node to sync: {Error}"));
        Assert.StartsWith("/api/v1/nodes?labelSelector=%21node-role.kubernetes.io%2Fcontrol-plane", Assert.Single(cluster.Requests).Path);
    }

    private string Discovery(string kubeconfig, string listed, string selector = "node-role.kubernetes.io/worker") => $$"""
        nodes = [ {{listed}} ]
        ssh.port = {{_fleet[1].Port}}
        nodes-from.kubernetes { enabled = on, kubeconfig = "{{kubeconfig}}", context = "image-sync@test", label-selector = "{{selector}}", timeout = 5s }
        """;

    public void Dispose() => _fleet.Dispose();
}
