namespace ImageSync.Tests.Configuration;

/// <summary>The smallest config that loads, and an environment with nothing set but HOME, for the loader's specs.</summary>
internal static class SampleConfig
{
    public const string Minimal = """
        image-sync {
          nodes = [ { name = worker-1, host = 10.0.0.11 }, { name = worker-2, host = 10.0.0.12, port = 2222, user = ops } ]
          images.include-prefixes = ["registry.example.com/team/"]
        }
        """;

    public static readonly Func<string, string?> HomeOnly = name => name == "HOME" ? "/home/tester" : null;
}
