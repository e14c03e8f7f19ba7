using System.Text.RegularExpressions;

namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// <c>image-sync daemon</c> processes run as cluster replicas over one <see cref="TestFleet"/>, as on separate
/// machines: each has its own config (laid over the fleet's), client key, run logs, lock file and metrics port, and
/// its own certificate for the cluster's mutual TLS, made by the README's <c>deploy/cluster-tls/make-certs.sh</c>.
/// </summary>
public sealed partial class DaemonReplicas : IDisposable
{
    private readonly TestFleet _fleet;
    private readonly string _seeds;

    /// <param name="extraConfig">Lines inside <c>image-sync { }</c> for every replica.</param>
    /// <param name="tls">Off: the replicas run with <c>cluster.tls.enabled = off</c>.</param>
    public DaemonReplicas(TestFleet fleet, int count, string extraConfig = "", bool tls = true)
    {
        _fleet = fleet;
        var ports = Enumerable.Range(0, count).Select(_ => SshdNode.FreePort()).ToList();
        _seeds = string.Join(", ", ports.Select(p => $"\"akka.tcp://image-sync@127.0.0.1:{p}\""));
        var names = Enumerable.Range(1, count).Select(i => $"replica-{i}").ToList();
        if (tls) MakeCertificates(Certificates, names);
        All = [.. ports.Select((port, i) => new Replica(names[i], port, fleet, _seeds, (tls ? TlsConfig(Certificates, names[i]) : NoTls) + extraConfig))];
    }

    /// <summary>Where the replicas' CA and certificates are.</summary>
    public string Certificates => Path.Combine(_fleet.Root, "cluster-tls");

    public IReadOnlyList<Replica> All { get; }

    /// <summary>Another daemon that lists these replicas and itself, with the cluster TLS lines given (not started).</summary>
    public Replica Stranger(string name, string tls) =>
        new(name, SshdNode.FreePort(), _fleet, _seeds, tls, selfListed: true);

    /// <summary>The <c>cluster.tls</c> lines for a replica with the certificate <paramref name="name"/> of the CA in <paramref name="dir"/>.</summary>
    public static string TlsConfig(string dir, string name) =>
        $$"""cluster.tls { certificate = "{{Path.Combine(dir, name + ".crt")}}", key = "{{Path.Combine(dir, name + ".key")}}", ca = "{{Path.Combine(dir, "ca.crt")}}" }""" + "\n";

    public const string NoTls = "cluster.tls.enabled = off\n";

    /// <summary>A CA in <paramref name="dir"/> (made once) and a certificate for each name, as the README has an operator make them.</summary>
    public static void MakeCertificates(string dir, IEnumerable<string> names) =>
        Shell.Require(Path.Combine(Repository.Root, "deploy", "cluster-tls", "make-certs.sh"), [dir, .. names]);

    public Replica this[int number] => All[number - 1];

    /// <summary>The first replica that did not become a member of the cluster within the time given; null when all did.</summary>
    public async Task<Replica?> FirstNotMemberAsync(TimeSpan within)
    {
        foreach (var replica in All)
            if (!await replica.BecomesMemberAsync(within)) return replica;
        return null;
    }

    /// <summary>Waits (bounded) until the run log of any replica holds a line containing the text, written at or after <paramref name="since"/>.</summary>
    public Task<bool> AnyShowsAsync(string text, TimeSpan within, DateTimeOffset since) =>
        Eventually.HoldsAsync(() => All.Any(r => r.Logged(text, since)), within);

    /// <summary>Every replica's run log, each line with its replica and time, for a failing spec to show.</summary>
    public string RunLogs() => string.Join("\n", All.SelectMany(r => r.RunLog.Select(l => $"{r.Name} {l.At:HH:mm:ss.fff} {l.Text}")));

    /// <summary>The replica whose run log started the latest sync.</summary>
    public Replica? LastToSync => All.Where(r => r.Syncs.Count > 0).MaxBy(r => r.Syncs[^1].Start);

    /// <summary>The first sync a replica other than <paramref name="except"/> started after <paramref name="since"/>, if any.</summary>
    public (Replica Replica, DateTimeOffset At)? FirstSyncAfter(DateTimeOffset since, Replica except) =>
        All.Where(r => r != except)
            .SelectMany(r => r.Syncs.Where(s => s.Start > since).Select(s => (r, s.Start)))
            .OrderBy(s => s.Start)
            .Select(s => ((Replica, DateTimeOffset)?)s)
            .FirstOrDefault();

