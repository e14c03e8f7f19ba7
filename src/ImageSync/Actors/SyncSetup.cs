using ImageSync.Configuration;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>What a sync runs with: the settings and the transport built from them. A daemon swaps both on reload.</summary>
public sealed record SyncSetup(ImageSyncSettings Settings, INodeTransport Transport);
