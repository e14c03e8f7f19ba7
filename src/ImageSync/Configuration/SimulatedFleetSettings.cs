using System.Security.Cryptography;
using System.Text;
using ImageSync.Domain;

namespace ImageSync.Configuration;

/// <summary>One image a simulated node starts with.</summary>
public sealed record SimulatedImage(ImageRef Ref, long SizeBytes, string? Digest)
{
    /// <summary>The digest the node reports: the configured one, or one derived from the reference (the same on every node).</summary>
    public string ReportedDigest => Digest ?? DerivedDigest(Ref);

    public static string DerivedDigest(ImageRef image) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(image.ToString())));
}

/// <param name="Machine">What the node's <c>uname -m</c> prints (x86_64, aarch64).</param>
/// <param name="DiskSize">The size of the node's image filesystem; 0: its crictl has no imagefsinfo.</param>
/// <param name="DiskUsed">What the image filesystem holds besides the images.</param>
public sealed record SimulatedNodeSettings(
    IReadOnlyList<SimulatedImage> Images,
    TimeSpan PullLatency,
    IReadOnlyList<ImageRef> Failing,
    IReadOnlyList<ImageRef> Hanging,
    SimulatedFaults Faults,
    string Machine = SimulatedNodeSettings.DefaultMachine,
    long DiskSize = SimulatedNodeSettings.DefaultDiskSize,
    long DiskUsed = 0)
{
    public const string DefaultMachine = "x86_64";
    public const long DefaultDiskSize = 100L << 30;

    public static readonly SimulatedNodeSettings Empty = new([], TimeSpan.Zero, [], [], SimulatedFaults.None);
}

/// <summary>A kubelet's image garbage collector on every simulated node, run at the start of each sync's read.</summary>
/// <param name="HighThreshold">Above this usage of the image filesystem, images the node did not start with are deleted; 0 is off.</param>
/// <param name="LowThreshold">They are deleted, the earliest pulled first, until the usage is at or below this.</param>
public sealed record SimulatedGc(double HighThreshold = 0, double LowThreshold = 0.8)
{
    public static readonly SimulatedGc Off = new();
}

/// <summary>
/// A simulated fleet made up from a few numbers (<c>simulated.generate</c>), for fleets of thousands of nodes that a
/// config file could not list: nodes <c>w00001</c>, <c>w00002</c>, …, each holding every image of the catalog
/// (<c>registry.example.com/team/app0001:1</c>, …) but <paramref name="MissingPerNode"/> picked at random.
/// The images are shared objects, so the fleet's own data stays small beside what a sync holds.
/// </summary>
public sealed record GeneratedFleet(int Nodes, int Images, int MissingPerNode, long ImageSize, int Seed)
{
    private const string Section = "image-sync.simulated.generate";

    public const string Prefix = "registry.example.com/team/";

    public static NodeName NameOf(int index) => NodeName.Parse($"w{index + 1:D5}");

    public IEnumerable<NodeSpec> Specs(SshSettings ssh) =>
        Enumerable.Range(0, Nodes).Select(i => new NodeSpec(NameOf(i), "simulated", ssh.Port, ssh.User));

    /// <summary>Each generated node's images: the catalog less its missing ones, the same for the same seed.</summary>
    public IEnumerable<(NodeName Node, SimulatedNodeSettings Settings)> NodeSettings(TimeSpan pullLatency)
    {
        var catalog = Enumerable.Range(0, Images)
            .Select(k => ImageRef.Parse($"{Prefix}app{k + 1:D4}:1"))
            .Select(image => new SimulatedImage(image, ImageSize, SimulatedImage.DerivedDigest(image)))
            .ToArray();
        var dice = new Random(Seed);
        for (var i = 0; i < Nodes; i++)
        {
            var missing = new HashSet<int>();
            while (missing.Count < Math.Min(MissingPerNode, Images)) missing.Add(dice.Next(Images));
            yield return (NameOf(i), SimulatedNodeSettings.Empty with { Images = [.. catalog.Where((_, k) => !missing.Contains(k))], PullLatency = pullLatency });
        }
    }

    internal static GeneratedFleet Create(ConfigReader reader) => new(
        reader.Int($"{Section}.nodes", 0, 100_000),
        reader.Int($"{Section}.images", 1, 100_000),
        reader.Int($"{Section}.missing-per-node", 0, 100_000),
        reader.Size($"{Section}.image-size", 0, 1L << 40),
        reader.Int($"{Section}.seed", int.MinValue, int.MaxValue));
}

