using System.Net;
using System.Net.Sockets;

namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// A worker node for the tests: a real OpenSSH sshd on 127.0.0.1 with its own host key, config and
/// authorized_keys, whose crictl is the stand-in script with this node's own state directory.
/// </summary>
public sealed partial class SshdNode : IDisposable
{
    private const string Sshd = "/usr/sbin/sshd";
    private readonly string _registryFile;
    private readonly List<string> _sshdOptions = [];
    private readonly List<string> _environment = [];
    private RunningProcess? _process;
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

    /// <summary>How many SSH logins this node has accepted, from its sshd log.</summary>
    public int Logins => File.Exists(SshdLog) ? File.ReadLines(SshdLog).Count(l => l.Contains("Accepted publickey")) : 0;

    /// <summary>How many connections sshd saw (logins or not), from its log.</summary>
    public int Connections => File.Exists(SshdLog) ? File.ReadLines(SshdLog).Count(l => l.Contains("Connection from")) : 0;

    public string KnownHostsLine => $"[{ListenAddress}]:{Port} {string.Join(' ', File.ReadAllText(HostKey + ".pub").Split(' ').Take(2))}";

    /// <summary>Forgets the client's key, as a node whose authorized_keys was rewritten would.</summary>
    public void RevokeClientKey() => File.WriteAllText(AuthorizedKeys, "");

    /// <summary>Kills sshd and every session it runs, as a node that crashed or lost its network would end them.</summary>
    public void Kill()
    {
        foreach (var pid in ProcessTable.TreeOf(_process!.Process.Id)) Shell.Run("kill", ["-KILL", pid.ToString()]);
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
        foreach (var pid in ProcessTable.TreeOf(_process!.Process.Id)) Shell.Run("kill", ["-STOP", pid.ToString()]);
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
        foreach (var pid in ProcessTable.WithEnvironment("CRICTL_STATE", StateDir)) Shell.Run("kill", ["-KILL", pid.ToString()]);
    }
}
