using ImageSync.Importing;
using Spectre.Console.Cli;

namespace ImageSync.Cli.Commands;

/// <summary><c>image-sync import-config OLD.conf</c>: the bash tool's config as HOCON on stdout, what did not carry over on stderr.</summary>
internal sealed class ImportConfigCommand(TextWriter errors) : Command<ImportConfigOptions>
{
    // A bash tool config is a dozen lines; anything this large is the wrong file (or /dev/zero).
    private const int MaxChars = 1 << 20;

    public override int Execute(CommandContext context, ImportConfigOptions options, CancellationToken cancellationToken)
    {
        UsageException.RefuseLeftovers(context, options);
        return Convert(options.OldConfig, Console.Out, errors);
    }

    public static int Convert(string path, TextWriter stdout, TextWriter stderr)
    {
        string text;
        try
        {
            text = ReadBounded(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            stderr.WriteLine($"image-sync: cannot read {path}: {e.Message}");
            return ExitCodes.BadConfig;
        }

        var conversion = LegacyConfig.Convert(text, path);
        foreach (var warning in conversion.Warnings) stderr.WriteLine($"image-sync: {path}: {warning}");
        if (conversion.Hocon is null)
        {
            stderr.WriteLine($"image-sync: cannot convert {path}; nothing was printed:");
            foreach (var problem in conversion.Problems) stderr.WriteLine($"  - {problem}");
            return ExitCodes.BadConfig;
        }
        stdout.Write(conversion.Hocon);
        return ExitCodes.Ok;
    }

    /// <exception cref="InvalidDataException">The file is larger than any bash tool config.</exception>
    private static string ReadBounded(string path)
    {
        using var reader = new StreamReader(path);
        var buffer = new char[MaxChars + 1];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        return read <= MaxChars ? new string(buffer, 0, read) : throw new InvalidDataException($"larger than {MaxChars / 1024} KiB, not a config of the bash tool");
    }
}
