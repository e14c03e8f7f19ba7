using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ImageSync.Metrics;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Metrics;

/// <summary>The daemon's HTTP endpoint, asked by curl as a scraper or a container health check would.</summary>
public sealed class MetricsEndpointSpecs
{
    private static readonly Dictionary<string, Func<CancellationToken, Task<HttpAnswer>>> Routes = new()
    {
        ["/healthz"] = _ => Task.FromResult(HttpAnswer.Text(200, "ok\n")),
        ["/metrics"] = _ => Task.FromResult(HttpAnswer.Text(200, "image_sync_coordinator 1\n")),
    };

    [Theory]
    [InlineData("0.0.0.0", "127.0.0.1")]
    [InlineData("[::]", "127.0.0.1")]
    [InlineData("[::]", "[::1]")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    public async Task Should_answer_on_the_address_it_binds_whatever_host_header_comes(string bind, string ask)
    {
        using var endpoint = await StartAsync($"{bind}:{DaemonReplica.FreePort()}");
        var url = $"http://{ask}:{endpoint.LocalEndpoint!.Port}";

        Assert.Equal("200 ok", Curl($"{url}/healthz", "-H", "Host: image-sync.monitoring.svc:80"));
        Assert.Equal("200 image_sync_coordinator 1", Curl($"{url}/metrics?name[]=x"));
        Assert.Equal("404 not found", Curl($"{url}/readyz"));
        Assert.Equal("405 GET only", Curl($"{url}/metrics", "-X", "POST"));
        await endpoint.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Should_refuse_to_start_naming_the_address_when_its_port_is_taken()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var refused = await Assert.ThrowsAsync<ListenerException>(() => StartAsync(address));

        Assert.Equal($"daemon.metrics '{address}': cannot listen on {address}: Address already in use", refused.Message);
    }

    [Fact]
    public async Task Should_drop_a_client_that_never_finishes_its_request_and_keep_answering_others()
    {
        using var endpoint = await StartAsync($"127.0.0.1:{DaemonReplica.FreePort()}");
        using var silent = new TcpClient();
        await silent.ConnectAsync(IPAddress.Loopback, endpoint.LocalEndpoint!.Port);

        Assert.Equal("200 ok", Curl($"http://127.0.0.1:{endpoint.LocalEndpoint.Port}/healthz"));
        var buffer = new byte[1];
        var read = silent.GetStream().ReadAsync(buffer).AsTask();
        Assert.True(await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))) == read, "the silent client was never dropped");
        Assert.Equal(0, await read);
        await endpoint.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(300)]
    public async Task Should_answer_every_health_probe_within_a_second_while_slow_clients_hold_half_sent_requests(int slowClients)
    {
        using var endpoint = await StartAsync($"127.0.0.1:{DaemonReplica.FreePort()}");
        var port = endpoint.LocalEndpoint!.Port;
        var slow = new List<TcpClient>();
        for (var i = 0; i < slowClients; i++)
        {
            var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            await client.GetStream().WriteAsync("GET /healthz HTTP/1.1\r\nHost: slow\r\n"u8.ToArray());
            slow.Add(client);
        }
        // As a kubelet probes: a fresh connection each time, given up after a second.
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };

        var answers = new List<string>();
        for (var i = 0; i < 10; i++) answers.Add(await probe.GetStringAsync($"http://127.0.0.1:{port}/healthz"));

        Assert.All(answers, answer => Assert.Equal("ok\n", answer));
        foreach (var client in slow) client.Dispose();
        await endpoint.StopAsync(CancellationToken.None);
    }

    private static async Task<MetricsEndpoint> StartAsync(string address)
    {
        var endpoint = new MetricsEndpoint(address, Routes);
        await endpoint.StartAsync(CancellationToken.None);
        return endpoint;
    }

    /// <returns>The status code and the body, as "200 ok".</returns>
    private static string Curl(string url, params string[] options)
    {
        var curl = Process.Start(new ProcessStartInfo("curl", ["-s", "-g", "--max-time", "5", "-w", " %{http_code}", .. options, url]) { RedirectStandardOutput = true })!;
        var output = curl.StandardOutput.ReadToEnd().Trim();
        curl.WaitForExit();
        var status = output[(output.LastIndexOf(' ') + 1)..];
        return $"{status} {output[..output.LastIndexOf(' ')].Trim()}";
    }
}