    /// <summary>Every pair of syncs by two replicas whose spans overlap, by their run logs; a killed replica's open sync ends at its kill.</summary>
    public IReadOnlyList<string> OverlappingSyncs()
    {
        var spans = All.SelectMany(r => r.Syncs.Select(s => (Replica: r.Name, s.Start, End: s.End ?? r.StoppedAt ?? DateTimeOffset.MaxValue))).ToList();
        return [.. from a in spans from b in spans
                   where string.CompareOrdinal(a.Replica, b.Replica) < 0 && a.Start < b.End && b.Start < a.End
                   select $"{a.Replica} {a.Start:HH:mm:ss.fff}-{a.End:HH:mm:ss.fff} overlaps {b.Replica} {b.Start:HH:mm:ss.fff}-{b.End:HH:mm:ss.fff}"];
    }

    /// <summary>
    /// Every moment a node's sshd had sessions open from two replicas at once, read in the order sshd logged
    /// them (its log has no times): each connection is told apart by its client port, each replica by its key.
    /// </summary>
    public IReadOnlyList<string> OverlappingSessions()
    {
        var owners = All.ToDictionary(r => r.KeyFingerprint, r => r.Name);
        var found = new List<string>();
        foreach (var node in _fleet.Nodes.Where(n => File.Exists(n.SshdLog)))
        {
            var replicaOf = new Dictionary<string, string>();
            var open = new Dictionary<string, HashSet<string>>();
            foreach (var line in File.ReadLines(node.SshdLog))
            {
                if (AcceptedLine().Match(line) is { Success: true } accepted && owners.TryGetValue(accepted.Groups["key"].Value, out var replica))
                    replicaOf[accepted.Groups["port"].Value] = replica;
                else if (SessionLine().Match(line) is { Success: true } session && replicaOf.TryGetValue(session.Groups["port"].Value, out var owner))
                {
                    var sessions = open.TryGetValue(owner, out var held) ? held : open[owner] = [];
                    var id = $"{session.Groups["port"].Value}/{session.Groups["id"].Value}";
                    if (session.Groups["what"].Value == "Starting") sessions.Add(id);
                    else sessions.Remove(id);
                }
                else if (EndLine().Match(line) is { Success: true } ended && replicaOf.TryGetValue(ended.Groups["port"].Value, out var gone))
                    open[gone].RemoveWhere(id => id.StartsWith(ended.Groups["port"].Value + "/", StringComparison.Ordinal));
                var busy = open.Where(o => o.Value.Count > 0).Select(o => o.Key).ToList();
                if (busy.Count > 1) found.Add($"{node.Name}: sessions of {string.Join(" and ", busy)} open at once, at \"{line}\"");
            }
        }
        return found;
    }

    /// <summary>How far each node's sshd log runs now: <see cref="NodesWithSessions"/> counts from here.</summary>
    public Dictionary<string, int> SshdLogMarks() => _fleet.Nodes.ToDictionary(n => n.Name, n => File.Exists(n.SshdLog) ? File.ReadLines(n.SshdLog).Count() : 0);

    /// <summary>The nodes each replica ran commands on (sshd's "Starting session" lines) after the marks, each replica told apart by its key.</summary>
    public Dictionary<string, HashSet<string>> NodesWithSessions(IReadOnlyDictionary<string, int> marks)
    {
        var owners = All.ToDictionary(r => r.KeyFingerprint, r => r.Name);
        var nodesOf = All.ToDictionary(r => r.Name, _ => new HashSet<string>());
        foreach (var node in _fleet.Nodes.Where(n => File.Exists(n.SshdLog)))
        {
            var replicaOf = new Dictionary<string, string>();
            foreach (var (line, at) in File.ReadLines(node.SshdLog).Select((l, i) => (l, i)))
            {
                if (AcceptedLine().Match(line) is { Success: true } accepted && owners.TryGetValue(accepted.Groups["key"].Value, out var replica))
                    replicaOf[accepted.Groups["port"].Value] = replica;
                else if (at >= marks[node.Name] && SessionLine().Match(line) is { Success: true, Groups: var session } && session["what"].Value == "Starting"
                         && replicaOf.TryGetValue(session["port"].Value, out var owner))
                    nodesOf[owner].Add(node.Name);
            }
        }
        return nodesOf;
    }

    public void Dispose()
    {
        foreach (var replica in All) replica.Dispose();
    }

    [GeneratedRegex(@"^Accepted publickey for \S+ from \S+ port (?<port>\d+) ssh2: \S+ (?<key>SHA256:\S+)")]
    private static partial Regex AcceptedLine();

    [GeneratedRegex(@"^(?<what>Starting|Close) session: .* port (?<port>\d+) id (?<id>\d+)")]
    private static partial Regex SessionLine();

    [GeneratedRegex(@"^(Disconnected from|Connection closed by|Connection reset by|Received disconnect from|Read error from remote host|Timeout, client not responding from) .*?port (?<port>\d+)")]
    private static partial Regex EndLine();
}
