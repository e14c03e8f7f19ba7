namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// A network namespace standing in for a private subnet: its own loopback, which nothing outside can reach, and one
/// veth pair whose inside end (<see cref="Gateway"/>) is the only address the tests' host can reach. An sshd on
/// <see cref="Gateway"/> is a bastion; sshds on the namespace's 127.0.0.1 are nodes only that bastion reaches.
/// Deleting the namespace removes the pair too.
/// </summary>
public sealed class PrivateNetwork : IDisposable
{
    private static int _created;

    public PrivateNetwork()
    {
        var number = Interlocked.Increment(ref _created);
        // Unique among the namespaces of this machine's test processes: interface names hold at most 15 characters.
        var id = $"{Environment.ProcessId % 100_000}x{number}";
        Name = $"isync-{id}";
        var subnet = $"10.{200 + number % 50}.{Environment.ProcessId % 250}";
        Gateway = $"{subnet}.2";
        Shell.Require("ip", ["netns", "add", Name]);
        try
        {
            Shell.Require("ip", ["-n", Name, "link", "set", "lo", "up"]);
            Shell.Require("ip", ["link", "add", $"isy{id}", "type", "veth", "peer", "name", $"isy{id}n", "netns", Name]);
            Shell.Require("ip", ["addr", "add", $"{subnet}.1/30", "dev", $"isy{id}"]);
            Shell.Require("ip", ["link", "set", $"isy{id}", "up"]);
            Shell.Require("ip", ["-n", Name, "addr", "add", $"{Gateway}/30", "dev", $"isy{id}n"]);
            Shell.Require("ip", ["-n", Name, "link", "set", $"isy{id}n", "up"]);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }

    /// <summary>The namespace's address the host reaches.</summary>
    public string Gateway { get; }

    public void Dispose() => Shell.Run("ip", ["netns", "del", Name]);
}
