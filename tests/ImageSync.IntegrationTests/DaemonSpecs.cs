using System.Net;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests;

/// <summary>The published CLI as a long-lived daemon over real sshd nodes: signals, reload, the lock between syncs.</summary>
public sealed class DaemonSpecs : IDisposable
{
    private const string Api = TestFleet.Prefix + "api:1";
    private const string Web = TestFleet.Prefix + "web:1";
    private readonly TestFleet _fleet = new(nodes: 2);
    private readonly int _metricsPort = SshdNode.FreePort();

    [Fact]
    public async Task Should_reload_a_valid_config_on_sighup_and_keep_running_on_an_invalid_one()
    {
        _fleet.Serving(Api, Web);
        _fleet[1].Holding(Api);
        StartFleet();
        using var daemon = StartDaemon();
        Assert.True(await _fleet.RunLogShowsAsync("SYNC COMPLETE", TimeSpan.FromSeconds(30)), "the first sync never completed");

        File.AppendAllText(_fleet.ConfigFile, "\nimage-sync.pull.max-parallel = zero\n");
        daemon.Signal("HUP");
        Assert.True(await _fleet.RunLogShowsAsync("config reload refused, the running config stays", TimeSpan.FromSeconds(10)), "the bad config was not refused");
        Assert.Equal(HttpStatusCode.OK, Health());

        RewriteConfig("image-sync.pull.max-parallel = 3");
        daemon.Signal("HUP");
        Assert.True(await _fleet.RunLogShowsAsync("config reloaded from", TimeSpan.FromSeconds(10)), "the good config was not loaded");

        daemon.Signal("TERM");
        var stopped = daemon.Wait(TimeSpan.FromSeconds(30));
        Assert.True(stopped.ExitCode == 0, stopped.Output);
        Assert.Contains("image-sync daemon stopped", stopped.Output);
    }

    [Fact]
    public async Task Should_let_a_running_sync_wrap_up_on_sigterm_and_exit_0()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet[2].PullLatency(TimeSpan.FromSeconds(60));
        StartFleet();
        using var daemon = StartDaemon();
        await Eventually.TrueAsync("node-2 to start pulling", () => _fleet[2].CrictlCalls.Contains($"pull {Api}"), TimeSpan.FromSeconds(30));

        daemon.Signal("TERM");
        var stopped = daemon.Wait(TimeSpan.FromSeconds(30));

