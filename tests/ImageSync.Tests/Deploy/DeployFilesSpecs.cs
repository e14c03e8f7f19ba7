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
