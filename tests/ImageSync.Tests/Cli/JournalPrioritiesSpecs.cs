using ImageSync.Cli;
using Serilog.Events;
using Serilog.Parsing;

namespace ImageSync.Tests.Cli;

public sealed class JournalPrioritiesSpecs
{
    [Theory]
    [InlineData(LogEventLevel.Fatal, "<2>FTL ")]
    [InlineData(LogEventLevel.Error, "<3>ERR ")]
    [InlineData(LogEventLevel.Warning, "<4>WRN ")]
    [InlineData(LogEventLevel.Information, "<6>INF ")]
    [InlineData(LogEventLevel.Debug, "<7>DBG ")]
    public void Should_start_each_line_with_its_syslog_priority_when_the_output_goes_to_the_journal(LogEventLevel level, string start)
    {
        var line = Format(JournalPriorities.For(name => name == "JOURNAL_STREAM" ? "8:12345" : null), level);

        Assert.StartsWith(start, line);
        Assert.EndsWith("SYNC COMPLETE" + Environment.NewLine, line);
    }

    [Fact]
    public void Should_write_plain_lines_stamped_in_iso_8601_with_the_offset_elsewhere()
    {
        var line = Format(JournalPriorities.For(_ => null), LogEventLevel.Error);

        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d ERR SYNC COMPLETE", line);
    }

    private static string Format(Serilog.Formatting.ITextFormatter formatter, LogEventLevel level)
    {
        var output = new StringWriter();
        formatter.Format(new LogEvent(DateTimeOffset.Now, level, null, new MessageTemplateParser().Parse("SYNC COMPLETE"), []), output);
        return output.ToString();
    }
}
