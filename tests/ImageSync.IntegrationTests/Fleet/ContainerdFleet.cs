using System.Text.Json;

namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// A <see cref="TestFleet"/> whose nodes each run a real containerd (CRI plugin off; crictl played by
/// tests/fleet/containerd-crictl), beside a real registry whose images the config includes. What the specs of
/// copies and of node disks start from.
/// </summary>
public sealed class ContainerdFleet : IDisposable
{
    private readonly Owned _owned = new();

    /// <param name="config">Config laid over the fleet's (transfer mode, disk guard, …).</param>
    /// <param name="rootSize">The size of a node's own filesystem for its containerd root; null shares the machine's disk.</param>
    /// <param name="prepare">Changes a node before its sshd starts (its environment, its PATH).</param>
    /// <param name="throughHelper">The nodes force the node helper on an unprivileged login in the containerd socket's group (<see cref="HelperLogin"/>).</param>
    /// <param name="registryUsers">Writes an htpasswd file in the fleet's root and returns its path: the registry then requires credentials.</param>
    public ContainerdFleet(int nodes, string config, Func<SshdNode, long?>? rootSize = null, Action<SshdNode>? prepare = null, bool throughHelper = false,
        Func<string, string>? registryUsers = null)
    {
        var crictl = Path.Combine(Repository.Root, "tests", "fleet", "containerd-crictl");
        Fleet = _owned.Add(new TestFleet(nodes, helperCrictl: throughHelper ? crictl : null));
        Registry = _owned.Add(new TestRegistry(Fleet.Root, registryUsers?.Invoke(Fleet.Root)));
        foreach (var node in Fleet.Nodes) prepare?.Invoke(node);
        Nodes = [.. Fleet.Nodes.Select(node => _owned.Add(new Containerd(node, rootSize?.Invoke(node), throughHelper ? HelperLogin.GroupId : null)))];
        Fleet.Start($"""
            ssh.crictl = "{crictl}"
            ssh.command-timeout = 60s
            images.include-prefixes = ["{Registry.Host}/"]
            pull.timeout = 60s
            {config}
            """);
    }

    public TestFleet Fleet { get; }

    public TestRegistry Registry { get; }

    /// <summary>Each node's containerd, in node order.</summary>
    public IReadOnlyList<Containerd> Nodes { get; }

    /// <summary>Side-loads an image onto one node, as `ctr import` or `kind load` would; returns its full reference.</summary>
    public string SideLoad(TestImage image, string repository, int node)
    {
        var reference = $"{Registry.Host}/{repository}";
        Nodes[node].Import(image.Archive(reference));
        return reference;
    }

    /// <summary>A `run --json`, as cron would start it, and its report.</summary>
    public JsonElement Run() => Fleet.Run("run", "--config", Fleet.ConfigFile, "--json").JsonReport().RootElement;

    public void Dispose() => _owned.Dispose();
}
