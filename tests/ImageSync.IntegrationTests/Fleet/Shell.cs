using System.Diagnostics;
using System.Text.Json;

namespace ImageSync.IntegrationTests.Fleet;

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public string Output => Stdout + Stderr;

    /// <summary>Stdout as the one JSON document `--json` promises; if it is not, the failure shows what was printed.</summary>
    public JsonDocument JsonReport()
    {
        try
        {
            return JsonDocument.Parse(Stdout);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"stdout is not one JSON document ({e.Message}); exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}");
        }
    }
}

/// <summary>A started program whose output is read as it comes, so a chatty one never blocks on a full pipe.</summary>
public sealed class RunningProcess : IDisposable
{
    // Stopped when the process exits, so Elapsed is its own run time however late the test waits for it.
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    public RunningProcess(ProcessStartInfo info)
    {
        Process = new Process { StartInfo = info };
        Process.Start();
        _stdout = Process.StandardOutput.ReadToEndAsync();
        _stderr = Process.StandardError.ReadToEndAsync();
        // A thread of its own notes the exit: the thread pool of a busy test run may be late to raise Exited.
        new Thread(() =>
        {
            try
            {
                Process.WaitForExit();
                _clock.Stop();
            }
            catch (SystemException)
            {
                // Disposed before it exited: the test killed it and reads no time.
            }
        }) { IsBackground = true }.Start();
    }

    public Process Process { get; }

    public bool HasExited => Process.HasExited;

    /// <summary>Sends a signal by name (TERM, HUP, INT), as an operator's kill would.</summary>
    /// <exception cref="InvalidOperationException">The process ignores the signal, as everything started under nohup or as a script's background job does.</exception>
    public void Signal(string signal)
    {
        if (Ignores(signal))
        {
            throw new InvalidOperationException($"the process ignores SIG{signal}: it inherited that from the tests' own process "
                + "(started under nohup, or as a background job of a script?); run the tests where SIGHUP and SIGINT are not ignored");
        }
        Shell.Require("kill", [$"-{signal}", Process.Id.ToString()]);
    }

    // SigIgn in /proc/PID/status: a hex mask, bit N-1 for signal N (Linux numbers of the signals the tests send by name).
    private bool Ignores(string signal)
    {
        if (!new Dictionary<string, int> { ["HUP"] = 1, ["INT"] = 2, ["TERM"] = 15 }.TryGetValue(signal, out var number)) return false;
        var mask = File.ReadLines($"/proc/{Process.Id}/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))["SigIgn:".Length..].Trim();
        return (Convert.ToUInt64(mask, 16) & (1UL << (number - 1))) != 0;
    }

    public ProcessResult Wait(TimeSpan limit)
    {
        if (!Process.WaitForExit(limit))
        {
            Process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Process.StartInfo.FileName} {string.Join(' ', Process.StartInfo.ArgumentList)} did not finish within {limit}");
        }
        Process.WaitForExit();
        return new ProcessResult(Process.ExitCode, _stdout.Result, _stderr.Result, _clock.Elapsed);
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }
}

/// <summary>Runs helper programs (ssh-keygen, sshd, the CLI).</summary>
public static class Shell
{
    public static ProcessResult Run(string program, IEnumerable<string> arguments, TimeSpan? limit = null)
    {
        using var process = Start(program, arguments);
        return process.Wait(limit ?? TimeSpan.FromSeconds(60));
    }

    public static RunningProcess Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        return new RunningProcess(info);
    }

    public static void Require(string program, IEnumerable<string> arguments)
    {
        var result = Run(program, arguments);
        if (result.ExitCode != 0) throw new InvalidOperationException($"{program} failed ({result.ExitCode}): {result.Output}");
    }
}
