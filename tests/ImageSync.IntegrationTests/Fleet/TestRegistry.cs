namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// A real registry (Debian's docker-registry) on a loopback port, plain HTTP, with its own storage. Its access
/// log tells whether a node asked it for anything; it can be stopped and started again, as in an outage.
/// </summary>
public sealed class TestRegistry : IDisposable
{
    private readonly string _config;
    private RunningProcess? _process;

    /// <param name="htpasswd">When given, an htpasswd file (bcrypt lines): the registry then refuses every request without one of its users.</param>
    public TestRegistry(string root, string? htpasswd = null)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, "oci-registry")).FullName;
        Host = $"127.0.0.1:{SshdNode.FreePort()}";
        Log = Path.Combine(dir, "access.log");
        _config = Path.Combine(dir, "config.yml");
        File.WriteAllText(_config, $"""
            version: 0.1
            log:
              level: info
              accesslog:
                disabled: false
            storage:
              filesystem:
                rootdirectory: {dir}/data
            http:
              addr: {Host}
            """ + (htpasswd is null ? "" : $"""

            auth:
              htpasswd:
                realm: image-sync-tests
                path: {htpasswd}
            """));
        Start();
    }

    /// <summary>host:port, the start of every image reference it serves.</summary>
    public string Host { get; }

    public string Log { get; }

    /// <summary>How many requests a containerd has made (its user agent is in every access log line).</summary>
    public int RequestsFromNodes => File.Exists(Log) ? File.ReadLines(Log).Count(l => l.Contains("\"containerd/", StringComparison.Ordinal)) : 0;

    public void Start()
    {
        _process = Shell.Start("bash", ["-c", $"exec docker-registry serve '{_config}' >> '{Log}' 2>&1"]);
        using var http = new HttpClient();
        if (!Eventually.Holds(() => _process.HasExited || Answers(http), TimeSpan.FromSeconds(20), every: TimeSpan.FromMilliseconds(100)))
            throw new TimeoutException($"the registry is not answering on {Host}");
        if (_process.HasExited) throw new InvalidOperationException($"the registry exited: {File.ReadAllText(Log)}");
    }

    /// <summary>The registry is gone, as in an outage: connections are refused.</summary>
    public void Stop()
    {
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Pushes an image built by <see cref="TestImages"/> under this registry's name for it.</summary>
    /// <param name="authFile">A docker config.json with this registry's credentials, for a registry that requires them.</param>
    public string Push(TestImage image, string repository, string? authFile = null)
    {
        var reference = $"{Host}/{repository}";
        Shell.Require("skopeo", ["copy", "-q", "--dest-tls-verify=false", .. authFile is null ? Array.Empty<string>() : ["--dest-authfile", authFile], image.Layout, $"docker://{reference}"]);
        return reference;
    }

    private bool Answers(HttpClient http)
    {
        try
        {
            // A registry that requires credentials answers 401 once it is up.
            return http.GetAsync($"http://{Host}/v2/").Result.StatusCode is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.Unauthorized;
        }
        catch (AggregateException)
        {
            return false;
        }
    }

    public void Dispose() => Stop();
}
