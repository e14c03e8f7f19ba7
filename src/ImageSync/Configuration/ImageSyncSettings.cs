using ImageSync.Domain;

namespace ImageSync.Configuration;

public enum TransportKind
{
    Ssh,
    Simulated,
}

/// <summary>The whole validated configuration. Only <see cref="SettingsLoader"/> builds one, section by section.</summary>
/// <param name="StateFile">Where a single run keeps what it pulled where, between runs; "" for nowhere.</param>
/// <param name="CredentialsFile">registries.credentials-file: the registry credentials each replica reads for its own pulls; "" for none.</param>
public sealed record ImageSyncSettings(
    TransportKind Transport,
    IReadOnlyList<NodeSpec> Nodes,
    KubernetesSettings NodesFromKubernetes,
    SshSettings Ssh,
    ImageSettings Images,
    PullSettings Pull,
    TransferSettings Transfer,
    LogSettings Logs,
    string LockFile,
    string StateFile,
    TimeSpan ShutdownGrace,
    DaemonSettings Daemon,
    ClusterSettings Cluster,
    SimulatedFleetSettings Simulated,
    string CredentialsFile)
{
    /// <summary>What the pull dispatch of a run obeys, from the pull and transfer sections and the shutdown grace.</summary>
    public DispatchRules Dispatch => new(Pull.MaxPerNode, Pull.Canary, Pull.Verify, Pull.Retries, Pull.RetryBackoff, Pull.Timeout + Pull.KillAfter, Pull.Disk,
        Transfer.Mode, Transfer.MaxPerSource, Transfer.FanOut, Transfer.Exclude, ShutdownGrace);

    /// <summary>Reads every section; what is wrong goes to the reader's problems.</summary>
    internal static ImageSyncSettings Create(ConfigReader reader, string home)
    {
        var transport = reader.Choice<TransportKind>("image-sync.transport");
        var ssh = SshSettings.Create(reader, home);
        var kubernetes = KubernetesSettings.Create(reader, home);
        var generated = GeneratedFleet.Create(reader);
        var simulatedNodes = transport == TransportKind.Simulated ? generated.Nodes : 0;
        var nodes = NodeList.Read(reader, transport, ssh, mayBeEmpty: kubernetes.Enabled || simulatedNodes > 0);
        if (simulatedNodes > 0) AddGenerated(reader, nodes, generated with { Nodes = simulatedNodes }, ssh);
        return new ImageSyncSettings(
            transport,
            nodes,
            kubernetes,
            ssh,
            ImageSettings.Create(reader, nodes, kubernetes.Enabled),
            PullSettings.Create(reader),
            TransferSettings.Create(reader),
            LogSettings.Create(reader, home),
            reader.Path("image-sync.lock-file", home),
            reader.Path("image-sync.state-file", home, allowEmpty: true),
            reader.Duration("image-sync.shutdown-grace", TimeSpan.Zero, TimeSpan.FromHours(1)),
            DaemonSettings.Create(reader),
            ClusterSettings.Create(reader, home),
            SimulatedFleetSettings.Create(reader, nodes, generated with { Nodes = simulatedNodes }),
            reader.Path("image-sync.registries.credentials-file", home, allowEmpty: true));
    }

    private static void AddGenerated(ConfigReader reader, List<NodeSpec> nodes, GeneratedFleet generated, SshSettings ssh)
    {
        var listed = nodes.Select(n => n.Name).ToHashSet();
        foreach (var spec in generated.Specs(ssh))
        {
            if (listed.Contains(spec.Name))
                reader.Problem("image-sync.nodes", reader.Node("image-sync.nodes"), $"'{spec.Name}' is listed and generated (simulated.generate): name listed nodes otherwise");
            else nodes.Add(spec);
        }
    }
}
