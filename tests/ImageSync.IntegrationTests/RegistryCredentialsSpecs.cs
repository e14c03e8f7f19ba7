using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>
/// A registry that requires credentials (docker-registry with htpasswd), real containerd nodes (crictl played by
/// tests/fleet/containerd-crictl, which hands crictl's CRICTL_AUTH to containerd as a header), and the published CLI:
/// the credential reaches the pull, and shows nowhere a person or a program could read it.
/// </summary>
public sealed class RegistryCredentialsSpecs : IDisposable
{
    private const string User = "alice";
    private readonly string _password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
    private ContainerdFleet? _nodes;
    private string _app = "";

    private TestFleet Fleet => _nodes!.Fleet;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Should_fail_with_the_registrys_reason_without_credentials_and_pull_with_them_while_the_secret_shows_nowhere(bool throughHelper)
    {
        Start(throughHelper);
        var secrets = new[] { _password, Base64($"{User}:{_password}"), $"{User}:{_password}" };

        var without = Fleet.Run("run", "--config", Fleet.ConfigFile, "--json");
        var credentials = CredentialsFile(_password);
        var (with, seen) = RunWatchingProcesses(credentials, "run", "--config", Fleet.ConfigFile, "--json", "--metrics-file", Metrics);
        var check = Fleet.RunWith(Environment(credentials), "check", "--config", Fleet.ConfigFile);

        Assert.Equal(3, without.ExitCode);
        Assert.Contains("401 Unauthorized", Outcome(without).GetProperty("reason").GetString());
        Assert.True(with.ExitCode == 0, with.Output);
        Assert.True(_nodes!.Nodes[1].Images().ContainsKey(_app), "node-2 did not get the image");
        Assert.Contains($"registry credentials for {_nodes.Registry.Host}", check.Stdout);
        var everything = new Dictionary<string, string>
        {
            ["ps -eo args and /proc/*/cmdline during the run"] = seen,
            ["the run's --json and stderr"] = without.Output + with.Output + check.Output,
            ["the day files"] = string.Join('\n', Directory.GetFiles(Fleet.LogDir).Select(File.ReadAllText)),
            ["the metrics file"] = File.ReadAllText(Metrics),
        };
        foreach (var (where, text) in everything)
            Assert.All(secrets, secret => Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{where} holds the credential"));
        Assert.Contains("timeout", seen);
    }

    [Fact]
    public void Should_say_the_registry_refused_the_credentials_of_the_entry_when_the_password_is_wrong()
    {
        Start(throughHelper: true);
        const string wrong = "not-the-password";

        var run = Fleet.RunWith(Environment(CredentialsFile(wrong)), "run", "--config", Fleet.ConfigFile, "--json");

        Assert.Equal(3, run.ExitCode);
        var reason = Outcome(run).GetProperty("reason").GetString()!;
        Assert.StartsWith($"{_nodes!.Registry.Host} refused the credentials of credentials-file entry '{_nodes.Registry.Host}': ", reason);
        Assert.DoesNotContain(wrong, run.Output);
        Assert.DoesNotContain(Base64($"{User}:{wrong}"), run.Output);
    }

    private string Metrics => Path.Combine(Fleet.Root, "image-sync.prom");

    /// <summary>Two nodes, registry pulls only; node-1 holds the image the registry serves only to its user, node-2 pulls it slowly (1 s) so a pull can be seen running.</summary>
    private void Start(bool throughHelper)
    {
        _nodes = new ContainerdFleet(2, "transfer.mode = registry-only", throughHelper: throughHelper, registryUsers: root =>
        {
            var path = Path.Combine(root, "htpasswd");
            var line = Shell.Run("htpasswd", ["-Bbn", User, _password]);
            File.WriteAllText(path, line.Stdout);
            return path;
        });
        var image = TestImages.Build(Fleet.Root, "app", 1 << 20);
        _app = _nodes.Registry.Push(image, "team/app:1", CredentialsFile(_password));
        _nodes.Nodes[0].Import(image.Archive(_app));
        File.WriteAllText(Path.Combine(Fleet[2].StateDir, "latency"), "1");
    }

    /// <summary>A docker config.json with one entry for the test's registry, readable by its owner only.</summary>
    private string CredentialsFile(string password)
    {
        var path = Path.Combine(Fleet.Root, $"config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { auths = new Dictionary<string, object> { [_nodes!.Registry.Host] = new { auth = Base64($"{User}:{password}") } } }));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static Dictionary<string, string> Environment(string credentialsFile) => new() { ["IMAGE_SYNC_REGISTRIES_CREDENTIALS_FILE"] = credentialsFile };

    /// <summary>Runs the CLI while reading, over and over until it ends, every process' arguments as ps and /proc show them to anyone on the machine.</summary>
    private (ProcessResult Result, string Seen) RunWatchingProcesses(string credentialsFile, params string[] arguments)
    {
        using var run = Shell.Start(Repository.Cli, arguments, Environment(credentialsFile));
        var seen = new StringBuilder();
        while (!run.HasExited)
        {
            seen.AppendLine(Shell.Run("ps", ["-eo", "args"]).Stdout);
            foreach (var cmdline in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
            {
                try
                {
                    seen.AppendLine(File.ReadAllText(Path.Combine(cmdline, "cmdline")).Replace('\0', ' '));
                }
                catch (IOException)
                {
                    // The process ended while we looked.
                }
            }
        }
        return (run.Wait(TimeSpan.FromSeconds(90)), seen.ToString());
    }

    private static JsonElement Outcome(ProcessResult run) => Assert.Single(run.JsonReport().RootElement.GetProperty("outcomes").EnumerateArray());

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public void Dispose() => _nodes?.Dispose();
}
