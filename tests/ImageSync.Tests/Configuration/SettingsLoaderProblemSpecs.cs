using ImageSync.Configuration;
using static ImageSync.Tests.Configuration.SampleConfig;

namespace ImageSync.Tests.Configuration;

/// <summary>What the loader refuses in a config, every problem at once, each naming its key (and where it can, the file, line and column).</summary>
public sealed class SettingsLoaderProblemSpecs
{
    [Fact]
    public void Should_name_the_accepted_log_formats_and_levels_when_one_is_wrong()
    {
        var refused = Assert.Throws<ConfigException>(() => SettingsLoader.Parse(Minimal + "\nimage-sync.logs { format = logfmt, level = chatty }", environment: HomeOnly));

        Assert.Contains(refused.Problems, p => p.StartsWith("image-sync.logs.format") && p.EndsWith("'logfmt' is not one of: text, json"));
        Assert.Contains(refused.Problems, p => p.StartsWith("image-sync.logs.level") && p.EndsWith("'chatty' is not one of: verbose, debug, information, warning, error, fatal"));
    }

    [Fact]
    public void Should_report_every_problem_at_once_naming_each_key()
    {
        var error = Assert.Throws<ConfigException>(() => SettingsLoader.Parse("""
            image-sync {
              transport = carrier-pigeon
              nodes = [ { name = "bad name", host = 10.0.0.11 }, { name = w2, host = "a;b" }, { name = w3 } ]
              ssh { port = 70000, connect-timeout = soon, sudo = maybe, crictl = "crictl; rm -rf /" }
              pull { timeout = 600, max-parallel = 0, max-per-node = 11 }
              logs { retention-days = -1 }
            }
            """, "bad.conf", HomeOnly));

        var problems = string.Join("\n", error.Problems);
        Assert.Contains("image-sync.transport (bad.conf:2:15): 'carrier-pigeon' is not one of: ssh, simulated", problems);
        Assert.Contains("image-sync.nodes[0].name", problems);
        Assert.Contains("image-sync.nodes[1].host", problems);
        Assert.Contains("image-sync.nodes[2].host", problems);
        Assert.Contains("image-sync.ssh.port", problems);
        Assert.Contains("image-sync.ssh.connect-timeout (bad.conf:4:41): 'soon' is not a duration", problems);
        Assert.Contains("image-sync.ssh.sudo", problems);
        Assert.Contains("image-sync.ssh.crictl", problems);
        Assert.Contains("image-sync.pull.timeout (bad.conf:5:20): '600' is not a duration", problems);
        Assert.Contains("image-sync.pull.max-parallel", problems);
        Assert.Contains("image-sync.pull.max-per-node", problems);
        Assert.Contains("image-sync.logs.retention-days", problems);
        Assert.Contains("image-sync.images.include-prefixes: list at least one prefix", problems);
        Assert.Equal(13, error.Problems.Count);
    }

    [Fact]
    public void Should_suggest_the_intended_key_when_a_key_is_unknown()
    {
        var error = Assert.Throws<ConfigException>(() => SettingsLoader.Parse(Minimal + "\nimage-sync.pull.max-paralel = 4\nimage-sync.colour = blue\nimage-sync.nodes = [ { name = a, host = h, prot = 1 } ]", environment: HomeOnly));

        Assert.Contains(error.Problems, p => p.StartsWith("image-sync.pull.max-paralel") && p.Contains("did you mean 'max-parallel'?"));
        Assert.Contains(error.Problems, p => p.StartsWith("image-sync.colour") && p.Contains("unknown key"));
        Assert.Contains(error.Problems, p => p.StartsWith("image-sync.nodes[0].prot") && p.Contains("did you mean 'port'?"));
    }

    [Fact]
    public void Should_refuse_duplicate_node_names_and_addresses()
    {
        var error = Assert.Throws<ConfigException>(() => SettingsLoader.Parse("""
            image-sync {
              images.include-prefixes = [""]
              nodes = [ { name = w1, host = 10.0.0.1 }, { name = w1, host = 10.0.0.2 }, { name = w3, host = 10.0.0.1 } ]
            }
            """, environment: HomeOnly));

        Assert.Contains(error.Problems, p => p.Contains("node name 'w1' is listed twice"));
        Assert.Contains(error.Problems, p => p.Contains("10.0.0.1:22 is already listed"));
    }

    [Fact]
    public void Should_report_a_syntax_error_as_a_config_problem_with_its_position()
    {
        var error = Assert.Throws<ConfigException>(() => SettingsLoader.Parse("image-sync { nodes = [ }", "broken.conf", HomeOnly));

        Assert.StartsWith("broken.conf:1:", Assert.Single(error.Problems));
    }

    [Fact]
    public void Should_name_the_file_when_it_cannot_be_read()
    {
        var error = Assert.Throws<ConfigException>(() => SettingsLoader.Load("/nonexistent/image-sync.conf", HomeOnly));

        Assert.Contains("/nonexistent/image-sync.conf", Assert.Single(error.Problems));
    }
}
