using System.Reflection;

namespace ImageSync.Configuration;

/// <summary>Everything wrong with a config, one problem per line. The CLI prints it and exits 2.</summary>
public sealed class ConfigException(IReadOnlyList<string> problems)
    : Exception("invalid configuration:" + string.Concat(problems.Select(p => Environment.NewLine + "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Reads a user's HOCON file laid over the reference config (<c>hocon/image-sync.conf</c>, embedded), and
/// validates all of it up front: every bad or unknown key is reported at once, naming the key. The keys a
/// config may hold are the reference config's: its settings, and the shapes of list entries.
/// </summary>
public static class SettingsLoader
{
    internal const string ReferenceName = "reference image-sync.conf";

    /// <exception cref="ConfigException">The file is missing, unreadable, malformed or invalid.</exception>
    public static ImageSyncSettings Load(string path, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return Bind(ParseFile(path, environment), environment);
    }

    /// <summary>Every setting the file and the environment leave in effect, each with where its value came from.</summary>
    /// <exception cref="ConfigException">The file is missing, unreadable, malformed or invalid.</exception>
    public static IReadOnlyList<EffectiveSetting> Effective(string path, Func<string, string?> environment)
    {
        var user = ParseFile(path, environment);
        Bind(user, environment);
        return EffectiveSetting.Of(user.WithFallback(HoconParser.Parse(ReferenceText(), ReferenceName, environment)), ConfigReader.Root, ReferenceName);
    }

    private static HoconObject ParseFile(string path, Func<string, string?> environment)
    {
        try
        {
            return HoconParser.ParseFile(path, environment);
        }
        catch (HoconException e)
        {
            throw new ConfigException([e.Message]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"cannot read config file '{path}': {e.Message}"]);
        }
    }

    /// <exception cref="ConfigException">The text is malformed or invalid.</exception>
    public static ImageSyncSettings Parse(string text, string file = "config", Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        try
        {
            return Bind(HoconParser.Parse(text, file, environment), environment);
        }
        catch (HoconException e)
        {
            throw new ConfigException([e.Message]);
        }
    }

    /// <summary>The reference config text shipped inside the library.</summary>
    public static string ReferenceText()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("ImageSync.reference.conf")
            ?? throw new InvalidOperationException("the reference config is not embedded in this build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static ImageSyncSettings Bind(HoconObject user, Func<string, string?> environment)
    {
        var reference = HoconParser.Parse(ReferenceText(), ReferenceName, environment);
        var reader = new ConfigReader(user.WithFallback(reference), reference);
        // The shapes describe entries; a config sets only image-sync.
        reader.RejectUnknownKeys("", user, [ConfigReader.Root]);
        if (user[ConfigReader.Root] is HoconObject settings && reference[ConfigReader.Root] is HoconObject known)
            RejectUnknownKeys(reader, settings, known, ConfigReader.Root);

        var home = environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var bound = ImageSyncSettings.Create(reader, home);
        if (reader.Problems.Count > 0) throw new ConfigException(reader.Problems);
        return bound;
    }

    /// <summary>Walks the user's tree beside the reference; an empty object in the reference takes any keys.</summary>
    private static void RejectUnknownKeys(ConfigReader reader, HoconObject user, HoconObject reference, string path)
    {
        reader.RejectUnknownKeys(path, user, reference.Keys.ToList());
        foreach (var (key, value) in user.Fields)
        {
            if (value is HoconObject child && reference[key] is HoconObject known && known.Keys.Any())
                RejectUnknownKeys(reader, child, known, $"{path}.{key}");
        }
    }
}
