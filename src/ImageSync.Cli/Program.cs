using ImageSync.Cli;
using ImageSync.Configuration;

try
{
    if (args is ["--help"] or ["-h"] or ["help"])
    {
        Console.WriteLine(CommandLine.Usage);
        return ExitCodes.Ok;
    }
    var commandLine = CommandLine.Parse(args);
    var settings = SettingsLoader.Load(commandLine.ConfigPath);
    return await RunCommand.ExecuteAsync(settings);
}
catch (UsageException e)
{
    await Console.Error.WriteLineAsync($"image-sync: {e.Message}\n\n{CommandLine.Usage}");
    return ExitCodes.BadConfig;
}
catch (ConfigException e)
{
    await Console.Error.WriteLineAsync($"image-sync: {e.Message}");
    return ExitCodes.BadConfig;
}
