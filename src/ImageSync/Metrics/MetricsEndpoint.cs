using System.Net;
using Akka.Actor;
using Microsoft.Extensions.Hosting;
using Prometheus;

namespace ImageSync.Metrics;

/// <summary>
/// Serves <c>/metrics</c> (Prometheus text format) and <c>/healthz</c> (200 while the actor system is up,
/// 503 once it is going away) on the address in <c>daemon.metrics</c>.
/// </summary>
public sealed class MetricsEndpoint(string address, CollectorRegistry registry, ActorSystem system) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://{address}/");
        listener.Start();
        await using var stop = stoppingToken.Register(listener.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            await AnswerAsync(context, stoppingToken);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        using var response = context.Response;
        switch (context.Request.Url?.AbsolutePath)
        {
            case "/metrics":
                response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await registry.CollectAndExportAsTextAsync(response.OutputStream, cancellationToken);
                break;
            case "/healthz":
                var up = !system.WhenTerminated.IsCompleted;
                response.StatusCode = up ? 200 : 503;
                await response.OutputStream.WriteAsync(up ? "ok\n"u8.ToArray() : "stopping\n"u8.ToArray(), cancellationToken);
                break;
            default:
                response.StatusCode = 404;
                break;
        }
    }
}
