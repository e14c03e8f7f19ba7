using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// A real containerd for one test node: its own root, state and sockets under the node's directory, the CRI
/// plugin off (crictl is played by tests/fleet/containerd-crictl). The node's sshd points plain `ctr` at it.
/// </summary>
public sealed class Containerd : IDisposable
{
    private readonly RunningProcess _process;
    private readonly bool _mounted;

    /// <param name="rootSize">
    /// When given, the root (content store, snapshots, metadata) is a tmpfs of that many bytes of its own, so
    /// that this node's image filesystem can fill up without touching the machine's disk or the other nodes.
    /// </param>
    /// <param name="socketGroup">When given, the socket belongs to this group (containerd's <c>[grpc] gid</c>), so its members reach containerd without root.</param>
    public Containerd(SshdNode node, long? rootSize = null, int? socketGroup = null)
    {
        var dir = Directory.CreateDirectory(Path.Combine(node.Dir, "containerd")).FullName;
        Address = Path.Combine(dir, "c.sock");
        Root = Directory.CreateDirectory(Path.Combine(dir, "root")).FullName;
        if (rootSize is { } size)
        {
            Shell.Require("mount", ["-t", "tmpfs", "-o", $"size={size},mode=0700", "tmpfs", Root]);
            _mounted = true;
        }
        File.WriteAllText(Path.Combine(dir, "config.toml"), $"""
            version = 2
            root = "{Root}"
            state = "{dir}/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "{Address}"
            {(socketGroup is { } gid ? $"  gid = {gid}" : "")}
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
        if (!Eventually.Holds(() => _process.HasExited || Ctr("version").ExitCode == 0, TimeSpan.FromSeconds(20), every: TimeSpan.FromMilliseconds(100)))
            throw new TimeoutException($"containerd of {node.Name} is not answering on {Address}");
        node.WithEnvironment("CONTAINERD_ADDRESS", Address).WithEnvironment("CONTAINERD_ROOT", Root);
    }

    public string Address { get; }

    /// <summary>containerd's root directory; CRI reports its overlayfs snapshotter directory as the image filesystem.</summary>
    public string Root { get; }

    /// <summary>The directory `crictl imagefsinfo` names as the mountpoint on a node with this containerd.</summary>
    public string SnapshotterDir => Path.Combine(Root, "io.containerd.snapshotter.v1.overlayfs");

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

    /// <summary>The labels of the image of that name, as ctr lists them (<c>k=v</c>); none when it has none or there is no such image.</summary>
    public IReadOnlyList<string> Labels(string image) =>
        Ctr("images", "ls").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields[0] == image && fields[^1] != "-")
            .SelectMany(fields => fields[^1].Split(','))
            .ToList();

    /// <summary>Whether content is being written into this containerd now, in any namespace (a copy's import starts in a quarantine namespace of its own).</summary>
    public bool Receiving() =>
        Shell.Run("ctr", ["--address", Address, "namespaces", "ls", "-q"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Any(ns => Shell.Run("ctr", ["--address", Address, "--namespace", ns, "content", "active"]).Stdout.Contains("sha256", StringComparison.Ordinal));

    /// <summary>Side-loads an OCI archive, as `ctr import` or `kind load` would: no registry involved.</summary>
    public void Import(string archive) => Require("images", "import", archive);

    /// <summary>The filesystem that holds the root, as `df -P -B1` on the node sees it (and image-sync should).</summary>
    public DiskUsage Df() => DiskUsage.Of(Root);

    /// <summary>Bytes under the root, or a directory of it, as `du -sb` counts them (apparent sizes).</summary>
    public long RootBytes(string under = "") =>
        long.Parse(Shell.Run("du", ["-sb", "--", Path.Combine(Root, under)]).Stdout.Split('\t')[0], CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _process.Dispose();
        if (!_mounted) return;
        // A process that still holds a file there (an unpack mount, a straggling ctr) must not fail the test:
        // the lazy unmount detaches the tmpfs now and frees it when the last user is gone.
        if (Shell.Run("umount", [Root]).ExitCode != 0) Shell.Run("umount", ["--lazy", Root]);
    }
}

/// <summary>A filesystem's size, used and available bytes from `df -P -B1`.</summary>
public sealed record DiskUsage(long Size, long Used, long Available, string MountedOn)
{
    /// <summary>
    /// Usage as kubelet's image GC sees it: what is not available to it counts as used (an ext4's reserved
    /// blocks too), 100 * (size - available) / size. kubelet itself rounds up to an integer
    /// (100 - available * 100 / capacity in integer arithmetic): see <see cref="KubeletPercent"/>.
    /// </summary>
    public double UsagePercent => 100.0 * (Size - Available) / Size;

    /// <summary>The integer percentage kubelet compares with its image-gc-high/low-threshold.</summary>
    public int KubeletPercent => 100 - (int)(Available * 100 / Size);

    public static DiskUsage Of(string path)
    {
        var df = Shell.Run("df", ["-P", "-B1", "--", path]);
        if (df.ExitCode != 0) throw new InvalidOperationException($"df {path} failed ({df.ExitCode}): {df.Output}");
        return Parse(df.Stdout);
    }

    /// <summary>Reads df -P's second line: the numbers in the middle, so a device or mountpoint may hold spaces.</summary>
    public static DiskUsage Parse(string output)
    {
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1];
        var fields = Regex.Match(line, @"^.*?\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+%\s(.*)$").Groups;
        long Bytes(int i) => long.Parse(fields[i].Value, CultureInfo.InvariantCulture);
        return new DiskUsage(Bytes(1), Bytes(2), Bytes(3), fields[4].Value);
    }
}
