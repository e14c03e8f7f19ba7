using ImageSync.Configuration;
using ImageSync.Nodes;
using ImageSync.Nodes.Discovery;

namespace ImageSync.Actors;

/// <summary>What a sync runs with: the settings and the transport and node sources built from them. A daemon swaps them all on reload.</summary>
/// <param name="Directory">Where each sync's nodes come from; null for the config's list alone.</param>
public sealed record SyncSetup(ImageSyncSettings Settings, INodeTransport Transport, INodeDirectory? Directory = null)
{
    public INodeDirectory Nodes => Directory ?? new ListedNodes(Settings.Nodes);
}
