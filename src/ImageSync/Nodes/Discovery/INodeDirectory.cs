using ImageSync.Configuration;
using ImageSync.Domain;

namespace ImageSync.Nodes.Discovery;

/// <summary>The nodes one sync runs on, and what finding them left out or could not do.</summary>
/// <param name="Notes">Nodes left out and why (not ready, cordoned, no address of the configured type), for the run log.</param>
/// <param name="Error">Why a source of nodes could not be read; the nodes of the other sources are still listed.</param>
public sealed record NodeListing(IReadOnlyList<NodeSpec> Nodes, IReadOnlyList<string> Notes, string? Error = null);

/// <summary>Where a sync's nodes come from. Asked at the start of every sync, so a daemon follows a cluster as it changes.</summary>
public interface INodeDirectory
{
    /// <exception cref="NodeDiscoveryException">The source cannot be read; the message says why.</exception>
    Task<NodeListing> ListAsync(CancellationToken cancellationToken);
}

/// <summary>A source of nodes could not be read (API unreachable, access refused, a kubeconfig that does not load).</summary>
public sealed class NodeDiscoveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The nodes the config file lists.</summary>
public sealed class ListedNodes(IReadOnlyList<NodeSpec> nodes) : INodeDirectory
{
    public Task<NodeListing> ListAsync(CancellationToken cancellationToken) => Task.FromResult(new NodeListing(nodes, []));
}

/// <summary>
/// The listed nodes and those a source discovers. A node in both (same name, or same host and port) is
/// synced once, as listed. When the source cannot be read, the listed nodes still sync and the listing
/// carries the error. No node at all is an error too, naming what the source was asked (<paramref name="query"/>):
/// a selector that matches nothing must never pass for a fleet in sync.
/// </summary>
public sealed class CombinedNodes(IReadOnlyList<NodeSpec> listed, string source, string query, INodeDirectory discovered) : INodeDirectory
{
    public async Task<NodeListing> ListAsync(CancellationToken cancellationToken)
    {
        NodeListing found;
        try
        {
            found = await discovered.ListAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NodeDiscoveryException e)
        {
            return new NodeListing(listed, [], $"{source}: {e.Message}");
        }
        var nodes = listed.ToList();
        var notes = found.Notes.ToList();
        foreach (var node in found.Nodes)
        {
            var same = nodes.FirstOrDefault(n => n.Name == node.Name || (n.Host == node.Host && n.Port == node.Port));
            if (same is null) nodes.Add(node);
            else if (same.Host != node.Host || same.Port != node.Port || same.Name != node.Name)
                notes.Add($"{source} node {node.Name} ({node.Host}:{node.Port}) is listed as {same.Name} ({same.Host}:{same.Port}); synced once, as listed");
        }
        var none = nodes.Count == 0 ? $"{source}: found no node with {query}, and the config lists none: nothing to sync" : null;
        return new NodeListing(nodes, notes, none);
    }
}

public static class NodeDirectories
{
    /// <summary>The sources of nodes the config names.</summary>
    public static INodeDirectory Create(ImageSyncSettings settings) =>
        settings.NodesFromKubernetes.Enabled ? WithKubernetes(settings) : new ListedNodes(settings.Nodes);

    // Apart, so that a run without discovery never loads the Kubernetes client's assemblies.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static CombinedNodes WithKubernetes(ImageSyncSettings settings) =>
        new(settings.Nodes, "kubernetes", Query(settings.NodesFromKubernetes), new KubernetesNodes(settings.NodesFromKubernetes, settings.Ssh.User, settings.Ssh.Port, settings.Ssh.Jump));

    private static string Query(KubernetesSettings kubernetes) =>
        kubernetes.LabelSelector.Length > 0 ? $"nodes-from.kubernetes.label-selector '{kubernetes.LabelSelector}'" : "no nodes-from.kubernetes.label-selector (every node)";
}
