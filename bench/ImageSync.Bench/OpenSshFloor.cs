using System.Diagnostics;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.Bench;

/// <summary>
/// The floor a benchmark measures image-sync against: plain OpenSSH doing the same remote work on the same
/// nodes. One multiplexed connection per node (ControlMaster), all nodes at once; on each, <c>echo ok</c>,
/// <c>crictl images -o json</c>, then the node's pulls through <c>xargs -P max-per-node</c>, each the same
/// <c>timeout --kill-after=K S crictl pull 'IMAGE'</c> command image-sync sends.
/// </summary>
internal sealed class OpenSshFloor
{
    private readonly string _script;

    /// <param name="pulls">What each node pulls (the plan image-sync would make), by node.</param>
    /// <param name="crictl">The stand-in crictl the nodes run, as image-sync's config names it.</param>
    /// <param name="kexAlgorithms">OpenSSH's KexAlgorithms, or empty for its default (post-quantum first, as image-sync's).</param>
    public OpenSshFloor(TestFleet fleet, IReadOnlyDictionary<SshdNode, IReadOnlyList<string>> pulls, int perNode, int timeoutSeconds, int killAfterSeconds,
        string crictl, string kexAlgorithms = "")
    {
        var kex = kexAlgorithms.Length > 0 ? $"-o KexAlgorithms={kexAlgorithms}" : "";
        var dir = Directory.CreateDirectory(Path.Combine(fleet.Root, $"floor{kexAlgorithms}")).FullName;
        foreach (var node in fleet.Nodes) File.WriteAllLines(Path.Combine(dir, $"{node.Name}.pulls"), pulls.GetValueOrDefault(node, []));
        _script = Path.Combine(dir, "floor.sh");
        File.WriteAllText(_script, $$"""
            #!/usr/bin/env bash
            set -eu
            options=(-F /dev/null -l root -i '{{fleet.ClientKey}}' -o IdentitiesOnly=yes -o BatchMode=yes
                     -o StrictHostKeyChecking=yes -o UserKnownHostsFile='{{fleet.KnownHosts}}' -o LogLevel=ERROR {{kex}})
            node() {
              local port=$1 pulls=$2
              local ssh=(ssh "${options[@]}" -o ControlPath='{{dir}}'/cm-$port -p "$port")
              "${ssh[@]}" -M -N -f 127.0.0.1
              "${ssh[@]}" 127.0.0.1 'echo ok' >/dev/null
              "${ssh[@]}" 127.0.0.1 '{{crictl}} images -o json' >/dev/null
              if [ -s "$pulls" ]; then
                xargs -P {{perNode}} -I{} "${ssh[@]}" 127.0.0.1 "timeout --kill-after={{killAfterSeconds}} {{timeoutSeconds}} {{crictl}} pull '{}'" < "$pulls" >/dev/null
              fi
              "${ssh[@]}" -O exit 127.0.0.1 2>/dev/null
            }
            {{string.Join("\n", fleet.Nodes.Select(n => $"node {n.Port} '{Path.Combine(dir, n.Name + ".pulls")}' &"))}}
            wait
            """);
    }

    /// <returns>Seconds from start to the last node done.</returns>
    public double Run()
    {
        var watch = Stopwatch.StartNew();
        var result = Shell.Run("bash", [_script], TimeSpan.FromMinutes(5));
        var seconds = watch.Elapsed.TotalSeconds;
        if (result.ExitCode != 0) throw new InvalidOperationException($"the OpenSSH floor failed ({result.ExitCode}): {result.Output}");
        return seconds;
    }

    /// <summary>image-sync as cron runs it, the published build unless another is named: process start to exit, quiet.</summary>
    public static double RunImageSync(string configFile, string? cli = null, int expectedExitCode = 0)
    {
        var watch = Stopwatch.StartNew();
        var result = Shell.Run(cli ?? Repository.Cli, ["run", "--config", configFile, "--quiet"], TimeSpan.FromMinutes(5));
        var seconds = watch.Elapsed.TotalSeconds;
        if (result.ExitCode != expectedExitCode) throw new InvalidOperationException($"image-sync run exited {result.ExitCode}: {result.Output}");
        return seconds;
    }
}
