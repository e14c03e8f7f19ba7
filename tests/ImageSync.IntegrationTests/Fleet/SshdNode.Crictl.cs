namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// What this node's stand-in crictl holds, how it misbehaves and what it recorded: all of it files in the node's
/// state directory, which the stand-in reads and writes as CRICTL_STATE.
/// </summary>
public sealed partial class SshdNode
{
    /// <summary>The images this node holds now, per the stand-in crictl's state.</summary>
    public IReadOnlyList<string> Images =>
        File.Exists(State("images")) ? File.ReadAllLines(State("images")).Where(l => l.Length > 0).Select(l => l.Split(' ')[0]).Order().ToList() : [];

    /// <summary>Every crictl invocation on this node, in order.</summary>
    public IReadOnlyList<string> CrictlCalls => File.Exists(State("calls.log")) ? File.ReadAllLines(State("calls.log")) : [];

    /// <summary>The crictl calls that read or change images, in order: all but the facts read beside <c>echo ok</c> (at any point of the reading).</summary>
    public IReadOnlyList<string> ImageCalls => CrictlCalls.Where(c => c != "imagefsinfo -o json").ToList();

    /// <summary>When each pull started on this node (the stand-in's clock, Unix time), in order.</summary>
    public IReadOnlyList<DateTimeOffset> PullStarts =>
        File.Exists(State("call-times.log"))
            ? File.ReadAllLines(State("call-times.log"))
                .Select(line => line.Split(' ', 3))
                .Where(fields => fields is [_, "pull", _])
                .Select(fields => DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds(double.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture)))
                .ToList()
            : [];

    /// <summary>
    /// Every pair of pulls of one image on this node that ran at once, by the stand-in's start and end times
    /// (a pull never ended counts as running to the end of the log).
    /// </summary>
    public IReadOnlyList<string> OverlappingPulls()
    {
        if (!File.Exists(State("call-times.log"))) return [];
        var running = new Dictionary<string, int>();
        var found = new List<string>();
        foreach (var fields in File.ReadAllLines(State("call-times.log")).Select(line => line.Split(' ')))
        {
            if (fields is [var at, "pull", var image])
            {
                running[image] = running.GetValueOrDefault(image) + 1;
                if (running[image] > 1) found.Add($"{Name}: a second pull of {image} started at {at} while one ran");
            }
            else if (fields is [_, "ended", "pull", var done]) running[done]--;
        }
        return found;
    }

    /// <summary>Forgets what this node was asked (calls.log and call-times.log), e.g. between benchmark runs.</summary>
    public void ForgetCalls()
    {
        File.Delete(State("calls.log"));
        File.Delete(State("call-times.log"));
    }

    /// <summary>Replaces what this node holds.</summary>
    public void Reset(IEnumerable<string> images) => File.WriteAllLines(State("images"), images.Select(TestFleet.RegistryLine));

    public SshdNode Holding(params string[] images)
    {
        File.AppendAllLines(State("images"), images.Select(TestFleet.RegistryLine));
        return this;
    }

    public SshdNode PullLatency(TimeSpan latency)
    {
        File.WriteAllText(State("latency"), latency.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return this;
    }

    public SshdNode Failing(params string[] images)
    {
        File.AppendAllLines(State("fail"), images);
        return this;
    }

    /// <summary>The first <paramref name="failures"/> pulls of the image fail transiently (Unavailable, EOF).</summary>
    public SshdNode Flaky(string image, int failures)
    {
        File.AppendAllLines(State("flaky"), [$"{image} {failures}"]);
        return this;
    }

    /// <summary>Pulls of these images say they succeeded but add nothing.</summary>
    public SshdNode Phantom(params string[] images)
    {
        File.AppendAllLines(State("phantom"), images);
        return this;
    }

    /// <summary>Holds an image under a digest of the test's choosing, as a node that pulled a moved tag would.</summary>
    public SshdNode HoldingWithDigest(string image, char digest)
    {
        File.AppendAllLines(State("images"), [$"{image} sha256:{new string(digest, 64)} 1000"]);
        return this;
    }

    public SshdNode Hanging(params string[] images)
    {
        File.AppendAllLines(State("hang"), images);
        return this;
    }

    /// <summary>How `crictl images -o json` misbehaves: "truncated", "fail" or "hang".</summary>
    public SshdNode InventoryMode(string mode)
    {
        File.WriteAllText(State("inventory-mode"), mode);
        return this;
    }

    /// <summary>
    /// What `crictl imagefsinfo -o json` prints on this node: "new" (crictl >= 1.29, the default), "old"
    /// (crictl &lt; 1.29's single FsInfo) or "unsupported" (a crictl without the command: exit 3).
    /// </summary>
    public SshdNode ImageFsInfo(string shape)
    {
        File.WriteAllText(State("imagefsinfo"), shape);
        return this;
    }

    /// <summary>The mountpoint `crictl imagefsinfo` reports (default: the state dir), e.g. one with spaces or none at all.</summary>
    public SshdNode ImageFsMountpoint(string path)
    {
        File.WriteAllText(State("imagefs-mountpoint"), path);
        return this;
    }

    private string State(string file) => Path.Combine(StateDir, file);
}
