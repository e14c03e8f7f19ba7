using Akka.Cluster.Sharding;
using static ImageSync.Cluster.NodeEntityCommands;

namespace ImageSync.Cluster;

/// <summary>
/// Routes by node name. Least-shard allocation evens out shard counts, not nodes, so there are more shards than
/// the nodes of a small fleet (about one node a shard, an even spread of sessions) and few enough for thousands of
/// nodes (a dozen a shard). Every replica must agree on the count: changing it needs the whole cluster restarted.
/// </summary>
public sealed class NodeMessageExtractor() : HashCodeMessageExtractor(Shards)
{
    public const int Shards = 300;

    public override string? EntityId(object message) => (message as INodeMessage)?.Node.Value;
}
