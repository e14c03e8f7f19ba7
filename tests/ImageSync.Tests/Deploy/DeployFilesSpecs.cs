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
        Assert.Equal(["/var/log/image-sync", "-/run/lock"], unit["Service.ReadWritePaths"].Single().Split(' '));
        Assert.Equal("", unit["Service.CapabilityBoundingSet"].Single());
        Assert.Equal("multi-user.target", unit["Install.WantedBy"].Single());
    }

    [Fact]
    public void Should_let_accept_new_write_known_hosts_in_the_state_directory_under_protect_system_strict()
    {
        var unit = Unit(Path.Combine(Deploy, "image-sync.service"));
        var environment = EnvironmentOf(unit);

        Assert.Equal("image-sync", unit["Service.StateDirectory"].Single());
        Assert.Equal("image-sync", unit["Service.ConfigurationDirectory"].Single());
        var knownHosts = environment["IMAGE_SYNC_SSH_KNOWN_HOSTS_FILE"];
        Assert.StartsWith("/var/lib/image-sync/", knownHosts);
        // The reference config takes that variable as the default known_hosts; a config file may still name its own.
        Assert.Equal(knownHosts, Parse(name => environment.GetValueOrDefault(name) ?? (name == "HOME" ? "/var/lib/image-sync" : null)).Ssh.KnownHostsFile);
    }

    [Fact]
    public void Should_lock_in_a_runtime_directory_of_the_service_user_under_systemd()
    {
        var unit = Unit(Path.Combine(Deploy, "image-sync.service"));

        Assert.Equal("image-sync", unit["Service.RuntimeDirectory"].Single());
        Assert.Equal("yes", unit["Service.RuntimeDirectoryPreserve"].Single());
        Assert.Equal(LockUnderSystemd, Parse(EnvironmentOf(unit).GetValueOrDefault).LockFile);
    }

    [Fact]
    public void Should_share_the_units_lock_with_the_cron_run_in_a_directory_created_at_boot()
    {
        var cron = File.ReadAllLines(Path.Combine(Deploy, "image-sync.cron"));
        var tmpfiles = File.ReadAllLines(Path.Combine(Deploy, "image-sync.tmpfiles")).Single(l => l.Length > 0 && !l.StartsWith('#'));

        Assert.Contains($"IMAGE_SYNC_LOCK_FILE={LockUnderSystemd}", cron);
        Assert.Equal(["d", Path.GetDirectoryName(LockUnderSystemd)!, "0750", "image-sync", "image-sync", "-"], tmpfiles.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Should_keep_the_bash_tools_lock_file_as_the_default_outside_systemd()
    {
        Assert.Equal("/var/lock/image-sync.lock", Parse(_ => null).LockFile);
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
    public void Should_start_the_single_run_from_the_timer_every_15_minutes_spread_and_caught_up_after_boot()
    {
        var timer = Unit(Path.Combine(Deploy, "image-sync.timer"));
        var run = Unit(Path.Combine(Deploy, "image-sync-run.service"));

        Assert.Equal("image-sync-run.service", timer["Timer.Unit"].Single());
        Assert.Equal("*:0/15", timer["Timer.OnCalendar"].Single());
        Assert.True(Durations.TryParse(timer["Timer.RandomizedDelaySec"].Single(), out var spread) && spread > TimeSpan.Zero, "no RandomizedDelaySec");
        Assert.Equal("true", timer["Timer.Persistent"].Single());
        Assert.Equal("timers.target", timer["Install.WantedBy"].Single());
        Assert.Equal("oneshot", run["Service.Type"].Single());
        Assert.Equal("/opt/image-sync/image-sync run --config /etc/image-sync/image-sync.conf", run["Service.ExecStart"].Single());
    }

    [Fact]
    public void Should_give_the_timers_run_the_daemons_sandbox_user_and_lock()
    {
        var daemon = Sandbox(Unit(Path.Combine(Deploy, "image-sync.service")));
        var run = Sandbox(Unit(Path.Combine(Deploy, "image-sync-run.service")));

        Assert.Equal(daemon, run);
    }

    /// <summary>A unit's [Service] settings but those that say what it runs and how it ends, sorted.</summary>
    private static List<string> Sandbox(Dictionary<string, List<string>> unit)
    {
        string[] own = ["Service.Type", "Service.ExecStart", "Service.ExecReload", "Service.Restart", "Service.RestartSec"];
        return unit.Where(k => k.Key.StartsWith("Service.") && !own.Contains(k.Key)).SelectMany(k => k.Value.Select(v => $"{k.Key}={v}")).Order().ToList();
    }

    [Fact]
    public void Should_point_every_unit_at_documentation_an_install_has()
    {
        var units = Directory.GetFiles(Deploy).Where(f => f.EndsWith(".service") || f.EndsWith(".timer"));

        Assert.All(units, f => Assert.Equal("file:/opt/image-sync/README.md", Unit(f)["Unit.Documentation"].Single()));
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

    private const string LockUnderSystemd = "/run/image-sync/image-sync.lock";

    private static Dictionary<string, string> EnvironmentOf(Dictionary<string, List<string>> unit) =>
        unit["Service.Environment"].Select(e => e.Split('=', 2)).ToDictionary(e => e[0], e => e[1]);

    private static ImageSyncSettings Parse(Func<string, string?> environment) =>
        SettingsLoader.Parse("image-sync { nodes = [ { name = w1, host = h } ], images.include-prefixes = [\"r/\"] }", "unit.conf", environment);

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
