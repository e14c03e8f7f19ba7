using ImageSync.Configuration;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Configuration;

/// <summary>What `image-sync config` prints: every setting in effect, and where its value came from.</summary>
public sealed class EffectiveSettingSpecs : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Dictionary<string, string> _environment = new() { ["HOME"] = "/home/tester", ["IMAGE_SYNC_LOG_LEVEL"] = "warning" };

    [Fact]
    public void Should_name_the_file_and_line_the_environment_variable_or_the_default_of_each_value()
    {
        var settings = Effective("""
            image-sync {
              nodes = [ { name = worker-1, host = 10.0.0.11 } ]
              pull.timeout = 2m
              daemon.metrics = "127.0.0.1:9464"
              images.include-prefixes = [""]
            }
            """);

        Assert.Contains(new EffectiveSetting("image-sync.nodes", "[{ name = worker-1, host = 10.0.0.11 }]", $"{Config}:2"), settings);
        Assert.Contains(new EffectiveSetting("image-sync.pull.timeout", "2m", $"{Config}:3"), settings);
        Assert.Contains(new EffectiveSetting("image-sync.daemon.metrics", "\"127.0.0.1:9464\"", $"{Config}:4"), settings);
        Assert.Contains(new EffectiveSetting("image-sync.logs.level", "warning", "environment IMAGE_SYNC_LOG_LEVEL"), settings);
        Assert.Contains(new EffectiveSetting("image-sync.pull.max-parallel", "8", "default"), settings);
        Assert.Equal("image-sync.pull.timeout = 2m  # " + $"{Config}:3", settings.Single(s => s.Key == "image-sync.pull.timeout").ToString());
    }

    [Fact]
    public void Should_print_a_config_that_loads_back_to_the_same_settings()
    {
        var printed = Effective("image-sync { nodes = [ { name = w1, host = h, port = 2222 } ], images { include-prefixes = [\"r.example/a b/\"], exclude = [\"*:*-debug\"] } }");

        File.WriteAllLines(Config, printed.Select(s => s.ToString()));
        var again = SettingsLoader.Effective(Config, _environment.GetValueOrDefault);

        Assert.Equal(printed.Select(s => (s.Key, s.Value)), again.Select(s => (s.Key, s.Value)));
    }

    [Fact]
    public void Should_refuse_to_print_a_config_that_does_not_load()
    {
        File.WriteAllText(Config, "image-sync { nodes = [ { name = w1, host = h } ], pull.timout = 2m }");

        var refused = Assert.Throws<ConfigException>(() => SettingsLoader.Effective(Config, _environment.GetValueOrDefault));

        Assert.Contains(refused.Problems, p => p.Contains("did you mean 'timeout'?"));
    }

    private string Config => _dir.File("image-sync.conf");

    private IReadOnlyList<EffectiveSetting> Effective(string text)
    {
        File.WriteAllText(Config, text);
        return SettingsLoader.Effective(Config, _environment.GetValueOrDefault);
    }

    public void Dispose() => _dir.Dispose();
}
