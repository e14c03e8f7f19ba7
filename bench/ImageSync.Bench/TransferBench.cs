using System.Diagnostics;
using System.Text.Json;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.Bench;

/// <summary>
/// Node-to-node copies as shipped: one ~200 MB image held by node-1 of 8 nodes, each with a real containerd,
/// the published <c>image-sync run</c> with copies fanning out, with copies from node-1 only (fan-out off), and
/// with every node pulling from a local registry (registry-only). Prints each one's time, image-sync's peak
/// resident memory during the copies against a no-op run's, and one copy's throughput against plain OpenSSH
/// doing the same (<c>ssh node-1 ctr export | ssh node-2 ctr import</c>).
/// </summary>
internal static class TransferBench
{
    private const int Nodes = 8;
    private const int ImageBytes = 200 << 20;

    public static void Run(int repetitions)
    {
        using var fleet = new TestFleet(Nodes);
        using var registry = new TestRegistry(fleet.Root);
        var containerd = fleet.Nodes.Select(n => new Containerd(n)).ToList();
        try
        {
            var image = TestImages.Build(fleet.Root, "big", ImageBytes);
            var reference = registry.Push(image, "team/big:1");
            containerd[0].Import(image.Archive(reference));
            var crictl = Path.Combine(Repository.Root, "tests", "fleet", "containerd-crictl");
            fleet.Start($$"""
                ssh { crictl = "{{crictl}}", command-timeout = 120s }
                images.include-prefixes = ["{{registry.Host}}/"]
                pull { timeout = 10m, max-parallel = 8, max-per-node = 1 }
                """);
            var configs = new Dictionary<string, string>
            {
                ["copies fanning out (peer-first)"] = Config(fleet, "fan-out", "transfer.mode = peer-first"),
                ["copies from node-1 only (fan-out off)"] = Config(fleet, "one-source", "transfer { mode = peer-first, fan-out = off }"),
                ["every node pulls from the registry"] = Config(fleet, "registry", "transfer.mode = registry-only"),
            };
            Console.WriteLine($"transfer: one {ImageBytes >> 20} MiB image (one random layer) from node-1 to {Nodes - 1} nodes, each with its own containerd; "
                + $"{repetitions} runs each");
            var noOpPeak = PeakResident(fleet.ConfigFile).PeakMiB;
            foreach (var (label, config) in configs)
            {
                var runs = new List<(double Seconds, double PeakMiB, double CopySeconds)>();
                for (var i = 0; i < repetitions; i++)
                {
                    Reset(containerd, reference);
                    runs.Add(PeakResident(config));
                }
                Console.WriteLine($"transfer: {label}: median {Harness.Median(runs.Select(r => r.Seconds)):0.0} s [{string.Join(", ", runs.Select(r => r.Seconds.ToString("0.0")))}], "
                    + $"peak resident {runs.Max(r => r.PeakMiB):0.0} MiB, {runs.Max(r => r.PeakMiB) - noOpPeak:+0.0} MiB above a no-op run's {noOpPeak:0.0} MiB (target <= 64)");
            }
            Throughput(fleet, containerd, reference, repetitions);
        }
        finally
        {
            foreach (var daemon in containerd) daemon.Dispose();
        }
    }

    /// <summary>One copy node-1 to node-2, image-sync against OpenSSH piping the same two ctr commands, alternating.</summary>
    private static void Throughput(TestFleet fleet, List<Containerd> containerd, string reference, int repetitions)
    {
        var pair = Config(fleet, "pair", "transfer.mode = peer-first", fleet.Nodes.Take(2));
        var ssh = $"ssh -F /dev/null -l root -i '{fleet.ClientKey}' -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile='{fleet.KnownHosts}' -o LogLevel=ERROR";
        var pipe = $"{ssh} -p {fleet[1].Port} 127.0.0.1 \"ctr -n k8s.io images export - '{reference}'\" | {ssh} -p {fleet[2].Port} 127.0.0.1 'ctr -n k8s.io images import -'";
        var runs = new Dictionary<string, List<double>> { ["image-sync"] = [], ["openssh"] = [] };
        for (var i = 0; i < repetitions; i++)
        {
            Reset(containerd, reference);
            runs["image-sync"].Add(PeakResident(pair).CopySeconds);
            Reset(containerd, reference);
            var watch = Stopwatch.StartNew();
            var result = Shell.Run("bash", ["-c", pipe], TimeSpan.FromMinutes(10));
            if (result.ExitCode != 0) throw new InvalidOperationException($"the OpenSSH pipe failed: {result.Output}");
            runs["openssh"].Add(watch.Elapsed.TotalSeconds);
        }
        var mine = Harness.Median(runs["image-sync"]);
        var floor = Harness.Median(runs["openssh"]);
        Console.WriteLine($"transfer: one copy node-1 to node-2: image-sync {mine:0.0} s (the copy, by its report: {ImageBytes / mine / (1 << 20):0.0} MiB/s), "
            + $"OpenSSH pipe {floor:0.0} s ({ImageBytes / floor / (1 << 20):0.0} MiB/s): {floor / mine:0.00} of its throughput (target >= 0.8)");
    }

    /// <summary>Runs the published CLI and samples its resident memory every 50 ms.</summary>
    /// <returns>The whole run's time, its peak resident memory, and the longest copy's own time (from the JSON report).</returns>
    private static (double Seconds, double PeakMiB, double CopySeconds) PeakResident(string config)
    {
        var watch = Stopwatch.StartNew();
        using var run = Shell.Start(Repository.Cli, ["run", "--config", config, "--json"]);
        var peak = 0L;
        while (!run.HasExited)
        {
            peak = Math.Max(peak, Resident(run.Process.Id));
            Thread.Sleep(50);
        }
        var result = run.Wait(TimeSpan.FromMinutes(1));
        var seconds = watch.Elapsed.TotalSeconds;
        if (result.ExitCode != 0) throw new InvalidOperationException($"image-sync run exited {result.ExitCode}: {result.Stdout}");
        using var report = JsonDocument.Parse(result.Stdout);
        var copy = report.RootElement.GetProperty("outcomes").EnumerateArray().Select(o => o.GetProperty("durationSeconds").GetDouble()).DefaultIfEmpty().Max();
        return (seconds, peak / 1024.0, copy);
    }

    /// <returns>VmRSS in KiB; 0 once the process is gone.</returns>
    private static long Resident(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Every node but node-1 loses the image again (containerd collects its content).</summary>
    private static void Reset(List<Containerd> containerd, string reference)
    {
        var repository = reference[..reference.LastIndexOf(':')];
        foreach (var node in containerd.Skip(1))
        {
            foreach (var name in node.Images().Keys.Where(n => n.StartsWith(repository, StringComparison.Ordinal))) node.Require("images", "rm", "--sync", name);
        }
    }

    private static string Config(TestFleet fleet, string name, string transfer, IEnumerable<SshdNode>? nodes = null)
    {
        var path = Path.Combine(fleet.Root, $"{name}.conf");
        var only = nodes is null ? "" : $"\nimage-sync.nodes = [ {string.Join(", ", nodes.Select(n => $"{{ name = {n.Name}, host = 127.0.0.1, port = {n.Port} }}"))} ]";
        File.WriteAllText(path, File.ReadAllText(fleet.ConfigFile) + $"\nimage-sync.{transfer.Replace("\n", "\nimage-sync.")}{only}\n");
        return path;
    }
}
