using ImageSync.Configuration;
using ImageSync.Domain;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using k8s.Models;

namespace ImageSync.Nodes.Discovery;

/// <summary>
/// The worker nodes a Kubernetes API lists (<c>GET /api/v1/nodes</c>, with the label selector): each node by
/// its own name and labels, reached at its address of the configured type, with the ssh section's user, port and jump. Not
/// Ready and cordoned nodes are left out when the settings say so, and named in the listing's notes. The
/// kubeconfig is read again for every listing, so a rotated token or certificate is picked up.
/// </summary>
public sealed class KubernetesNodes(KubernetesSettings settings, string user, int port, JumpChain jump) : INodeDirectory
{
    /// <exception cref="NodeDiscoveryException">The kubeconfig does not load, or the API cannot be reached, refuses or times out.</exception>
    public async Task<NodeListing> ListAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        var server = "the API server";
        try
        {
            // Reading the kubeconfig and its key files blocks: never on the caller's (an actor's) thread.
            var list = await Task.Run(async () =>
            {
                var configuration = Configuration();
                server = configuration.Host;
                using var client = new Kubernetes(configuration);
                return await client.CoreV1.ListNodeAsync(labelSelector: settings.LabelSelector.Length > 0 ? settings.LabelSelector : null,
                    cancellationToken: timeout.Token).ConfigureAwait(false);
            }, timeout.Token).ConfigureAwait(false);
            return Read(list);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NodeDiscoveryException($"{server} did not list the nodes within {Durations.Show(settings.Timeout)} (nodes-from.kubernetes.timeout)");
        }
        catch (HttpOperationException e)
        {
            throw new NodeDiscoveryException($"{server} answered {(int)e.Response.StatusCode} {e.Response.ReasonPhrase}: {NodeText.Shorten(e.Response.Content, 200)}", e);
        }
        catch (HttpRequestException e)
        {
            throw new NodeDiscoveryException($"cannot reach {server}: {ExceptionChain.Describe(e)}", e);
        }
        catch (Exception e) when (e is KubeConfigException or KubernetesClientException or IOException or UnauthorizedAccessException or FormatException
            or System.Security.Cryptography.CryptographicException)
        {
            throw new NodeDiscoveryException($"kubeconfig {Describe()}: {ExceptionChain.Describe(e)}", e);
        }
    }

    /// <summary>The nodes of the list image-sync can use; each one left out is named with the reason.</summary>
    public NodeListing Read(V1NodeList list)
    {
        var nodes = new List<NodeSpec>();
        var notes = new List<string>();
        foreach (var node in list.Items ?? [])
        {
            var name = node.Metadata?.Name ?? "";
            var address = node.Status?.Addresses?.FirstOrDefault(a => a.Type == settings.AddressType)?.Address;
            var leftOut =
                !NodeName.TryParse(name, out var nodeName, out var invalid) ? invalid
                : settings.SkipCordoned && node.Spec?.Unschedulable == true ? "cordoned (unschedulable)"
                : settings.SkipNotReady && !IsReady(node) ? "not Ready"
                : address is null ? $"it has no {settings.AddressType} address"
                : !ConfigReader.IsHost(address) ? $"its {settings.AddressType} '{address}' is not a host name or IP address"
                : null;
            if (leftOut is null) nodes.Add(new NodeSpec(nodeName!, address!, port, user) { Jump = jump, Labels = Labels(node) });
            else notes.Add($"kubernetes node '{NodeText.Shorten(name, 200)}' left out: {leftOut}");
        }
        return new NodeListing(nodes, notes);
    }

    // Kept for images.wanted's label selectors.
    private static NodeLabels Labels(V1Node node) =>
        node.Metadata?.Labels is { Count: > 0 } labels ? new NodeLabels(labels) : NodeLabels.None;

    private static bool IsReady(V1Node node) =>
        node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status == "True";

    private KubernetesClientConfiguration Configuration() =>
        settings.Kubeconfig == KubernetesSettings.InCluster
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildConfigFromConfigFile(
                settings.Kubeconfig.Length > 0 ? settings.Kubeconfig : null,
                settings.Context.Length > 0 ? settings.Context : null);

    private string Describe() =>
        (settings.Kubeconfig.Length > 0 ? settings.Kubeconfig : "($KUBECONFIG or ~/.kube/config)")
        + (settings.Context.Length > 0 ? $", context {settings.Context}" : "");
}
