namespace ImageSync.Logging;

/// <summary>
/// The one way a time is written for an operator, in the console, the run log, the outcome day files and
/// messages: ISO 8601 with the offset, so a line read in `docker logs` or a log shipper needs no guess at its zone.
/// </summary>
public static class Timestamps
{
    public const string Format = "yyyy-MM-ddTHH:mm:ss.fffzzz";

    /// <summary>A Serilog output template's timestamp token in that format.</summary>
    public const string Token = "{Timestamp:" + Format + "}";

    public static string Show(DateTimeOffset time) => time.ToString(Format, System.Globalization.CultureInfo.InvariantCulture);
}
