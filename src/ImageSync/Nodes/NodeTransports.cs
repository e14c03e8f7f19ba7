using ImageSync.Configuration;
using ImageSync.Nodes.Simulated;
using ImageSync.Nodes.Ssh;

namespace ImageSync.Nodes;

public static class NodeTransports
{
    /// <summary>The transport the config asks for.</summary>
    /// <exception cref="ConfigException">The SSH key cannot be used.</exception>
    public static INodeTransport Create(ImageSyncSettings settings, Func<string, string?> environment, Action<string> warn) =>
        settings.Transport switch
        {
            TransportKind.Simulated => new SimulatedTransport(new SimulatedFleet(settings.Simulated, settings.Nodes.Select(n => n.Name)), settings.Images.Limits),
            _ => SshNodeTransport.Create(settings, environment, warn),
        };
}
