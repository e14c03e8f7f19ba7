namespace ImageSync.Configuration;

public sealed record DaemonSettings(TimeSpan Interval, string Metrics)
{
    private const string Section = "image-sync.daemon";

    /// <summary>Reads <c>image-sync.daemon</c>; what is wrong goes to the reader's problems.</summary>
    internal static DaemonSettings Create(ConfigReader reader)
    {
        var metrics = reader.String($"{Section}.metrics");
        if (metrics.Length > 0 && !(NodeAddress.TryParse(metrics, out var listen, out _) && listen is { User: null, Port: not null }))
            reader.Problem($"{Section}.metrics", reader.Node($"{Section}.metrics"), $"'{metrics}' is not host:port (e.g. \"127.0.0.1:9464\", \"0.0.0.0:9464\", \"[::]:9464\") or \"\"");
        return new DaemonSettings(reader.Duration($"{Section}.interval", TimeSpan.FromSeconds(10), TimeSpan.FromDays(7)), metrics);
    }
}

/// <summary>How the console's lines are written: plain text for people and journald, or JSON for a log shipper.</summary>
public enum LogFormat
{
    Text,
    Json,
}

/// <param name="Level">The least severe line written to the console and the run log.</param>
/// <param name="DayFiles">Write the three day files; off, the console is the only log (a container logging to stdout).</param>
public sealed record LogSettings(string Dir, int RetentionDays, LogFormat Format, Serilog.Events.LogEventLevel Level, bool DayFiles)
{
    private const string Section = "image-sync.logs";

    /// <summary>Reads <c>image-sync.logs</c>; what is wrong goes to the reader's problems.</summary>
    internal static LogSettings Create(ConfigReader reader, string home) =>
        new(reader.Path($"{Section}.dir", home), reader.Int($"{Section}.retention-days", 1, 36_500), reader.Choice<LogFormat>($"{Section}.format"),
            reader.Choice<Serilog.Events.LogEventLevel>($"{Section}.level"), reader.Switch($"{Section}.day-files"));
}
