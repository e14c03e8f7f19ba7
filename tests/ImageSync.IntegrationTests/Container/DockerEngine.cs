using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests.Container;

/// <summary>
/// The Docker engine the container specs build and run on: the one that answers on the default socket, or a
/// dockerd started here (as the specs start sshd) and stopped again at the end, its images kept for the next run.
/// Container specs of two test runs on one machine take turns through a file lock, so that neither stops the
/// dockerd the other builds on, nor meets the other's demo fleet.
/// </summary>
public sealed class DockerEngine : IDisposable
{
    private const string TurnFile = "/run/image-sync-tests/docker.lock";
    private static readonly TimeSpan LongestTurn = TimeSpan.FromMinutes(45);
    private readonly FileStream _turn;
    private readonly RunningProcess? _dockerd;

    public DockerEngine(string logDir)
    {
        _turn = TakeTurn();
        try
        {
            if (Run(["version"]).ExitCode != 0) _dockerd = StartDockerd(Path.Combine(logDir, "dockerd.log"));
        }
        catch
        {
            _turn.Dispose();
            throw;
        }
    }

    /// <summary>Runs the docker CLI; a build or a pull of nothing may take minutes.</summary>
    public ProcessResult Run(IEnumerable<string> arguments, TimeSpan? limit = null) => Shell.Run("docker", arguments, limit ?? TimeSpan.FromMinutes(2));

    /// <returns>What the command printed on stdout, trimmed.</returns>
    /// <exception cref="InvalidOperationException">It failed: its exit code and output are the message.</exception>
    public string Require(IEnumerable<string> arguments, TimeSpan? limit = null)
    {
        var list = arguments.ToList();
        var result = Run(list, limit);
        if (result.ExitCode != 0) throw new InvalidOperationException($"docker {string.Join(' ', list.Select(Shortened))} failed ({result.ExitCode}):\n{result.Output}");
        return result.Stdout.Trim();
    }

    /// <summary>An argument as a failure shows it: a long one (EXTRA_CA_CERTS=… holds whole certificates) cut short.</summary>
    private static string Shortened(string argument) => argument.Length <= 120 ? argument : $"{argument[..60]}… ({argument.Length} characters)";

    public bool HasImage(string reference) => Run(["image", "inspect", reference]).ExitCode == 0;

    public void Dispose()
    {
        if (_dockerd is not null)
        {
            // SIGTERM: dockerd stops what still runs and its containerd, then exits.
            _dockerd.Signal("TERM");
            if (!_dockerd.Process.WaitForExit(TimeSpan.FromMinutes(1))) _dockerd.Dispose();
        }
        _turn.Dispose();
    }

    private static FileStream TakeTurn()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(TurnFile)!);
        FileStream? turn = null;
        // FileShare.None is an exclusive flock on Linux: another test run's container specs hold it until they end.
        if (!Eventually.Holds(() => (turn = TryOpen()) is not null, LongestTurn, every: TimeSpan.FromSeconds(1)))
            throw new TimeoutException($"another test run held {TurnFile} (the Docker engine's turn) for {LongestTurn}");
        return turn!;

        static FileStream? TryOpen()
        {
            try
            {
                return new FileStream(TurnFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    private RunningProcess StartDockerd(string log)
    {
        var dockerd = Shell.Start("bash", ["-c", $"exec dockerd >> '{log}' 2>&1"]);
        if (!Eventually.Holds(() => dockerd.HasExited || Run(["version"]).ExitCode == 0, TimeSpan.FromMinutes(1), every: TimeSpan.FromMilliseconds(500)))
            throw new TimeoutException($"dockerd is not answering after a minute: {File.ReadAllText(log)}");
        if (dockerd.HasExited) throw new InvalidOperationException($"dockerd exited: {File.ReadAllText(log)}");
        return dockerd;
    }
}
