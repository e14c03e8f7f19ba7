using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;

namespace ImageSync.Cli;

/// <summary>
/// Console lines for journald: under systemd (which sets <c>JOURNAL_STREAM</c>) each line starts with its
/// syslog priority, <c>&lt;3&gt;</c> for an error, so <c>journalctl -p err</c> finds failures; the journal
/// stamps the time itself. Elsewhere, plain lines with the time.
/// </summary>
internal sealed class JournalPriorities(ITextFormatter inner) : ITextFormatter
{
    private const string PlainTemplate = Logging.Timestamps.Token + " {Level:u3} {Message:lj}{NewLine}{Exception}";
    private const string JournalTemplate = "{Level:u3} {Message:lj}{NewLine}{Exception}";

    /// <summary>The console's format for this process: with priorities when its output goes to the journal.</summary>
    public static ITextFormatter For(Func<string, string?> environment) =>
        environment("JOURNAL_STREAM") is { Length: > 0 }
            ? new JournalPriorities(new MessageTemplateTextFormatter(JournalTemplate, CultureInfo.InvariantCulture))
            : new MessageTemplateTextFormatter(PlainTemplate, CultureInfo.InvariantCulture);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        output.Write(Priority(logEvent.Level));
        inner.Format(logEvent, output);
    }

    /// <summary>sd-daemon(3) prefixes: 2 crit, 3 err, 4 warning, 6 info, 7 debug.</summary>
    private static string Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => "<2>",
        LogEventLevel.Error => "<3>",
        LogEventLevel.Warning => "<4>",
        LogEventLevel.Information => "<6>",
        _ => "<7>",
    };
}