        Assert.True(stopped.ExitCode == 0, stopped.Output);
        Assert.Contains($" FAILED node-2 {Api} interrupted: abandoned after the 1s shutdown grace", Assert.Single(_fleet.DayFile("failed_images")));
        Assert.Contains(_fleet.DayFile("image-sync"), l => l.Contains("SYNC INTERRUPTED"));
    }

    [Fact]
    public async Task Should_hold_the_lock_only_while_it_syncs_so_a_cron_run_fits_in_between()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        StartFleet();
        using var daemon = StartDaemon();
        Assert.True(await _fleet.RunLogShowsAsync("SYNC COMPLETE", TimeSpan.FromSeconds(30)), "the first sync never completed");

        var cron = _fleet.Run();

        Assert.True(cron.ExitCode == 0, cron.Output);
        daemon.Signal("TERM");
        Assert.Equal(0, daemon.Wait(TimeSpan.FromSeconds(30)).ExitCode);
    }

    [Fact]
    public async Task Should_serve_metrics_and_health_while_it_runs()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        StartFleet();
        using var daemon = StartDaemon();
        Assert.True(await _fleet.RunLogShowsAsync("SYNC COMPLETE", TimeSpan.FromSeconds(30)), "the first sync never completed");

        // Bound to 0.0.0.0 as in a container, asked on 127.0.0.1 with another Host header, as a scraper would.
        var metrics = Shell.Run("curl", ["-sf", "-H", "Host: image-sync.monitoring:9464", $"http://127.0.0.1:{_metricsPort}/metrics"]).Stdout;

        Assert.Contains("image_sync_syncs_total{result=\"ok\"} 1", metrics);
        Assert.Contains("image_sync_pulls_total{node=\"node-2\",result=\"success\"} 1", metrics);
        Assert.Contains("image_sync_coordinator 1", metrics);
        Assert.Equal(HttpStatusCode.OK, Health());
        daemon.Signal("TERM");
        daemon.Wait(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Should_exit_4_before_any_sync_naming_the_metrics_address_when_its_port_is_taken()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Any, _metricsPort);
        taken.Start();
        StartFleet();

        using var daemon = StartDaemon();
        var stopped = daemon.Wait(TimeSpan.FromSeconds(30));

        Assert.True(stopped.ExitCode == 4, stopped.Output);
        var why = $"daemon.metrics '0.0.0.0:{_metricsPort}': cannot listen on 0.0.0.0:{_metricsPort}: Address already in use";
        Assert.Contains($"image-sync: daemon could not start: {why}", stopped.Stderr);
        Assert.Contains(_fleet.DayFile("image-sync"), l => l.Contains("[FTL]") && l.Contains(why));
        Assert.DoesNotContain(_fleet.DayFile("image-sync"), l => l.Contains("SYNC STARTED"));
    }

    [Fact]
    public void Should_exit_4_naming_the_address_when_the_cluster_port_is_taken()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        _fleet.Start($$"""
            daemon.interval = 1h
            cluster { enabled = on, hostname = 127.0.0.1, port = {{port}}, seed-nodes = ["akka.tcp://image-sync@127.0.0.1:{{port}}"] }
            {{DaemonReplicas.NoTls}}
            """);

        using var daemon = StartDaemon();
        var stopped = daemon.Wait(TimeSpan.FromSeconds(60));

        Assert.True(stopped.ExitCode == 4, stopped.Output);
        Assert.Contains($"image-sync: daemon could not start: Failed to bind to [127.0.0.1:{port}]: Address already in use", stopped.Stderr);
    }

    [Fact]
    public void Should_not_start_a_cluster_replica_without_its_tls_files_and_name_the_settings()
    {
        var port = SshdNode.FreePort();
        _fleet.Start($$"""
            daemon.interval = 1h
            cluster { enabled = on, hostname = 127.0.0.1, port = {{port}}, seed-nodes = ["akka.tcp://image-sync@127.0.0.1:{{port}}"] }
            """);

        using var daemon = StartDaemon();
        var stopped = daemon.Wait(TimeSpan.FromSeconds(60));

        Assert.True(stopped.ExitCode == 4, stopped.Output);
        Assert.Contains("image-sync: daemon could not start: image-sync.cluster.tls.certificate, image-sync.cluster.tls.key, image-sync.cluster.tls.ca: not set", stopped.Stderr);
        Assert.DoesNotContain(_fleet.DayFile("image-sync"), l => l.Contains("SYNC STARTED"));
    }

    [Fact]
    public async Task Should_prefix_console_lines_with_their_syslog_priority_under_journald()
    {
        _fleet.Serving(Api);
        _fleet[1].Holding(Api);
        _fleet[2].Failing(Api);
        StartFleet();

        using var daemon = _fleet.StartDaemon(new Dictionary<string, string> { ["JOURNAL_STREAM"] = "8:4242" });
        Assert.True(await _fleet.RunLogShowsAsync("SYNC COMPLETE", TimeSpan.FromSeconds(30)), "the first sync never completed");
        daemon.Signal("TERM");
        var lines = daemon.Wait(TimeSpan.FromSeconds(30)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Contains(lines, l => l.StartsWith("<6>INF SYNC STARTED", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"<4>WRN FAILED node-2 {Api}", StringComparison.Ordinal));
    }

    private void StartFleet() => _fleet.Start(DaemonConfig(""));

    private string DaemonConfig(string extra) => $$"""
        daemon { interval = 1h, metrics = "0.0.0.0:{{_metricsPort}}" }
        shutdown-grace = 1s
        {{extra}}
        """;

    /// <summary>Writes the fleet's config again with one more line, as an operator editing the file would.</summary>
    private void RewriteConfig(string extra)
    {
        var lines = File.ReadAllLines(_fleet.ConfigFile).Where(l => !l.Contains("max-parallel = zero")).ToList();
        lines.Add(extra);
        File.WriteAllLines(_fleet.ConfigFile, lines);
    }

    private RunningProcess StartDaemon() => _fleet.StartDaemon();

    private HttpStatusCode Health()
    {
        using var http = new HttpClient();
        return http.GetAsync($"http://127.0.0.1:{_metricsPort}/healthz").Result.StatusCode;
    }

    public void Dispose() => _fleet.Dispose();
}
