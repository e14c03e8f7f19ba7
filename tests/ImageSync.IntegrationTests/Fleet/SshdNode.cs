using System.Net;
using System.Net.Sockets;

namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// A worker node for the tests: a real OpenSSH sshd on 127.0.0.1 with its own host key, config and
/// authorized_keys, whose crictl is the stand-in script with this node's own state directory.
/// </summary>
public sealed class SshdNode : IDisposable
{
    private const string Sshd = "/usr/sbin/sshd";
    private readonly string _registryFile;
    private readonly List<string> _sshdOptions = [];
    private readonly List<string> _environment = [];
    private RunningProcess? _process;
    private bool _binOnPath;
    private PrivateNetwork? _network;

    public SshdNode(string name, string root, string clientPublicKey, string registryFile)
    {
        Name = name;
        Dir = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
        StateDir = Directory.CreateDirectory(Path.Combine(Dir, "state")).FullName;
        Port = FreePort();
        File.WriteAllText(AuthorizedKeys, clientPublicKey);
        Shell.Require("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", HostKey]);
        _registryFile = registryFile;
    }

    public string Name { get; }

    public string Dir { get; }

    public string StateDir { get; }

    public int Port { get; }

    /// <summary>The address sshd listens on: 127.0.0.1, of the tests' host or of its <see cref="PrivateNetwork"/>.</summary>
    public string ListenAddress { get; private set; } = "127.0.0.1";

    public string HostKey => Path.Combine(Dir, "ssh_host_ed25519_key");

    public string AuthorizedKeys => Path.Combine(Dir, "authorized_keys");

    public string SshdLog => Path.Combine(Dir, "sshd.log");

    /// <summary>The images this node holds now, per the stand-in crictl's state.</summary>
    public IReadOnlyList<string> Images =>
        File.Exists(State("images")) ? File.ReadAllLines(State("images")).Where(l => l.Length > 0).Select(l => l.Split(' ')[0]).Order().ToList() : [];

    /// <summary>How many SSH logins this node has accepted, from its sshd log.</summary>
    public int Logins => File.Exists(SshdLog) ? File.ReadLines(SshdLog).Count(l => l.Contains("Accepted publickey")) : 0;

    /// <summary>Every crictl invocation on this node, in order.</summary>
    public IReadOnlyList<string> CrictlCalls => File.Exists(State("calls.log")) ? File.ReadAllLines(State("calls.log")) : [];

    /// <summary>The crictl calls that read or change images, in order: all but the facts read beside <c>echo ok</c> (at any point of the reading).</summary>
    public IReadOnlyList<string> ImageCalls => CrictlCalls.Where(c => c != "imagefsinfo -o json").ToList();

    /// <summary>When each pull started on this node (the stand-in's clock, Unix time), in order.</summary>
    public IReadOnlyList<DateTimeOffset> PullStarts =>
        File.Exists(State("call-times.log"))
            ? File.ReadAllLines(State("call-times.log"))
                .Select(line => line.Split(' ', 3))
                .Where(fields => fields is [_, "pull", _])
                .Select(fields => DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds(double.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture)))
                .ToList()
            : [];

    /// <summary>
    /// Every pair of pulls of one image on this node that ran at once, by the stand-in's start and end times
    /// (a pull never ended counts as running to the end of the log).
    /// </summary>
    public IReadOnlyList<string> OverlappingPulls()
    {
        if (!File.Exists(State("call-times.log"))) return [];
        var running = new Dictionary<string, int>();
        var found = new List<string>();
        foreach (var fields in File.ReadAllLines(State("call-times.log")).Select(line => line.Split(' ')))
        {
            if (fields is [var at, "pull", var image])
            {
                running[image] = running.GetValueOrDefault(image) + 1;
                if (running[image] > 1) found.Add($"{Name}: a second pull of {image} started at {at} while one ran");
            }
            else if (fields is [_, "ended", "pull", var done]) running[done]--;
        }
        return found;
    }

    /// <summary>Forgets what this node was asked (calls.log and call-times.log), e.g. between benchmark runs.</summary>
    public void ForgetCalls()
    {
        File.Delete(State("calls.log"));
        File.Delete(State("call-times.log"));
    }

    /// <summary>Replaces what this node holds.</summary>
    public void Reset(IEnumerable<string> images) => File.WriteAllLines(State("images"), images.Select(TestFleet.RegistryLine));

    public string KnownHostsLine => $"[{ListenAddress}]:{Port} {string.Join(' ', File.ReadAllText(HostKey + ".pub").Split(' ').Take(2))}";

    public SshdNode Holding(params string[] images)
    {
        File.AppendAllLines(State("images"), images.Select(TestFleet.RegistryLine));
        return this;
    }

    public SshdNode PullLatency(TimeSpan latency)
    {
        File.WriteAllText(State("latency"), latency.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return this;
    }

    public SshdNode Failing(params string[] images)
    {
        File.AppendAllLines(State("fail"), images);
        return this;
    }

    /// <summary>The first <paramref name="failures"/> pulls of the image fail transiently (Unavailable, EOF).</summary>
    public SshdNode Flaky(string image, int failures)
    {
        File.AppendAllLines(State("flaky"), [$"{image} {failures}"]);
        return this;
    }

    /// <summary>Pulls of these images say they succeeded but add nothing.</summary>
    public SshdNode Phantom(params string[] images)
    {
        File.AppendAllLines(State("phantom"), images);
        return this;
    }

    /// <summary>Holds an image under a digest of the test's choosing, as a node that pulled a moved tag would.</summary>
    public SshdNode HoldingWithDigest(string image, char digest)
    {
        File.AppendAllLines(State("images"), [$"{image} sha256:{new string(digest, 64)} 1000"]);
        return this;
    }

    public SshdNode Hanging(params string[] images)
    {
        File.AppendAllLines(State("hang"), images);
        return this;
    }

    /// <summary>How `crictl images -o json` misbehaves: "truncated", "fail" or "hang".</summary>
    public SshdNode InventoryMode(string mode)
    {
        File.WriteAllText(State("inventory-mode"), mode);
        return this;
    }

    /// <summary>
    /// What `crictl imagefsinfo -o json` prints on this node: "new" (crictl >= 1.29, the default), "old"
    /// (crictl &lt; 1.29's single FsInfo) or "unsupported" (a crictl without the command: exit 3).
    /// </summary>
    public SshdNode ImageFsInfo(string shape)
    {
        File.WriteAllText(State("imagefsinfo"), shape);
        return this;
    }

    /// <summary>The mountpoint `crictl imagefsinfo` reports (default: the state dir), e.g. one with spaces or none at all.</summary>
    public SshdNode ImageFsMountpoint(string path)
    {
        File.WriteAllText(State("imagefs-mountpoint"), path);
        return this;
    }

    /// <summary>
    /// Makes this node report another machine (uname -m), e.g. "aarch64", as a node of a mixed fleet would:
    /// a `uname` stand-in in the node's bin directory, first on the PATH of every command the node runs
    /// (sshd's SetEnv PATH reaches them; so before <see cref="Start"/>). Any other uname question gets the
    /// real answer.
    /// </summary>
    public SshdNode Architecture(string machine) =>
        WithProgram("uname", $"""
            #!/bin/sh
            # {Name}'s uname (SshdNode.Architecture): {machine} as the machine, the real uname for the rest.
            case "$*" in
              -m) echo '{machine}' ;;
              -sm|-ms|"-s -m"|"-m -s") echo 'Linux {machine}' ;;
              *) exec /bin/uname "$@" ;;
            esac

            """);

    /// <summary>
    /// Makes this node report a machine-id of the test's choosing (a `cat` stand-in first on the node's PATH answers for
    /// /etc/machine-id alone; so before <see cref="Start"/>); <see cref="NewMachine"/> changes it later.
    /// </summary>
    public SshdNode MachineId(string id)
    {
        File.WriteAllText(Path.Combine(Dir, "machine-id"), id + "\n");
        return WithProgram("cat", $"""
            #!/bin/sh
            # {Name}'s cat (SshdNode.MachineId): the machine-id the test gives this node, the real cat for the rest.
            [ "$*" = /etc/machine-id ] && exec /bin/cat '{Path.Combine(Dir, "machine-id")}'
            exec /bin/cat "$@"

            """);
    }

    /// <summary>
    /// Another machine takes this node's name (re-imaged, replaced): a new machine-id (see <see cref="MachineId"/>) and an
    /// empty image store, whose directory is made anew (a new inode and birth time), as a wiped runtime store's is.
    /// </summary>
    public void NewMachine(string machineId)
    {
        File.WriteAllText(Path.Combine(Dir, "machine-id"), machineId + "\n");
        Directory.Delete(StateDir, recursive: true);
        Directory.CreateDirectory(StateDir);
    }

    /// <summary>
    /// A program of the test's own in the node's bin directory, first on the PATH of every command the node runs
    /// (sshd's SetEnv PATH reaches them; so before <see cref="Start"/>), e.g. a ctr that misbehaves in one way.
    /// </summary>
    public SshdNode WithProgram(string name, string script)
    {
        if (_process is not null && !_binOnPath) throw new InvalidOperationException($"{Name}: programs must be added before Start (it changes PATH)");
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(Dir, "bin")).FullName, name);
        File.WriteAllText(path, script);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        _binOnPath = true;
        return this;
    }

    /// <summary>Forgets the client's key, as a node whose authorized_keys was rewritten would.</summary>
    public void RevokeClientKey() => File.WriteAllText(AuthorizedKeys, "");

    /// <summary>Kills sshd and every session it runs, as a node that crashed or lost its network would end them.</summary>
    public void Kill()
    {
        foreach (var pid in ProcessTree(_process!.Process.Id)) Shell.Run("kill", ["-KILL", pid.ToString()]);
    }

    /// <summary>Kills sshd with its sessions and starts it again on the same port, as a restarted sshd (or a rebooted node) would.</summary>
    public void Restart()
    {
        var killed = _process!;
        Kill();
        if (!killed.Process.WaitForExit(TimeSpan.FromSeconds(10))) throw new TimeoutException($"sshd for {Name} outlived SIGKILL");
        killed.Dispose();
        Start();
    }

    /// <summary>Stops sshd and every process it started (sessions, crictl) with SIGSTOP: the node is frozen, not gone.</summary>
    public void Freeze()
    {
        // Short-lived processes of the tree may end while it is walked; only sshd itself must be stopped.
        foreach (var pid in ProcessTree(_process!.Process.Id)) Shell.Run("kill", ["-STOP", pid.ToString()]);
        Shell.Require("kill", ["-STOP", _process.Process.Id.ToString()]);
    }

    /// <summary>Replaces the host key, as a reinstalled (or impersonated) node would present.</summary>
    public void ChangeHostKey()
    {
        File.Delete(HostKey);
        File.Delete(HostKey + ".pub");
        Shell.Require("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", Name + "-new", "-f", HostKey]);
    }

    /// <summary>
    /// Has sshd present a certificate of its host key (before <see cref="Start"/>), signed by the CA key at
    /// <paramref name="caKey"/> with ssh-keygen's own signing options, e.g. "-h", "-n", "node-1,127.0.0.1".
    /// </summary>
    public SshdNode PresentingCertificate(string caKey, params string[] signing)
    {
        Shell.Require("ssh-keygen", ["-q", "-s", caKey, "-I", Name, .. signing, HostKey + ".pub"]);
        return WithSshd($"HostCertificate {HostKey}-cert.pub");
    }

    public string HostKeyFingerprint() => Shell.Run("ssh-keygen", ["-l", "-E", "sha256", "-f", HostKey + ".pub"]).Stdout.Split(' ')[1];

    /// <summary>Sets a variable in the environment of every command the node runs (before <see cref="Start"/>).</summary>
    public SshdNode WithEnvironment(string name, string value)
    {
        _environment.Add($"{name}={value}");
        return this;
    }

    /// <summary>Adds a line to this node's sshd_config (before <see cref="Start"/>), e.g. "MaxSessions 1".</summary>
    public SshdNode WithSshd(string option)
    {
        _sshdOptions.Add(option);
        return this;
    }

    /// <summary>Runs sshd inside the network (before <see cref="Start"/>), on its loopback or on its gateway address.</summary>
    public SshdNode Inside(PrivateNetwork network, bool onGateway = false)
    {
        _network = network;
        ListenAddress = onGateway ? network.Gateway : "127.0.0.1";
        return this;
    }

    /// <summary>How many connections sshd saw (logins or not), from its log.</summary>
    public int Connections => File.Exists(SshdLog) ? File.ReadLines(SshdLog).Count(l => l.Contains("Connection from")) : 0;

    public void Start()
    {
        WriteSshdConfig();
        Directory.CreateDirectory("/run/sshd");
        string[] sshd = [Sshd, "-D", "-f", Path.Combine(Dir, "sshd_config"), "-E", SshdLog];
        // ip netns exec execs sshd itself, so the process is sshd's as without it.
        _process = _network is null ? Shell.Start(sshd[0], sshd[1..]) : Shell.Start("ip", ["netns", "exec", _network.Name, .. sshd]);
        if (!Eventually.Holds(() => _process.HasExited || (_network is null ? AnswersSsh() : LogsListening()), TimeSpan.FromSeconds(10), every: TimeSpan.FromMilliseconds(50)))
            throw new TimeoutException($"sshd for {Name} is not answering on port {Port}");
        if (_process.HasExited) throw new InvalidOperationException($"sshd for {Name} exited: {File.ReadAllText(SshdLog)}");
    }

    private void WriteSshdConfig()
    {
        // HOME points into the node's own directory: bash sources ~/.bashrc for commands run by sshd, and
        // the tests must not depend on (or disturb) the login files of whoever runs them.
        File.WriteAllText(Path.Combine(Dir, "sshd_config"), $"""
            Port {Port}
            ListenAddress {ListenAddress}
            HostKey {HostKey}
            PidFile {Dir}/sshd.pid
            AuthorizedKeysFile {AuthorizedKeys}
            PermitRootLogin prohibit-password
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            LogLevel VERBOSE
            SetEnv HOME={Dir} CRICTL_STATE={StateDir} CRICTL_REGISTRY={_registryFile} {string.Join(' ', _environment)}{PathSetting}
            {string.Join("\n", _sshdOptions)}
            """);
    }

    /// <summary>
    /// The node's bin directory first on PATH, when it has one. SetEnv replaces the PATH sshd gives a root
    /// session rather than adding to it, so that PATH follows the node's own.
    /// </summary>
    private string PathSetting => _binOnPath ? $" PATH={Path.Combine(Dir, "bin")}:{DefaultSessionPath}" : "";

    /// <summary>The PATH Debian's sshd gives a root session (its SUPERUSER_PATH), when SetEnv does not set one.</summary>
    public const string DefaultSessionPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>Inside a private network the tests cannot connect to sshd: they read that it listens.</summary>
    private bool LogsListening() => File.Exists(SshdLog) && File.ReadLines(SshdLog).Any(l => l.Contains("Server listening on"));

    private bool AnswersSsh()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            var banner = new byte[4];
            return client.GetStream().ReadAtLeast(banner, 4, throwOnEndOfStream: false) == 4 && banner.AsSpan().SequenceEqual("SSH-"u8);
        }
        // A connection reset while sshd (re)starts on the port is "not yet", as a refused one is.
        catch (Exception e) when (e is SocketException or IOException)
        {
            return false;
        }
    }

    private string State(string file) => Path.Combine(StateDir, file);

    /// <summary>A process and all its descendants, read from /proc.</summary>
    private static List<int> ProcessTree(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }
        var tree = new List<int> { root };
        for (var i = 0; i < tree.Count; i++) tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        return tree;
    }

    private static readonly HashSet<int> PortsGiven = [];

    /// <summary>A port free now and not given to another node or test of this process (the OS may offer a freed port again).</summary>
    public static int FreePort()
    {
        while (true)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (PortsGiven)
            {
                if (PortsGiven.Add(port)) return port;
            }
        }
    }

    public void Dispose()
    {
        _process?.Dispose();
        _process = null;
        KillStragglers();
    }

    /// <summary>
    /// Kills what this node's sessions left behind (a hanging stand-in crictl outlives its session when the
    /// remote `timeout` is not there to end it): every process whose environment points at this node's state.
    /// </summary>
    private void KillStragglers()
    {
        var marker = System.Text.Encoding.UTF8.GetBytes($"CRICTL_STATE={StateDir}\0");
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllBytes(Path.Combine(dir, "environ")).AsSpan().IndexOf(marker) >= 0)
                    Shell.Run("kill", ["-KILL", pid.ToString()]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }
    }
}
