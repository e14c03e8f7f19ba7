using Spectre.Console;

namespace ImageSync.Cli.Output;

/// <summary>The consoles image-sync writes its views to, shaped by where they go and the locale.</summary>
internal static class Consoles
{
    // A pipe has no width: tables there are laid out wide and read whole (their lines are not padded).
    private const int PipeWidth = 200;

    /// <param name="redirected">The stream goes to a pipe or a file, not a terminal.</param>
    public static IAnsiConsole For(TextWriter stream, bool redirected, Func<string, string?> environment)
    {
        var ascii = !IsUtf8(environment);
        var output = redirected || ascii ? new PlainText(stream, trimLines: redirected, ascii) : stream;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            // A pipe gets no escape codes and no live view, whatever TERM says.
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (Columns(environment) is { } columns) console.Profile.Width = columns;
        else if (redirected) console.Profile.Width = PipeWidth;
        if (ascii) console.Profile.Capabilities.Unicode = false;
        return console;
    }

    /// <summary>COLUMNS, as a shell or a user sets it for programs that cannot ask the terminal.</summary>
    public static int? Columns(Func<string, string?> environment) =>
        int.TryParse(environment("COLUMNS"), out var columns) && columns is >= 20 and <= 1000 ? columns : null;

    /// <summary>The locale's character set, as C programs decide it: the first of LC_ALL, LC_CTYPE, LANG that is set.</summary>
    public static bool IsUtf8(Func<string, string?> environment)
    {
        var locale = new[] { "LC_ALL", "LC_CTYPE", "LANG" }.Select(environment).FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? "";
        return locale.Contains("UTF-8", StringComparison.OrdinalIgnoreCase) || locale.Contains("utf8", StringComparison.OrdinalIgnoreCase);
    }
}
