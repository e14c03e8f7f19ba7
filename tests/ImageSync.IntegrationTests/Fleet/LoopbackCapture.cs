using System.Text;

namespace ImageSync.IntegrationTests.Fleet;

/// <summary>What crosses loopback on some TCP ports, captured by tcpdump into a file until disposed.</summary>
public sealed class LoopbackCapture : IDisposable
{
    private readonly RunningProcess _tcpdump;
    private readonly string _file;
    private bool _stopped;

    public LoopbackCapture(string dir, IEnumerable<int> ports)
    {
        _file = Path.Combine(dir, "capture.pcap");
        var filter = string.Join(" or ", ports.Select(p => $"tcp port {p}"));
        _tcpdump = Shell.Start("tcpdump", ["-i", "lo", "-n", "-U", "-s", "0", "-w", _file, filter]);
        // tcpdump says so on stderr once it listens; what it misses before then would go unread.
        if (!Eventually.Holds(() => File.Exists(_file), TimeSpan.FromSeconds(10), every: TimeSpan.FromMilliseconds(50))) throw new TimeoutException("tcpdump never started capturing");
    }

    /// <summary>Stops the capture; every byte it saw, headers and all, as Latin-1 text to search.</summary>
    public string Stop()
    {
        if (!_stopped)
        {
            _stopped = true;
            _tcpdump.Signal("INT");
            _tcpdump.Wait(TimeSpan.FromSeconds(10));
        }
        return Encoding.Latin1.GetString(File.ReadAllBytes(_file));
    }

    public void Dispose()
    {
        if (!_stopped) Stop();
        _tcpdump.Dispose();
    }
}
