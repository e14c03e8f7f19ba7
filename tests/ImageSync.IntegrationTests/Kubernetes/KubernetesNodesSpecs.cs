using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes.Discovery;

namespace ImageSync.IntegrationTests.Kubernetes;

/// <summary>KubernetesClient against a local TLS API server that answers /api/v1/nodes with a recorded NodeList.</summary>
public sealed class KubernetesNodesSpecs : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("image-sync-k8s-").FullName;

    [Fact]
    public async Task Should_list_ready_uncordoned_nodes_by_name_at_their_internal_ip_with_a_client_certificate()
    {
        await using var api = new FakeKubernetesApi(FakeKubernetesApi.RecordedNodes, requireClientCertificate: true);
        var settings = Settings(api.Kubeconfig(_dir, clientCertificate: true)) with { LabelSelector = "node-role.kubernetes.io/worker" };

        var listing = await new KubernetesNodes(settings, "ops", 2222, JumpChain.Direct).ListAsync(CancellationToken.None);

        Assert.Equal(["cp-1 (ops@10.0.0.10:2222)", "worker-1 (ops@10.0.0.11:2222)", "worker-2 (ops@10.0.0.12:2222)"], listing.Nodes.Select(n => n.ToString()));
        Assert.Equal(["kubernetes node 'worker-3' left out: not Ready", "kubernetes node 'worker-4' left out: cordoned (unschedulable)"], listing.Notes);
        var request = Assert.Single(api.Requests);
        Assert.StartsWith("/api/v1/nodes?labelSelector=node-role.kubernetes.io%2Fworker", request.Path);
        Assert.Equal("CN=image-sync, O=image-sync:node-readers", request.ClientSubject);
    }

    [Fact]
    public async Task Should_send_the_bearer_token_of_the_chosen_context()
    {
        await using var api = new FakeKubernetesApi(FakeKubernetesApi.RecordedNodes, requireClientCertificate: false);
        var settings = Settings(api.Kubeconfig(_dir, clientCertificate: false, context: "prod")) with { Context = "prod" };

        var listing = await new KubernetesNodes(settings, "root", 22, JumpChain.Direct).ListAsync(CancellationToken.None);

        Assert.Equal(3, listing.Nodes.Count);
        Assert.Equal($"Bearer {FakeKubernetesApi.Token}", Assert.Single(api.Requests).Authorization);
    }

    [Fact]
    public async Task Should_take_the_address_type_asked_for_and_keep_unready_and_cordoned_nodes_when_asked()
    {
        await using var api = new FakeKubernetesApi(FakeKubernetesApi.RecordedNodes, requireClientCertificate: false);
        var settings = Settings(api.Kubeconfig(_dir, clientCertificate: false)) with { AddressType = "ExternalIP", SkipNotReady = false, SkipCordoned = false };

        var listing = await new KubernetesNodes(settings, "root", 22, JumpChain.Direct).ListAsync(CancellationToken.None);

        Assert.Equal("worker-2 (root@203.0.113.12:22)", Assert.Single(listing.Nodes).ToString());
        Assert.Equal(4, listing.Notes.Count(n => n.EndsWith("it has no ExternalIP address", StringComparison.Ordinal)));
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "refused", "cannot reach https://127.0.0.1:" },
        { "forbidden", "answered 403 Forbidden: {\"kind\":\"Status\"" },
        { "untrusted", "cannot reach https://127.0.0.1:" },
        { "missing", "kubeconfig /nonexistent/kubeconfig, context image-sync@test: " },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Should_say_why_when_the_api_cannot_be_read(string situation, string why)
    {
        const string forbidden = """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"nodes is forbidden: User \"image-sync\" cannot list resource \"nodes\" in API group \"\" at the cluster scope","reason":"Forbidden","code":403}""";
        await using var api = new FakeKubernetesApi(situation == "forbidden" ? forbidden : FakeKubernetesApi.RecordedNodes, requireClientCertificate: false, situation == "forbidden" ? 403 : 200);
        await using var other = new FakeKubernetesApi(FakeKubernetesApi.RecordedNodes, requireClientCertificate: false);
        var kubeconfig = situation switch
        {
            "missing" => "/nonexistent/kubeconfig",
            "untrusted" => Pointed(other.Kubeconfig(_dir, clientCertificate: false), other.Url, api.Url),
            _ => api.Kubeconfig(_dir, clientCertificate: false),
        };
        if (situation == "refused") await api.DisposeAsync();

        var refused = await Assert.ThrowsAsync<NodeDiscoveryException>(() => new KubernetesNodes(Settings(kubeconfig) with { Context = "image-sync@test" }, "root", 22, JumpChain.Direct).ListAsync(CancellationToken.None));

        Assert.True(refused.Message.Contains(why, StringComparison.Ordinal), refused.Message);
    }

    /// <summary>The kubeconfig of one cluster pointed at another's server: that server's certificate is not trusted.</summary>
    private static string Pointed(string kubeconfig, string from, string to)
    {
        File.WriteAllText(kubeconfig, File.ReadAllText(kubeconfig).Replace(from, to, StringComparison.Ordinal));
        return kubeconfig;
    }

    private static KubernetesSettings Settings(string kubeconfig) =>
        new(Enabled: true, kubeconfig, Context: "image-sync@test", LabelSelector: "", AddressType: "InternalIP", SkipNotReady: true, SkipCordoned: true, TimeSpan.FromSeconds(10));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
