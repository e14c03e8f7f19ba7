using System.Security.Cryptography;
using System.Text;

namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// Several <see cref="SshdNode"/>s, a client key, a known_hosts file, a shared "registry" the stand-in
/// crictl pulls from, and the CLI config that ties them together. Everything lives in one temp directory.
/// </summary>
public sealed class TestFleet : IDisposable
{
    public const string Prefix = "registry.example.com/team/";

    /// <param name="keyType">The client key's type, as ssh-keygen -t takes it.</param>
    /// <param name="passphrase">Encrypts the client key when not empty.</param>
    /// <param name="helperCrictl">
    /// When given, every node forces the node helper on the client's key and is logged in to as the unprivileged
    /// <see cref="HelperLogin.User"/>, with this crictl (<see cref="HelperLogin"/>); the config sets <c>ssh.node-helper = on</c>.
    /// </param>
    public TestFleet(int nodes, string keyType = "ed25519", string passphrase = "", string? helperCrictl = null)
    {
        if (Environment.UserName != "root") throw new InvalidOperationException("the integration tests start sshd and log in as root: run them as root");
        Root = Directory.CreateTempSubdirectory("image-sync-it-").FullName;
        Shell.Require("ssh-keygen", ["-q", "-t", keyType, "-N", passphrase, "-C", "image-sync-tests", "-f", ClientKey]);
        File.WriteAllText(Registry, "");
        Nodes = Enumerable.Range(1, nodes)
            .Select(i => new SshdNode($"node-{i}", Root, File.ReadAllText(ClientKey + ".pub"), Registry))
            .ToList();
        ThroughHelper = helperCrictl is not null;
        if (helperCrictl is null) return;
        foreach (var node in Nodes) HelperLogin.Install(node, Root, helperCrictl);
    }

    /// <summary>The nodes run the helper as a forced command for an unprivileged login (see the constructor).</summary>
    public bool ThroughHelper { get; }

    /// <summary>Who the client logs in as.</summary>
    public string User => ThroughHelper ? HelperLogin.User : "root";

    public string Root { get; }

    public IReadOnlyList<SshdNode> Nodes { get; }

    public string ClientKey => Path.Combine(Root, "client_key");

    public string KnownHosts => Path.Combine(Root, "known_hosts");

    public string Registry => Path.Combine(Root, "registry");

    public string LogDir => Path.Combine(Root, "logs");

    public string LockFile => Path.Combine(Root, "image-sync.lock");

    /// <summary>What runs pulled where (state-file): the fleet's own, so no test sees another's history.</summary>
    public string StateFile => Path.Combine(Root, "pulled-images.json");

    public string ConfigFile => Path.Combine(Root, "image-sync.conf");

    public SshdNode this[int number] => Nodes[number - 1];

    /// <summary>A registry line for an image: the stand-in crictl's digest is derived from the name, so every node agrees.</summary>
    /// <summary>The image's line in the registry and a node's state; an image named by digest keeps that digest.</summary>
    public static string RegistryLine(string image) =>
        $"{image} {(image.Split('@') is [_, var digest] ? digest : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(image))))} {1_000_000 + image.Length}";

    /// <summary>Makes the registry serve these images.</summary>
    public TestFleet Serving(params string[] images)
    {
        File.AppendAllLines(Registry, images.Select(RegistryLine));
        return this;
    }

    /// <summary>Starts every sshd, writes known_hosts with their keys, and writes the CLI config.</summary>
    public TestFleet Start(string extraConfig = "")
    {
        foreach (var node in Nodes) node.Start();
        File.WriteAllLines(KnownHosts, Nodes.Select(n => n.KnownHostsLine));
        File.WriteAllText(ConfigFile, $$"""
            image-sync {
              nodes = [ {{string.Join(", ", Nodes.Select(n => $"{{ name = {n.Name}, host = 127.0.0.1, port = {n.Port} }}"))}} ]
              ssh {
                user = {{User}}
                node-helper = {{(ThroughHelper ? "on" : "off")}}
                key-file = "{{ClientKey}}"
                known-hosts-file = "{{KnownHosts}}"
                crictl = "{{Repository.Crictl}}"
                connect-timeout = 5s
                command-timeout = 10s
              }
              images.include-prefixes = ["{{Prefix}}"]
              pull { timeout = 5s, kill-after = 1s, watchdog-grace = 2s, max-parallel = 4, max-per-node = 2, retries = 0, retry-backoff = 1s }
              transfer.mode = registry-only
              logs.dir = "{{LogDir}}"
              lock-file = "{{LockFile}}"
              state-file = "{{StateFile}}"
              {{extraConfig}}
            }
            """);
        return this;
    }

    public ProcessResult Run(params string[] arguments) =>
        Shell.Run(Repository.Cli, arguments.Length > 0 ? arguments : ["run", "--config", ConfigFile], TimeSpan.FromSeconds(90));

    /// <summary>Runs the CLI with extra environment variables.</summary>
    public ProcessResult RunWith(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        using var process = Shell.Start(Repository.Cli, arguments.Length > 0 ? arguments : ["run", "--config", ConfigFile], environment);
        return process.Wait(TimeSpan.FromSeconds(90));
    }

    /// <summary>
    /// Runs a shell command on a node over real ssh with the fleet's key and known_hosts, as image-sync's
    /// session does: the command goes through root's login shell (bash) with the environment sshd sets; the
    /// ssh config and agent of whoever runs the tests play no part.
    /// </summary>
    public ProcessResult Ssh(SshdNode node, string command, TimeSpan? limit = null) =>
        Shell.Run("ssh", ["-F", "/dev/null", "-i", ClientKey, "-o", "IdentitiesOnly=yes", "-p", node.Port.ToString(), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
            "-o", $"UserKnownHostsFile={KnownHosts}", "-o", "LogLevel=ERROR", $"{User}@127.0.0.1", command], limit ?? TimeSpan.FromSeconds(60));

    /// <summary>Rewrites known_hosts, e.g. to leave it empty or to hash its entries.</summary>
    public void WriteKnownHosts(IEnumerable<string> lines) => File.WriteAllLines(KnownHosts, lines);

    public RunningProcess StartRun() => Shell.Start(Repository.Cli, ["run", "--config", ConfigFile]);

    /// <summary>Starts `image-sync daemon` on the fleet's config, with extra environment variables if given.</summary>
    public RunningProcess StartDaemon(IReadOnlyDictionary<string, string>? environment = null) =>
        Shell.Start(Repository.Cli, ["daemon", "--config", ConfigFile], environment);

    /// <summary>Waits (bounded) until the run log holds a line containing the text.</summary>
    public Task<bool> RunLogShowsAsync(string text, TimeSpan within) =>
        Eventually.HoldsAsync(() => DayFile("image-sync").Any(l => l.Contains(text)), within);

    /// <summary>Today's day file of the given kind, as lines; none when it was not written.</summary>
    public IReadOnlyList<string> DayFile(string stem)
    {
        var path = Path.Combine(LogDir, $"{stem}-{DateTime.Now:yyyy-MM-dd}.log");
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    public void Dispose()
    {
        foreach (var node in Nodes) node.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A straggling process still holds a file; the OS cleans temp.
        }
    }
}
