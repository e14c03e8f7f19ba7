using ImageSync.Cli;
using ImageSync.Cli.Commands;
using ImageSync.Metrics;
using ImageSync.Tests.Support;
using Spectre.Console.Testing;

namespace ImageSync.Tests.Cli;

/// <summary>`image-sync probe URL`, the container's HEALTHCHECK, against the daemon's own endpoint.</summary>
public sealed class ProbeCommandSpecs : IAsyncLifetime
{
    private static readonly Dictionary<string, Func<CancellationToken, Task<HttpAnswer>>> Routes = new()
    {
        ["/healthz"] = _ => Task.FromResult(HttpAnswer.Text(200, "ok\n")),
        ["/readyz"] = _ => Task.FromResult(HttpAnswer.Text(503, "not an Up member of a cluster yet\n")),
    };

    private readonly MetricsEndpoint _endpoint = new($"127.0.0.1:{DaemonReplica.FreePort()}", Routes);
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();

    public Task InitializeAsync() => _endpoint.StartAsync(CancellationToken.None);

    public async Task DisposeAsync()
    {
        await _endpoint.StopAsync(CancellationToken.None);
        _endpoint.Dispose();
    }

    [Fact]
    public async Task Should_exit_0_and_say_the_answer_when_the_endpoint_answers_2xx()
    {
        var exitCode = await Probe("/healthz");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Equal($"{Url("/healthz")} answered 200 OK: ok", _stdout.ToString().Trim());
        Assert.Empty(_stderr.ToString());
    }

    [Fact]
    public async Task Should_exit_1_with_the_reason_on_stderr_when_the_endpoint_answers_otherwise()
    {
        var exitCode = await Probe("/readyz");

        Assert.Equal(1, exitCode);
        Assert.Equal($"image-sync: {Url("/readyz")} answered 503 Service Unavailable: not an Up member of a cluster yet", _stderr.ToString().Trim());
        Assert.Empty(_stdout.ToString());
    }

    [Fact]
    public async Task Should_exit_1_naming_the_url_when_nothing_listens()
    {
        var url = new Uri($"http://127.0.0.1:{DaemonReplica.FreePort()}/healthz");

        var exitCode = await ProbeCommand.ProbeAsync(url, TimeSpan.FromSeconds(5), _stdout, _stderr, CancellationToken.None);

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"image-sync: cannot reach {url}: Connection refused", _stderr.ToString());
    }

    [Theory]
    [InlineData("https://127.0.0.1:9464/healthz", "probe: 'https://127.0.0.1:9464/healthz' is not an http:// URL")]
    [InlineData("127.0.0.1:9464", "probe: '127.0.0.1:9464' is not an http:// URL")]
    public async Task Should_exit_2_when_the_argument_is_not_an_http_url(string argument, string error)
    {
        var exitCode = await ImageSyncApp.RunAsync(["probe", argument], new TestConsole(), _stderr);

        Assert.Equal(ExitCodes.BadConfig, exitCode);
        Assert.StartsWith($"image-sync: {error}", _stderr.ToString());
    }

    private Task<int> Probe(string path) => ProbeCommand.ProbeAsync(new Uri(Url(path)), TimeSpan.FromSeconds(5), _stdout, _stderr, CancellationToken.None);

    private string Url(string path) => $"http://127.0.0.1:{_endpoint.LocalEndpoint!.Port}{path}";
}
