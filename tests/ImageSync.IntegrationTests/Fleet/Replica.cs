using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageSync.IntegrationTests.Fleet;

/// <summary>One <c>image-sync daemon</c> process of a <see cref="DaemonReplicas"/> set; it can be started, killed, frozen and thawed.</summary>
public sealed partial class Replica : IDisposable
{
    private RunningProcess? _process;

    /// <param name="selfListed">Lists itself beside <paramref name="seeds"/>: a daemon those replicas do not list.</param>
    internal Replica(string name, int port, TestFleet fleet, string seeds, string extraConfig, bool selfListed = false)
    {
        Name = name;
        if (selfListed) seeds += $", \"akka.tcp://image-sync@127.0.0.1:{port}\"";
        Port = port;
        Dir = Path.Combine(fleet.Root, Name);
        Directory.CreateDirectory(Dir);
        MetricsPort = SshdNode.FreePort();
        Shell.Require("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", Name, "-f", ClientKey]);
        foreach (var node in fleet.Nodes) File.AppendAllText(node.AuthorizedKeys, File.ReadAllText(ClientKey + ".pub"));
        KeyFingerprint = Shell.Run("ssh-keygen", ["-l", "-E", "sha256", "-f", ClientKey + ".pub"]).Stdout.Split(' ')[1];
        File.WriteAllText(ConfigFile, $$"""
            include "{{fleet.ConfigFile}}"
            image-sync {
              ssh.key-file = "{{ClientKey}}"
              logs.dir = "{{LogDir}}"
              lock-file = "{{Path.Combine(Dir, "image-sync.lock")}}"
              daemon { interval = 10s, metrics = "127.0.0.1:{{MetricsPort}}" }
              cluster { enabled = on, hostname = 127.0.0.1, port = {{port}}, seed-nodes = [{{seeds}}] }
              {{extraConfig}}
            }
            """);
    }

    public string Name { get; }

    public int Port { get; }

    public int MetricsPort { get; }

    public string Dir { get; }

    public string ConfigFile => Path.Combine(Dir, "image-sync.conf");

    public string LogDir => Path.Combine(Dir, "logs");

    public string ClientKey => Path.Combine(Dir, "client_key");

    public string KeyFingerprint { get; }

    /// <summary>When the test killed it; a sync it left open ends there.</summary>
    public DateTimeOffset? StoppedAt { get; private set; }

    public bool HasExited => _process is { HasExited: true };

    public int Pid => _process?.Process.Id ?? throw new InvalidOperationException($"{Name} was not started");

    public Replica Start()
    {
        _process?.Dispose();
        StoppedAt = null;
        _process = Shell.Start(Repository.Cli, ["daemon", "--config", ConfigFile]);
        return this;
    }

    public void Kill()
    {
        StoppedAt = DateTimeOffset.Now;
        Shell.Require("kill", ["-KILL", Pid.ToString(CultureInfo.InvariantCulture)]);
        _process!.Process.WaitForExit();
    }

    public void Freeze() => Shell.Require("kill", ["-STOP", Pid.ToString(CultureInfo.InvariantCulture)]);

    public void Thaw() => Shell.Require("kill", ["-CONT", Pid.ToString(CultureInfo.InvariantCulture)]);

    public ProcessResult WaitForExit(TimeSpan limit) => _process!.Wait(limit);

    /// <summary>Today's run log, line by line with the time each was written.</summary>
    public IReadOnlyList<(DateTimeOffset At, string Text)> RunLog
    {
        get
        {
            var path = Path.Combine(LogDir, $"image-sync-{DateTime.Now:yyyy-MM-dd}.log");
            if (!File.Exists(path)) return [];
            return [.. File.ReadAllLines(path).Select(l => LogLine().Match(l)).Where(m => m.Success)
                .Select(m => (DateTimeOffset.ParseExact(m.Groups["at"].Value, "yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture), m.Groups["text"].Value))];
        }
    }

    /// <summary>The syncs its run log shows, each from SYNC STARTED to its end line (none while it runs, or when the process died).</summary>
    public IReadOnlyList<(DateTimeOffset Start, DateTimeOffset? End)> Syncs
    {
        get
        {
            var syncs = new List<(DateTimeOffset Start, DateTimeOffset? End)>();
            foreach (var (at, text) in RunLog)
            {
                if (text.StartsWith("SYNC STARTED", StringComparison.Ordinal)) syncs.Add((at, null));
                else if (EndOfSync().IsMatch(text) && syncs.Count > 0 && syncs[^1].End is null) syncs[^1] = (syncs[^1].Start, at);
            }
            return syncs;
        }
    }

    /// <summary>Whether its run log holds a line containing the text, written at or after <paramref name="since"/>.</summary>
    public bool Logged(string text, DateTimeOffset since = default) =>
        RunLog.Any(l => l.At >= since && l.Text.Contains(text, StringComparison.Ordinal));

    /// <summary>Waits (bounded) until its run log holds a line containing the text, written at or after <paramref name="since"/>.</summary>
    public Task<bool> ShowsAsync(string text, TimeSpan within, DateTimeOffset since = default) =>
        Eventually.HoldsAsync(() => Logged(text, since), within);

    /// <summary>Whether its run log says, within the time given, that it became a member of the cluster.</summary>
    public Task<bool> BecomesMemberAsync(TimeSpan within, DateTimeOffset since = default) => ShowsAsync("CLUSTER: this replica is a member", within, since);

    public void Dispose() => _process?.Dispose();

    [GeneratedRegex(@"^(?<at>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d) \[\w+\] (?<text>.*)$")]
    private static partial Regex LogLine();

    [GeneratedRegex(@"^SYNC (COMPLETE|INTERRUPTED|ABORTED)")]
    private static partial Regex EndOfSync();
}