/// <param name="Seed">Seeds the fleet's dice (flaky pulls), so a simulated run can be replayed.</param>
/// <param name="TransferRate">Bytes per second of a node-to-node copy.</param>
/// <param name="DiskGrowth">How many bytes of the image filesystem an image takes per byte of its reported size (layers and their unpacked copy).</param>
public sealed record SimulatedFleetSettings(IReadOnlyDictionary<NodeName, SimulatedNodeSettings> Nodes, int Seed = 1, long TransferRate = 100L << 20,
    double DiskGrowth = 2.0, SimulatedGc? Gc = null)
{
    private const string Section = "image-sync.simulated";

    public SimulatedGc ImageGc => Gc ?? SimulatedGc.Off;

    /// <summary>Reads <c>image-sync.simulated</c>: each node's value shaped as <c>image-sync-shapes.simulated-node</c>, and the generated nodes.</summary>
    internal static SimulatedFleetSettings Create(ConfigReader reader, IReadOnlyList<NodeSpec> nodes, GeneratedFleet generated)
    {
        var defaultLatency = reader.Duration($"{Section}.pull-latency", TimeSpan.Zero, TimeSpan.FromHours(1));
        var fleet = generated.NodeSettings(defaultLatency).ToDictionary(n => n.Node, n => n.Settings);
        var rate = reader.Size($"{Section}.transfer-rate", 1, 1L << 40);
        var seed = reader.Int($"{Section}.seed", int.MinValue, int.MaxValue);
        var growth = reader.DoubleOf($"{Section}.disk-growth", reader.Node($"{Section}.disk-growth"), 1, 10);
        var gc = new SimulatedGc(reader.Percent($"{Section}.gc.high-threshold"), reader.Percent($"{Section}.gc.low-threshold"));
        SimulatedFleetSettings Fleet() => new(fleet, seed, rate, growth, gc);
        if (reader.Node($"{Section}.nodes") is not HoconObject configured) return Fleet();

        foreach (var (nodeKey, value) in configured.Fields)
        {
            var at = $"{Section}.nodes.{nodeKey}";
            var node = nodes.FirstOrDefault(n => n.Name.Value == nodeKey);
            if (node is null)
            {
                reader.Problem(at, value, $"'{nodeKey}' is not one of the nodes listed in image-sync.nodes");
                continue;
            }
            if (value is not HoconObject settings)
            {
                reader.Problem(at, value, $"expected an object, found {value.Kind}");
                continue;
            }
            reader.RejectUnknownKeys(at, settings, reader.ShapeKeys("simulated-node"));
            fleet[node.Name] = new SimulatedNodeSettings(
                ReadImages(reader, $"{at}.images", settings["images"]),
                settings["pull-latency"] is null ? defaultLatency : reader.DurationOf($"{at}.pull-latency", settings["pull-latency"], TimeSpan.Zero, TimeSpan.FromHours(1)),
                References(reader, $"{at}.failing", settings["failing"]),
                References(reader, $"{at}.hanging", settings["hanging"]),
                SimulatedFaults.Create(reader, $"{at}.faults", settings["faults"]),
                settings["machine"] is { } machine ? reader.StringOf($"{at}.machine", machine) ?? SimulatedNodeSettings.DefaultMachine : SimulatedNodeSettings.DefaultMachine,
                settings["disk-size"] is { } size ? reader.SizeOf($"{at}.disk-size", size, 0, 1L << 50) : SimulatedNodeSettings.DefaultDiskSize,
                settings["disk-used"] is { } used ? reader.SizeOf($"{at}.disk-used", used, 0, 1L << 50) : 0);
        }
        return Fleet();
    }

    private static List<SimulatedImage> ReadImages(ConfigReader reader, string key, HoconNode? node)
    {
        var images = new List<SimulatedImage>();
        var items = reader.ListOf(key, node);
        for (var i = 0; i < items.Count; i++)
        {
            var at = $"{key}[{i}]";
            if (items[i] is not HoconObject item)
            {
                reader.Problem(at, items[i], "expected { ref = \"...\", size = ... }");
                continue;
            }
            reader.RejectUnknownKeys(at, item, reader.ShapeKeys("simulated-image"));
            var reference = Reference(reader, $"{at}.ref", item["ref"]);
            var size = item["size"] is null ? 0 : reader.LongOf($"{at}.size", item["size"], 0);
            var digest = item["digest"] is null ? null : reader.StringOf($"{at}.digest", item["digest"]);
            if (digest is not null && !ImageRef.TryParse($"example.com/x@{digest}", out _, out _))
                reader.Problem($"{at}.digest", item["digest"], $"'{digest}' is not sha256:<64 lowercase hex>");
            if (reference is not null) images.Add(new SimulatedImage(reference, size, digest));
        }
        return images;
    }

    private static List<ImageRef> References(ConfigReader reader, string key, HoconNode? node) =>
        reader.ListOf(key, node).Select((item, i) => Reference(reader, $"{key}[{i}]", item)).OfType<ImageRef>().ToList();

    private static ImageRef? Reference(ConfigReader reader, string key, HoconNode? node)
    {
        var text = reader.StringOf(key, node);
        if (text is null) return null;
        if (ImageRef.TryParse(text, out var image, out var error)) return image;
        reader.Problem(key, node, $"'{text}' is not an image reference: {error}");
        return null;
    }
}

