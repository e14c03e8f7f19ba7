namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// A real containerd for one test node: its own root, state and sockets under the node's directory, the CRI
/// plugin off (crictl is played by tests/fleet/containerd-crictl). The node's sshd points plain `ctr` at it.
/// </summary>
public sealed class Containerd : IDisposable
{
    private readonly RunningProcess _process;

    public Containerd(SshdNode node)
    {
        var dir = Directory.CreateDirectory(Path.Combine(node.Dir, "containerd")).FullName;
        Address = Path.Combine(dir, "c.sock");
        File.WriteAllText(Path.Combine(dir, "config.toml"), $"""
            version = 2
            root = "{dir}/root"
            state = "{dir}/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "{Address}"
            [ttrpc]
              address = "{Address}.ttrpc"
            [debug]
              address = ""
            [metrics]
              address = ""
            [plugins."io.containerd.internal.v1.opt"]
              path = "{dir}/opt"
            """);
        _process = Shell.Start("containerd", ["--config", Path.Combine(dir, "config.toml")]);
        if (!SpinWait.SpinUntil(() => _process.HasExited || Ctr("version").ExitCode == 0, TimeSpan.FromSeconds(20)))
            throw new TimeoutException($"containerd of {node.Name} is not answering on {Address}");
        node.WithEnvironment("CONTAINERD_ADDRESS", Address);
    }

    public string Address { get; }

    /// <summary>Runs ctr against this containerd, in the namespace the CRI plugin (and image-sync's copies) use.</summary>
    public ProcessResult Ctr(params string[] arguments) =>
        Shell.Run("ctr", ["--address", Address, "--connect-timeout", "2s", "--namespace", "k8s.io", .. arguments], TimeSpan.FromMinutes(2));

    public void Require(params string[] arguments)
    {
        var result = Ctr(arguments);
        if (result.ExitCode != 0) throw new InvalidOperationException($"ctr {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Output}");
    }

    /// <summary>The image names this containerd holds and their digests (manifest or index), without CRI's id refs.</summary>
    public IReadOnlyDictionary<string, string> Images() =>
        Ctr("images", "ls").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => !fields[0].StartsWith("sha256:", StringComparison.Ordinal))
            .ToDictionary(fields => fields[0], fields => fields[2]);

    /// <summary>Side-loads an OCI archive, as `ctr import` or `kind load` would: no registry involved.</summary>
    public void Import(string archive) => Require("images", "import", archive);

    public void Dispose() => _process.Dispose();
}
