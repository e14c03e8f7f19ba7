using System.ComponentModel;
using Spectre.Console.Cli;

namespace ImageSync.Cli.Commands;

public sealed class ProbeOptions : CommandSettings
{
    [CommandArgument(0, "<URL>")]
    [Description("an http:// URL of the daemon's endpoint, e.g. http://127.0.0.1:9464/healthz")]
    public string Url { get; init; } = "";

    [CommandOption("--timeout <DURATION>")]
    [Description("how long to wait for the answer (default 5s)")]
    public string Timeout { get; init; } = "5s";
}

/// <summary>
/// <c>image-sync probe URL</c>: asks one of the daemon's endpoints and exits 0 on a 2xx answer, 1 otherwise.
/// The container image has no curl and no shell to spare, so its HEALTHCHECK runs the program itself.
/// </summary>
internal sealed class ProbeCommand(TextWriter errors) : AsyncCommand<ProbeOptions>
{
    private const int MaxBody = 200;

    public override Task<int> ExecuteAsync(CommandContext context, ProbeOptions options, CancellationToken cancellationToken)
    {
        UsageException.RefuseLeftovers(context, options);
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp)
            throw new UsageException($"probe: '{options.Url}' is not an http:// URL");
        if (!Durations.TryParse(options.Timeout, out var timeout) || timeout <= TimeSpan.Zero)
            throw new UsageException($"probe: --timeout '{options.Timeout}' is not a duration such as 5s");
        return ProbeAsync(url, timeout, Console.Out, errors, cancellationToken);
    }

    /// <returns>0 when the endpoint answered 2xx (said on stdout), 1 otherwise (said on stderr).</returns>
    public static async Task<int> ProbeAsync(Uri url, TimeSpan timeout, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = timeout };
        try
        {
            using var answer = await client.GetAsync(url, cancellationToken);
            var body = (await answer.Content.ReadAsStringAsync(cancellationToken)).ReplaceLineEndings(" ").Trim();
            var line = $"{url} answered {(int)answer.StatusCode} {answer.ReasonPhrase}: {(body.Length > MaxBody ? body[..MaxBody] + "…" : body)}";
            if (!answer.IsSuccessStatusCode) return Unhealthy(stderr, line);
            await stdout.WriteLineAsync(line);
            return ExitCodes.Ok;
        }
        catch (HttpRequestException e)
        {
            return Unhealthy(stderr, $"cannot reach {url}: {ExceptionChain.Describe(e)}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Unhealthy(stderr, $"{url} did not answer within {Durations.Show(timeout)}");
        }
    }

    private static int Unhealthy(TextWriter stderr, string why)
    {
        stderr.WriteLine($"image-sync: {why}");
        return ExitCodes.Unhealthy;
    }
}