public enum ConnectFault
{
    None,
    Refused,
    Hang,
    AuthRejected,
    HostKeyMismatch,
}

public enum CheckFault
{
    None,
    Hang,
    Fail,
}

public enum InventoryFault
{
    None,
    Malformed,
    Fail,
    Hang,
}

/// <summary>How a simulated node misbehaves: every way a node, a link or a registry fails an operator.</summary>
/// <param name="PullFailureProbability">Each pull fails (transiently) with this probability.</param>
/// <param name="PullFailsFirst">The first this many pulls of each image fail (transiently).</param>
/// <param name="DropDuringPull">Pulls lose the connection half-way through.</param>
/// <param name="UnreachableAfterInventory">After listing its images the node is gone: every pull finds the connection dropped.</param>
/// <param name="NoCtr">The node has no ctr, as a CRI-O node: it can neither export nor import an image.</param>
/// <param name="DiscardsLayers">Its containerd drops layers once unpacked (<c>discard_unpacked_layers = true</c>): it lists images it cannot export.</param>
public sealed record SimulatedFaults(
    ConnectFault Connect = ConnectFault.None,
    CheckFault Check = CheckFault.None,
    InventoryFault Inventory = InventoryFault.None,
    double PullFailureProbability = 0,
    int PullFailsFirst = 0,
    bool DropDuringPull = false,
    bool UnreachableAfterInventory = false,
    bool NoCtr = false,
    bool DiscardsLayers = false)
{
    public static readonly SimulatedFaults None = new();

    internal static SimulatedFaults Create(ConfigReader reader, string key, HoconNode? node)
    {
        if (node is null) return None;
        if (node is not HoconObject faults)
        {
            reader.Problem(key, node, $"expected an object, found {node.Kind}");
            return None;
        }
        reader.RejectUnknownKeys(key, faults, reader.ShapeKeys("simulated-node.faults"));
        return new SimulatedFaults(
            faults["connect"] is { } connect ? reader.ChoiceOf<ConnectFault>($"{key}.connect", connect) : None.Connect,
            faults["check"] is { } check ? reader.ChoiceOf<CheckFault>($"{key}.check", check) : None.Check,
            faults["inventory"] is { } inventory ? reader.ChoiceOf<InventoryFault>($"{key}.inventory", inventory) : None.Inventory,
            faults["pull-failure-probability"] is { } probability ? reader.DoubleOf($"{key}.pull-failure-probability", probability, 0, 1) : None.PullFailureProbability,
            faults["pull-fails-first"] is { } first ? reader.IntOf($"{key}.pull-fails-first", first, 0, 1000) ?? 0 : None.PullFailsFirst,
            faults["drop-during-pull"] is { } drop ? reader.SwitchOf($"{key}.drop-during-pull", drop) : None.DropDuringPull,
            faults["unreachable-after-inventory"] is { } gone ? reader.SwitchOf($"{key}.unreachable-after-inventory", gone) : None.UnreachableAfterInventory,
            faults["no-ctr"] is { } noCtr ? reader.SwitchOf($"{key}.no-ctr", noCtr) : None.NoCtr,
            faults["discards-unpacked-layers"] is { } discards ? reader.SwitchOf($"{key}.discards-unpacked-layers", discards) : None.DiscardsLayers);
    }
}
