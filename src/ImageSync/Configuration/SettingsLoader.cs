using System.Reflection;
using System.Text.RegularExpressions;
using ImageSync.Domain;

namespace ImageSync.Configuration;

/// <summary>Everything wrong with a config, one problem per line. The CLI prints it and exits 2.</summary>
public sealed class ConfigException(IReadOnlyList<string> problems)
    : Exception("invalid configuration:" + string.Concat(problems.Select(p => Environment.NewLine + "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Reads a user's HOCON file laid over the reference config (<c>hocon/image-sync.conf</c>, embedded), and
/// validates all of it up front: every bad or unknown key is reported at once, naming the key.
/// </summary>
public static partial class SettingsLoader
{
    internal const string ReferenceName = "reference image-sync.conf";
    private const string Root = "image-sync";
    private static readonly string[] NodeKeys = ["name", "host", "port", "user"];
    private static readonly string[] SimulatedNodeKeys = ["images", "pull-latency", "failing", "hanging", "faults"];
    private static readonly string[] FaultKeys =
        ["connect", "check", "inventory", "pull-failure-probability", "pull-fails-first", "drop-during-pull", "unreachable-after-inventory"];
    private static readonly string[] SimulatedImageKeys = ["ref", "size", "digest"];

    /// <exception cref="ConfigException">The file is missing, unreadable, malformed or invalid.</exception>
    public static ImageSyncSettings Load(string path, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        HoconObject user;
        try
        {
            user = HoconParser.ParseFile(path, environment);
        }
        catch (HoconException e)
        {
            throw new ConfigException([e.Message]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"cannot read config file '{path}': {e.Message}"]);
        }
        return Bind(user, environment);
    }

    /// <exception cref="ConfigException">The text is malformed or invalid.</exception>
    public static ImageSyncSettings Parse(string text, string file = "config", Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        try
        {
            return Bind(HoconParser.Parse(text, file, environment), environment);
        }
        catch (HoconException e)
        {
            throw new ConfigException([e.Message]);
        }
    }

    /// <summary>The reference config text shipped inside the library.</summary>
    public static string ReferenceText()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("ImageSync.reference.conf")
            ?? throw new InvalidOperationException("the reference config is not embedded in this build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static ImageSyncSettings Bind(HoconObject user, Func<string, string?> environment)
    {
        var reference = HoconParser.Parse(ReferenceText(), ReferenceName, environment);
        var reader = new ConfigReader(user.WithFallback(reference));
        RejectUnknownKeys(reader, user, reference, "");

        var home = environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var transport = reader.Choice<TransportKind>($"{Root}.transport");
        var ssh = ReadSsh(reader, home);
        var nodes = ReadNodes(reader, transport);
        var settings = new ImageSyncSettings(
            transport,
            nodes,
            ssh,
            ReadImages(reader),
            ReadPull(reader),
            new LogSettings(
                Path(reader, $"{Root}.logs.dir", home),
                reader.Int($"{Root}.logs.retention-days", 1, 36_500)),
            Path(reader, $"{Root}.lock-file", home),
            reader.Duration($"{Root}.shutdown-grace", TimeSpan.Zero, TimeSpan.FromHours(1)),
            ReadDaemon(reader),
            ReadCluster(reader),
            ReadSimulated(reader, nodes));

        if (reader.Problems.Count > 0) throw new ConfigException(reader.Problems);
        return settings;
    }

    /// <summary>Walks the user's tree beside the reference; an empty object in the reference takes any keys.</summary>
    private static void RejectUnknownKeys(ConfigReader reader, HoconObject user, HoconObject reference, string path)
    {
        reader.RejectUnknownKeys(path, user, reference.Keys.ToList());
        foreach (var (key, value) in user.Fields)
        {
            if (value is HoconObject child && reference[key] is HoconObject known && known.Keys.Any())
                RejectUnknownKeys(reader, child, known, path.Length == 0 ? key : $"{path}.{key}");
        }
    }

    private static SshSettings ReadSsh(ConfigReader reader, string home)
    {
        const string ssh = $"{Root}.ssh";
        var crictl = reader.String($"{ssh}.crictl");
        if (!CommandPattern().IsMatch(crictl))
            reader.Problem($"{ssh}.crictl", reader.Node($"{ssh}.crictl"), $"'{crictl}' is not a command name or absolute path (letters, digits, / . _ -)");
        var passphraseEnv = reader.String($"{ssh}.key-passphrase-env");
        if (passphraseEnv.Length > 0 && !EnvNamePattern().IsMatch(passphraseEnv))
            reader.Problem($"{ssh}.key-passphrase-env", reader.Node($"{ssh}.key-passphrase-env"), $"'{passphraseEnv}' is not an environment variable name");

        return new SshSettings(
            Path(reader, $"{ssh}.key-file", home),
            Path(reader, $"{ssh}.key-passphrase-file", home, allowEmpty: true),
            passphraseEnv,
            Path(reader, $"{ssh}.known-hosts-file", home),
            reader.Choice<HostKeyChecking>($"{ssh}.host-key-checking"),
            reader.Duration($"{ssh}.connect-timeout", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
            reader.Duration($"{ssh}.keepalive", TimeSpan.Zero, TimeSpan.FromHours(1)),
            reader.Duration($"{ssh}.command-timeout", TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            reader.Switch($"{ssh}.sudo"),
            crictl,
            reader.StringList($"{ssh}.kex-algorithms"),
            reader.Int($"{ssh}.max-connecting", 1, 1024));
    }

    private static List<NodeSpec> ReadNodes(ConfigReader reader, TransportKind transport)
    {
        const string key = $"{Root}.nodes";
        var defaultUser = reader.String($"{Root}.ssh.user");
        var defaultPort = reader.Int($"{Root}.ssh.port", 1, 65_535);
        var items = reader.ListOf(key, reader.Node(key));
        if (items.Count == 0 && reader.Node(key) is HoconList or null)
            reader.Problem(key, reader.Node(key), "list at least one node: [ { name = worker-1, host = 10.0.0.11 } ]");

        var nodes = new List<NodeSpec>();
        for (var i = 0; i < items.Count; i++)
        {
            var at = $"{key}[{i}]";
            if (items[i] is not HoconObject item)
            {
                reader.Problem(at, items[i], "expected { name = ..., host = ... }");
                continue;
            }
            reader.RejectUnknownKeys(at, item, NodeKeys);
            var nameText = reader.StringOf($"{at}.name", item["name"]);
            NodeName? name = null;
            if (nameText is not null && !NodeName.TryParse(nameText, out name, out var nameError))
                reader.Problem($"{at}.name", item["name"], $"'{nameText}': {nameError}");

            // The simulated fleet is addressed by name; a host is only needed to reach a real node.
            var host = item["host"] is null && transport == TransportKind.Simulated ? "simulated" : reader.StringOf($"{at}.host", item["host"]);
            if (host is not null && !HostPattern().IsMatch(host))
                reader.Problem($"{at}.host", item["host"], $"'{host}' is not a host name or IP address");
            var port = item["port"] is null ? defaultPort : reader.IntOf($"{at}.port", item["port"], 1, 65_535) ?? defaultPort;
            var user = item["user"] is null ? defaultUser : reader.StringOf($"{at}.user", item["user"]) ?? defaultUser;
            if (!UserPattern().IsMatch(user))
                reader.Problem(item["user"] is null ? $"{Root}.ssh.user" : $"{at}.user", item["user"] ?? reader.Node($"{Root}.ssh.user"), $"'{user}' is not a valid login name");

            if (name is null || host is null) continue;
            if (nodes.Any(n => n.Name == name)) reader.Problem($"{at}.name", item["name"], $"node name '{name}' is listed twice");
            else if (transport == TransportKind.Ssh && nodes.Any(n => n.Host == host && n.Port == port))
                reader.Problem($"{at}.host", item["host"], $"{host}:{port} is already listed as another node");
            else nodes.Add(new NodeSpec(name, host, port, user));
        }
        return nodes;
    }

    private static ImageSettings ReadImages(ConfigReader reader)
    {
        const string images = $"{Root}.images";
        var prefixes = reader.StringList($"{images}.include-prefixes");
        if (prefixes.Count == 0 && reader.Node($"{images}.include-prefixes") is HoconList)
            reader.Problem($"{images}.include-prefixes", reader.Node($"{images}.include-prefixes"),
                "list at least one prefix, e.g. [\"registry.example.com/team/\"] ([\"\"] syncs every image)");
        var limits = new InventoryLimits(
            reader.Size($"{images}.max-inventory-bytes", 1L << 10, 1L << 32),
            reader.Int($"{images}.max-inventory-images", 1, 10_000_000));
        return new ImageSettings(prefixes, reader.StringList($"{images}.exclude"), reader.Switch($"{images}.include-untagged"), limits);
    }

    private static PullSettings ReadPull(ConfigReader reader)
    {
        const string pull = $"{Root}.pull";
        return new PullSettings(
            reader.Duration($"{pull}.timeout", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            reader.Duration($"{pull}.kill-after", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
            reader.Duration($"{pull}.watchdog-grace", TimeSpan.Zero, TimeSpan.FromMinutes(10)),
            reader.Int($"{pull}.max-parallel", 1, 256),
            // sshd refuses an 11th session channel on one connection (MaxSessions 10 by default).
            reader.Int($"{pull}.max-per-node", 1, 10),
            reader.Int($"{pull}.retries", 0, 10),
            reader.Duration($"{pull}.retry-backoff", TimeSpan.Zero, TimeSpan.FromHours(1)),
            reader.Switch($"{pull}.canary"),
            reader.Switch($"{pull}.verify"));
    }

    private static DaemonSettings ReadDaemon(ConfigReader reader)
    {
        const string daemon = $"{Root}.daemon";
        var metrics = reader.String($"{daemon}.metrics");
        if (metrics.Length > 0 && !ListenPattern().IsMatch(metrics))
            reader.Problem($"{daemon}.metrics", reader.Node($"{daemon}.metrics"), $"'{metrics}' is not host:port (e.g. \"127.0.0.1:9464\") or \"\"");
        return new DaemonSettings(reader.Duration($"{daemon}.interval", TimeSpan.FromSeconds(10), TimeSpan.FromDays(7)), metrics);
    }

    private static ClusterSettings ReadCluster(ConfigReader reader)
    {
        const string cluster = $"{Root}.cluster";
        var enabled = reader.Switch($"{cluster}.enabled");
        var hostname = reader.String($"{cluster}.hostname");
        if (!HostPattern().IsMatch(hostname)) reader.Problem($"{cluster}.hostname", reader.Node($"{cluster}.hostname"), $"'{hostname}' is not a host name or IP address");
        var publicHostname = reader.String($"{cluster}.public-hostname");
        if (publicHostname.Length > 0 && !HostPattern().IsMatch(publicHostname))
            reader.Problem($"{cluster}.public-hostname", reader.Node($"{cluster}.public-hostname"), $"'{publicHostname}' is not a host name or IP address");
        var seeds = reader.StringList($"{cluster}.seed-nodes");
        foreach (var (seed, i) in seeds.Select((s, i) => (s, i)).Where(s => !SeedPattern().IsMatch(s.s)))
            reader.Problem($"{cluster}.seed-nodes[{i}]", reader.Node($"{cluster}.seed-nodes"), $"'{seed}' is not an address like akka.tcp://image-sync@10.0.0.5:4053");
        if (enabled && seeds.Count == 0)
            reader.Problem($"{cluster}.seed-nodes", reader.Node($"{cluster}.seed-nodes"), "a cluster needs at least one seed node (list every replica)");
        return new ClusterSettings(enabled, hostname, reader.Int($"{cluster}.port", 0, 65_535), publicHostname, seeds);
    }

    private static SimulatedFleetSettings ReadSimulated(ConfigReader reader, IReadOnlyList<NodeSpec> nodes)
    {
        const string simulated = $"{Root}.simulated";
        var defaultLatency = reader.Duration($"{simulated}.pull-latency", TimeSpan.Zero, TimeSpan.FromHours(1));
        var fleet = new Dictionary<NodeName, SimulatedNodeSettings>();
        if (reader.Node($"{simulated}.nodes") is not HoconObject configured) return new SimulatedFleetSettings(fleet);

        foreach (var (nodeKey, value) in configured.Fields)
        {
            var at = $"{simulated}.nodes.{nodeKey}";
            var node = nodes.FirstOrDefault(n => n.Name.Value == nodeKey);
            if (node is null)
            {
                reader.Problem(at, value, $"'{nodeKey}' is not one of the nodes listed in {Root}.nodes");
                continue;
            }
            if (value is not HoconObject settings)
            {
                reader.Problem(at, value, $"expected an object, found {value.Kind}");
                continue;
            }
            reader.RejectUnknownKeys(at, settings, SimulatedNodeKeys);
            fleet[node.Name] = new SimulatedNodeSettings(
                ReadSimulatedImages(reader, $"{at}.images", settings["images"]),
                settings["pull-latency"] is null ? defaultLatency : reader.DurationOf($"{at}.pull-latency", settings["pull-latency"], TimeSpan.Zero, TimeSpan.FromHours(1)),
                References(reader, $"{at}.failing", settings["failing"]),
                References(reader, $"{at}.hanging", settings["hanging"]),
                ReadFaults(reader, $"{at}.faults", settings["faults"]));
        }
        return new SimulatedFleetSettings(fleet, reader.Int($"{simulated}.seed", int.MinValue, int.MaxValue));
    }

    private static SimulatedFaults ReadFaults(ConfigReader reader, string key, HoconNode? node)
    {
        if (node is null) return SimulatedFaults.None;
        if (node is not HoconObject faults)
        {
            reader.Problem(key, node, $"expected an object, found {node.Kind}");
            return SimulatedFaults.None;
        }
        reader.RejectUnknownKeys(key, faults, FaultKeys);
        var none = SimulatedFaults.None;
        return new SimulatedFaults(
            faults["connect"] is { } connect ? reader.ChoiceOf<ConnectFault>($"{key}.connect", connect) : none.Connect,
            faults["check"] is { } check ? reader.ChoiceOf<CheckFault>($"{key}.check", check) : none.Check,
            faults["inventory"] is { } inventory ? reader.ChoiceOf<InventoryFault>($"{key}.inventory", inventory) : none.Inventory,
            faults["pull-failure-probability"] is { } probability ? reader.DoubleOf($"{key}.pull-failure-probability", probability, 0, 1) : none.PullFailureProbability,
            faults["pull-fails-first"] is { } first ? reader.IntOf($"{key}.pull-fails-first", first, 0, 1000) ?? 0 : none.PullFailsFirst,
            faults["drop-during-pull"] is { } drop ? reader.SwitchOf($"{key}.drop-during-pull", drop) : none.DropDuringPull,
            faults["unreachable-after-inventory"] is { } gone ? reader.SwitchOf($"{key}.unreachable-after-inventory", gone) : none.UnreachableAfterInventory);
    }

    private static List<SimulatedImage> ReadSimulatedImages(ConfigReader reader, string key, HoconNode? node)
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
            reader.RejectUnknownKeys(at, item, SimulatedImageKeys);
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

    private static string Path(ConfigReader reader, string key, string home, bool allowEmpty = false)
    {
        var text = reader.String(key);
        if (text.Length == 0)
        {
            if (!allowEmpty && reader.Node(key) is HoconScalar) reader.Problem(key, reader.Node(key), "must not be empty");
            return text;
        }
        if (text.Contains('\0')) reader.Problem(key, reader.Node(key), "contains a NUL character");
        return text == "~" ? home : text.StartsWith("~/", StringComparison.Ordinal) ? System.IO.Path.Combine(home, text[2..]) : text;
    }

    [GeneratedRegex(@"^[A-Za-z0-9_./-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex CommandPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex EnvNamePattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9._-]{0,31}\z", RegexOptions.CultureInvariant)]
    private static partial Regex UserPattern();

    // A DNS name, an IPv4 address or an IPv6 address; never anything a shell or ssh option could misread.
    [GeneratedRegex(@"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f:.]+)\z", RegexOptions.CultureInvariant)]
    private static partial Regex HostPattern();

    [GeneratedRegex(@"^[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ListenPattern();

    // Replicas must share the actor system's name, image-sync.
    [GeneratedRegex(@"^akka\.tcp://image-sync@[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SeedPattern();
}
