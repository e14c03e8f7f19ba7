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
    public void Signal(string signal) => Shell.Require("kill", [$"-{signal}", Process.Id.ToString()]);

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
