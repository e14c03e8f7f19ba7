using ImageSync.Configuration;
using ImageSync.Daemon;

namespace ImageSync.Tests.Deploy;

/// <summary>The systemd unit and the cron line, read as systemd and cron would read them.</summary>
public sealed class DeployFilesSpecs
{
    private static readonly string Deploy = Path.Combine(Repository.Root, "deploy");

    [Fact]
    public void Should_run_the_daemon_as_a_notify_service_of_a_dedicated_user_with_hardening()
    {
        var unit = Unit(Path.Combine(Deploy, "image-sync.service"));

        Assert.Equal("notify", unit["Service.Type"].Single());
        Assert.Equal("image-sync", unit["Service.User"].Single());
        Assert.Equal("/opt/image-sync/image-sync daemon --config /etc/image-sync/image-sync.conf", unit["Service.ExecStart"].Single());
        Assert.Equal("/bin/kill -HUP $MAINPID", unit["Service.ExecReload"].Single());
        Assert.Equal("yes", unit["Service.NoNewPrivileges"].Single());
        Assert.Equal("strict", unit["Service.ProtectSystem"].Single());
        Assert.Equal(["/var/log/image-sync", "/run/lock"], unit["Service.ReadWritePaths"].Single().Split(' '));
        Assert.Equal("", unit["Service.CapabilityBoundingSet"].Single());
        Assert.Equal("multi-user.target", unit["Install.WantedBy"].Single());
    }

    [Fact]
    public void Should_let_accept_new_write_known_hosts_in_the_state_directory_under_protect_system_strict()
    {
        var unit = Unit(Path.Combine(Deploy, "image-sync.service"));
        var environment = unit["Service.Environment"].Select(e => e.Split('=', 2)).ToDictionary(e => e[0], e => e[1]);

        Assert.Equal("image-sync", unit["Service.StateDirectory"].Single());
        Assert.Equal("image-sync", unit["Service.ConfigurationDirectory"].Single());
        var knownHosts = environment["IMAGE_SYNC_SSH_KNOWN_HOSTS_FILE"];
        Assert.StartsWith("/var/lib/image-sync/", knownHosts);
        // The reference config takes that variable as the default known_hosts; a config file may still name its own.
        var settings = SettingsLoader.Parse("image-sync { nodes = [ { name = w1, host = 10.0.0.1 } ], images.include-prefixes = [\"r/\"] }",
            "unit.conf", name => environment.GetValueOrDefault(name) ?? (name == "HOME" ? "/var/lib/image-sync" : null));
        Assert.Equal(knownHosts, settings.Ssh.KnownHostsFile);
    }

    [Fact]
    public void Should_give_a_stopping_daemon_the_shutdown_grace_and_its_flush_before_systemd_kills_it()
    {
        var unit = Unit(Path.Combine(Deploy, "image-sync.service"));
        var grace = SettingsLoader.Parse("image-sync { nodes = [ { name = w1, host = h } ], images.include-prefixes = [\"r/\"] }", "unit.conf", _ => null).ShutdownGrace;

        Assert.True(Durations.TryParse(unit["Service.TimeoutStopSec"].Single(), out var timeout));
        Assert.True(timeout >= DaemonLifecycle.LongestStop(grace), $"TimeoutStopSec {timeout} < {DaemonLifecycle.LongestStop(grace)}");
    }

    [Theory]
    [InlineData("ProtectProc", "invisible")]
    [InlineData("SystemCallFilter", "@system-service")]
    [InlineData("RemoveIPC", "yes")]
    [InlineData("Restart", "on-failure")]
    public void Should_harden_the_service_as_systemd_analyze_security_suggests(string key, string value)
    {
        Assert.Equal(value, Unit(Path.Combine(Deploy, "image-sync.service"))[$"Service.{key}"].Single());
    }

    [Fact]
    public void Should_give_cron_a_valid_line_for_the_single_run()
    {
        var line = File.ReadAllLines(Path.Combine(Deploy, "image-sync.cron")).Single(l => l.Length > 0 && !l.StartsWith('#') && !l.Contains('='));
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(["*/15", "*", "*", "*", "*"], fields[..5]);
        Assert.Equal("image-sync", fields[5]);
        Assert.Equal(["/opt/image-sync/image-sync", "run", "--config", "/etc/image-sync/image-sync.conf", "--quiet"], fields[6..]);
    }

    /// <summary>A systemd unit file as "Section.Key" → values, comments and blank lines skipped.</summary>
    private static Dictionary<string, List<string>> Unit(string path)
    {
        var unit = new Dictionary<string, List<string>>();
        var section = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith('['))
            {
                section = line.Trim('[', ']');
                continue;
            }
            var (key, value) = (line[..line.IndexOf('=')], line[(line.IndexOf('=') + 1)..]);
            var name = $"{section}.{key}";
            if (!unit.TryGetValue(name, out var values)) unit[name] = values = [];
            values.Add(value);
        }
        return unit;
    }
}
