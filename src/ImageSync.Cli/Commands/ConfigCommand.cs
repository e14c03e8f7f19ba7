using ImageSync.Configuration;

namespace ImageSync.Cli.Commands;

/// <summary><c>image-sync config</c>: every setting in effect, the reference's defaults included, with where each value came from.</summary>
internal sealed class ConfigCommand(TextWriter errors) : ConfiguredCommand<ConfigOptions>(errors)
{
    protected override async Task<int> ExecuteAsync(ConfigOptions options, string configPath, ImageSyncSettings settings)
    {
        foreach (var setting in SettingsLoader.Effective(configPath, Environment.GetEnvironmentVariable)) await Console.Out.WriteLineAsync(setting.ToString());
        return ExitCodes.Ok;
    }
}
