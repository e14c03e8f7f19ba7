namespace ImageSync.Tests.Cluster;

/// <summary>
/// Specs that start three replicas in this process run alone: beside other specs on a two-core machine, the
/// replicas' heartbeats come late and the cluster can take longer to form than the specs wait.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class InProcessClusters
{
    public const string Name = "three replicas in process";
}
