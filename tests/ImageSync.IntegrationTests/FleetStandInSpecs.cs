using System.Globalization;
using System.Text.Json;
using ImageSync.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace ImageSync.IntegrationTests;

/// <summary>
/// The fleet's stand-ins for a node's facts (crictl imagefsinfo, df, uname), checked over real ssh as image-sync's
/// session would ask them, so that the product's tests of issue 19 test the product and not the fleet.
/// </summary>
public sealed class FleetStandInSpecs(ITestOutputHelper output) : IDisposable
{
    private static readonly string FastCrictl = Path.Combine(Repository.Root, "bench", "fast-crictl");

    private readonly Owned _owned = new();

    [Fact]
    public void Should_answer_imagefsinfo_in_crictl_s_new_and_old_shapes_and_leave_a_mountpoint_that_df_reads()
    {
        var fleet = _owned.Add(new TestFleet(nodes: 2));
        fleet.Serving(TestFleet.Prefix + "api:1", TestFleet.Prefix + "web:1");
        fleet[1].Holding(TestFleet.Prefix + "api:1", TestFleet.Prefix + "web:1");
        fleet[2].Holding(TestFleet.Prefix + "api:1").ImageFsInfo("old");
        fleet.Start();

        var expectedUsed = fleet[1].Images.Sum(image => long.Parse(TestFleet.RegistryLine(image).Split(' ')[2], CultureInfo.InvariantCulture));
        var newer = fleet.Ssh(fleet[1], $"{Repository.Crictl} imagefsinfo -o json");
        Assert.True(newer.ExitCode == 0, newer.Output);
        Assert.StartsWith("{\n  \"status\": {\n    \"imageFilesystems\": [\n      {\n        \"timestamp\": \"", newer.Stdout);
        using (var json = JsonDocument.Parse(newer.Stdout))
        {
            var status = json.RootElement.GetProperty("status");
            foreach (var kind in new[] { "imageFilesystems", "containerFilesystems" })
            {
                var fs = Assert.Single(status.GetProperty(kind).EnumerateArray());
                Assert.Equal(fleet[1].StateDir, fs.GetProperty("fsId").GetProperty("mountpoint").GetString());
                Assert.Equal(expectedUsed.ToString(CultureInfo.InvariantCulture), fs.GetProperty("usedBytes").GetProperty("value").GetString());
                Assert.Equal("2", fs.GetProperty("inodesUsed").GetProperty("value").GetString());
                Assert.InRange(long.Parse(fs.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture) / 1_000_000_000,
                    DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
            }
        }

        var older = fleet.Ssh(fleet[2], $"{Repository.Crictl} imagefsinfo -o json");
        Assert.True(older.ExitCode == 0, older.Output);
        Assert.StartsWith("{\n  \"status\": {\n    \"timestamp\": \"", older.Stdout);
        using (var json = JsonDocument.Parse(older.Stdout))
        {
            var status = json.RootElement.GetProperty("status");
            Assert.Equal(fleet[2].StateDir, status.GetProperty("fsId").GetProperty("mountpoint").GetString());
            Assert.Equal(TestFleet.RegistryLine(TestFleet.Prefix + "api:1").Split(' ')[2], status.GetProperty("usedBytes").GetProperty("value").GetString());
            Assert.False(status.TryGetProperty("imageFilesystems", out _));
        }

        foreach (var node in fleet.Nodes)
        {
            var facts = fleet.Ssh(node, FactsScript.For(Repository.Crictl));
            output.WriteLine($"{node.Name}:\n{facts.Stdout}");
            Assert.True(facts.ExitCode == 0, facts.Output);
            var lines = facts.Stdout.TrimEnd('\n').Split('\n');
            Assert.Equal(["ok", $"Linux {Shell.Run("uname", ["-m"]).Stdout.Trim()}"], lines[..2]);
            Assert.StartsWith("Filesystem 1-blocks Used Available Capacity Mounted on", string.Join(' ', lines[^2].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
            Assert.Equal(DiskUsage.Of(node.StateDir).Size, DiskUsage.Parse(string.Join('\n', lines[^2..])).Size);
        }
    }

    [Fact]
    public void Should_fail_imagefsinfo_as_a_crictl_without_the_command_does_and_let_the_script_go_on()
    {
        var fleet = _owned.Add(new TestFleet(nodes: 1));
        fleet[1].ImageFsInfo("unsupported");
        fleet.Start();

        var alone = fleet.Ssh(fleet[1], $"{Repository.Crictl} imagefsinfo -o json");
        var script = fleet.Ssh(fleet[1], $"echo ok; {Repository.Crictl} imagefsinfo -o json; echo \"exit $?\"; {Repository.Crictl} images -o json");

        Assert.Equal((3, "", "No help topic for 'imagefsinfo'\n"), (alone.ExitCode, alone.Stdout, alone.Stderr));
        Assert.True(script.ExitCode == 0, script.Output);
        Assert.StartsWith("ok\nexit 3\n{\"images\":[", script.Stdout);
    }

    [Fact]
    public void Should_report_the_mountpoint_a_test_chooses_with_spaces_or_missing_so_df_reads_it_or_fails()
    {
        var fleet = _owned.Add(new TestFleet(nodes: 2));
        var spaced = Directory.CreateDirectory(Path.Combine(fleet[1].Dir, "image fs")).FullName;
        Shell.Require("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", spaced]);
        _owned.Add(new Unmount(spaced));
        fleet[1].ImageFsMountpoint(spaced);
        fleet[2].ImageFsMountpoint("/nonexistent/image fs");
        fleet.Start();

        var json = fleet.Ssh(fleet[1], $"{Repository.Crictl} imagefsinfo -o json");
        var facts = fleet.Ssh(fleet[1], FactsScript.For(Repository.Crictl));
        var dfAlone = fleet.Ssh(fleet[1], $"df -P -B1 -- '{spaced}'");
        var missing = fleet.Ssh(fleet[2], FactsScript.For(Repository.Crictl));

        using (var parsed = JsonDocument.Parse(json.Stdout))
            Assert.Equal(spaced, parsed.RootElement.GetProperty("status").GetProperty("imageFilesystems")[0].GetProperty("fsId").GetProperty("mountpoint").GetString());
        Assert.Contains($"\"mountpoint\": \"{spaced}\"\n", json.Stdout);
        output.WriteLine(dfAlone.Stdout);
        Assert.Equal(new DiskUsage(1 << 20, 0, 1 << 20, spaced), DiskUsage.Parse(dfAlone.Stdout));
        Assert.EndsWith(dfAlone.Stdout, facts.Stdout);
        Assert.Equal(1, missing.ExitCode);
        // coreutils quotes a name with spaces in its messages, as a shell would need it.
        Assert.Equal("df: '/nonexistent/image fs': No such file or directory\n", missing.Stderr);
    }

    [Fact]
    public void Should_make_a_node_report_the_machine_it_is_given_through_path_for_commands_run_over_ssh()
    {
        var fleet = _owned.Add(new TestFleet(nodes: 2));
        fleet[1].Architecture("aarch64");
        fleet.Start();
        var real = Shell.Run("uname", ["-m"]).Stdout.Trim();
        const string Questions = "uname -m; uname -sm; uname -s; uname -r; echo \"$PATH\"; command -v uname";

        // bash sources ~/.bashrc for a command sshd runs (Debian's bash does, for ssh), and HOME is the
        // node's dir: that file runs after SetEnv, so it could undo the PATH; the fleet writes none.
        File.WriteAllText(Path.Combine(fleet[1].Dir, ".bashrc"), "echo \"bashrc of $HOME, PATH=$PATH\" >&2\n");

        var armed = fleet.Ssh(fleet[1], Questions);
        var arm = armed.Stdout.Split('\n');
        var other = fleet.Ssh(fleet[2], Questions).Stdout.Split('\n');
        var inProductScript = fleet.Ssh(fleet[1], FactsScript.For(Repository.Crictl)).Stdout.Split('\n');

        var kernel = Shell.Run("uname", ["-r"]).Stdout.Trim();
        var bin = Path.Combine(fleet[1].Dir, "bin");
        Assert.Equal(["aarch64", "Linux aarch64", "Linux", kernel, $"{bin}:{SshdNode.DefaultSessionPath}", Path.Combine(bin, "uname")], arm[..6]);
        Assert.Equal([real, $"Linux {real}", "Linux", kernel, SshdNode.DefaultSessionPath, "/usr/bin/uname"], other[..6]);
        Assert.Equal(["ok", "Linux aarch64"], inProductScript[..2]);
        Assert.Equal($"bashrc of {fleet[1].Dir}, PATH={bin}:{SshdNode.DefaultSessionPath}\n", armed.Stderr);
    }

    [Fact]
    public void Should_answer_imagefsinfo_from_the_benchmark_s_fast_crictl_with_builtins_only()
    {
        var state = Directory.CreateTempSubdirectory("image-sync-fast-crictl-").FullName;
        _owned.Add(new Cleanup(state));
        File.WriteAllLines(Path.Combine(state, "images"), ["a:1 sha256:aa 1000", "b:1 sha256:bb 2345"]);

        using var process = Shell.Start(FastCrictl, ["imagefsinfo", "-o", "json"], new Dictionary<string, string> { ["CRICTL_STATE"] = state });
        var result = process.Wait(TimeSpan.FromSeconds(10));

        Assert.True(result.ExitCode == 0, result.Output);
        using var json = JsonDocument.Parse(result.Stdout);
        var fs = json.RootElement.GetProperty("status").GetProperty("imageFilesystems")[0];
        Assert.Equal(state, fs.GetProperty("fsId").GetProperty("mountpoint").GetString());
        Assert.Equal("3345", fs.GetProperty("usedBytes").GetProperty("value").GetString());
        Assert.Single(json.RootElement.GetProperty("status").GetProperty("containerFilesystems").EnumerateArray());
        Assert.Equal(["imagefsinfo -o json"], File.ReadAllLines(Path.Combine(state, "call-times.log")).Select(l => l.Split(' ', 2)[1]));
    }

    public void Dispose() => _owned.Dispose();

    /// <summary>Unmounts a filesystem the test mounted (lazily if a straggler still holds it).</summary>
    private sealed class Unmount(string path) : IDisposable
    {
        public void Dispose()
        {
            if (Shell.Run("umount", [path]).ExitCode != 0) Shell.Run("umount", ["--lazy", path]);
        }
    }

    private sealed class Cleanup(string dir) : IDisposable
    {
        public void Dispose() => Directory.Delete(dir, recursive: true);
    }
}
