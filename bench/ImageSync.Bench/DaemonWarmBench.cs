using System.Globalization;
using System.Text.RegularExpressions;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.Bench;

/// <summary>
/// Warm connections: the published <c>image-sync daemon</c> over N loopback sshd nodes (<c>bench/fast-crictl</c>,
/// nothing to pull), <c>daemon.interval</c> 40 s by default, with
/// <c>ssh.keep-connections</c> on and then off. For each sync it prints the wall time (the run log's
/// <c>SYNC COMPLETE in</c>), the handshakes (the nodes' sshd logs: <c>Accepted publickey</c>) and the
/// daemon's resident set and threads a moment after the sync.
/// </summary>
internal static partial class DaemonWarmBench
{
    /// <param name="interval">
    /// daemon.interval. Under 30 s the threads SSH.NET's calls run on (<c>BlockingCallThreads</c>, which retire
    /// after 30 s idle) never retire between syncs, as they do under the default 15m.
    /// </param>
    public static void Run(int nodes, int syncs, int interval)
    {
        using var fleet = new TestFleet(nodes);
        fleet.Start($"ssh {{ crictl = \"{Path.Combine(Repository.Root, "bench", "fast-crictl")}\", connect-timeout = 10s }}\ndaemon.interval = {interval}s");
        Console.WriteLine($"daemon-warm: {nodes} sshd nodes, nothing to pull, {syncs} syncs {interval} s apart, keep-connections on, then off");
        var figures = new[] { true, false }.ToDictionary(keep => keep, keep => Measure(fleet, keep, syncs));
        foreach (var (keep, runs) in figures)
        {
            var steady = runs.Skip(1).ToList();
            Console.WriteLine($"daemon-warm: keep-connections {(keep ? "on " : "off")}: first sync {runs[0].Seconds:0.0} s, {runs[0].Handshakes} handshakes; "
                + $"steady syncs median {Harness.Median(steady.Select(r => r.Seconds)):0.0} s [{string.Join(", ", steady.Select(r => r.Seconds.ToString("0.0", CultureInfo.InvariantCulture)))}], "
                + $"handshakes [{string.Join(", ", steady.Select(r => r.Handshakes))}]; resident MiB [{string.Join(", ", runs.Select(r => r.ResidentMiB.ToString("0.0", CultureInfo.InvariantCulture)))}], "
                + $"steady spread {Spread(steady.Select(r => r.ResidentMiB)):0.0} %");
        }
    }

    private static List<Sync> Measure(TestFleet fleet, bool keep, int syncs)
    {
        var logs = Directory.CreateDirectory(Path.Combine(fleet.Root, keep ? "logs-warm" : "logs-cold")).FullName;
        var config = Path.Combine(fleet.Root, keep ? "warm.conf" : "cold.conf");
        File.WriteAllText(config, File.ReadAllText(fleet.ConfigFile)
            + $"\nimage-sync.ssh.keep-connections = {(keep ? "on" : "off")}\nimage-sync.logs.dir = \"{logs}\"\n");
        var runLog = Path.Combine(logs, $"image-sync-{DateTime.Now:yyyy-MM-dd}.log");
        using var daemon = Shell.Start(Repository.Cli, ["daemon", "--config", config]);
        var runs = new List<Sync>();
        var logins = Logins(fleet);
        for (var sync = 1; sync <= syncs; sync++)
        {
            if (!SpinWait.SpinUntil(() => Completed(runLog).Count >= sync, TimeSpan.FromMinutes(3)))
                throw new TimeoutException($"sync {sync} did not complete: see {runLog}");
            // The run's actors (and a cold run's connections) wind down just after the summary is written.
            Thread.Sleep(TimeSpan.FromSeconds(2));
            var now = Logins(fleet);
            runs.Add(new Sync(Completed(runLog)[sync - 1], now - logins, Status(daemon.Process.Id, "VmRSS") / 1024.0, (int)Status(daemon.Process.Id, "Threads")));
            logins = now;
            Console.WriteLine($"  keep-connections {(keep ? "on " : "off")}, sync {sync}: {runs[^1].Seconds:0.0} s, {runs[^1].Handshakes} handshakes, "
                + $"daemon resident {runs[^1].ResidentMiB:0.0} MiB, {runs[^1].Threads} threads");
        }
        daemon.Signal("TERM");
        daemon.Wait(TimeSpan.FromMinutes(1));
        return runs;
    }

    private static int Logins(TestFleet fleet) => fleet.Nodes.Sum(n => n.Logins);

    private static List<double> Completed(string runLog) =>
        File.Exists(runLog)
            ? File.ReadLines(runLog).Select(l => SyncComplete().Match(l)).Where(m => m.Success)
                .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList()
            : [];

    /// <summary>A figure of /proc/PID/status (VmRSS in KiB, Threads).</summary>
    private static long Status(int pid, string field) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal)).Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1],
            CultureInfo.InvariantCulture);

    /// <summary>(max - min) / min, in percent.</summary>
    private static double Spread(IEnumerable<double> values)
    {
        var list = values.ToList();
        return (list.Max() - list.Min()) / list.Min() * 100;
    }

    [GeneratedRegex(@"SYNC COMPLETE in ([0-9.]+)s")]
    private static partial Regex SyncComplete();

    private sealed record Sync(double Seconds, int Handshakes, double ResidentMiB, int Threads);
}
