using System.Security.Cryptography;
using System.Text;
using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Nodes.Discovery;

namespace ImageSync.Cluster;

/// <summary>
/// Where this replica's node entities connect: only to the nodes of this replica's own configuration (the config's
/// list, and what its Kubernetes source lists), never to an address a message names. Entity messages carry node
/// names; each name is looked up here, once per sync for the whole replica (one listing a sync, however many of
/// its nodes the replica owns).
/// </summary>
public sealed class ReplicaNodes
{
    private readonly object _gate = new();
    private (long Sync, SyncSetup Setup, Task<NodeListing> Listing)? _latest;

    /// <summary>The node of this replica's configuration with that name, as the given sync sees it; null when there is none.</summary>
    /// <exception cref="NodeDiscoveryException">This replica's source of nodes cannot be read.</exception>
    public async Task<NodeSpec?> FindAsync(NodeName node, long sync, SyncSetup setup, CancellationToken cancellationToken)
    {
        var listing = await ListingFor(sync, setup).WaitAsync(cancellationToken).ConfigureAwait(false);
        return listing.Nodes.FirstOrDefault(n => n.Name == node);
    }

    /// <summary>The first ask of a new sync lists the nodes and lets the transport know a sync starts (a bastion found down is tried again).</summary>
    private Task<NodeListing> ListingFor(long sync, SyncSetup setup)
    {
        lock (_gate)
        {
            if (_latest is { } latest && latest.Sync == sync && ReferenceEquals(latest.Setup, setup)) return latest.Listing;
            if (_latest?.Sync != sync) setup.Transport.SyncStarting();
            // Not tied to one entity's call: the listing serves every entity of this replica in this sync.
            var listing = setup.Nodes.ListAsync(CancellationToken.None);
            _latest = (sync, setup, listing);
            return listing;
        }
    }
}

/// <summary>
/// A short fingerprint of where and as whom a node is reached. The coordinator sends it with a node's name, so an
/// entity whose replica's config reaches that node otherwise (a reload that reached one replica only) refuses,
/// rather than connect somewhere the coordinator did not plan; the address itself never goes on the wire.
/// </summary>
public static class NodeDigests
{
    public static string Of(NodeSpec node) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{node.User}@{node.Host}:{node.Port} via {node.Jump}")))[..16];
}
