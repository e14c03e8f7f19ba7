using ImageSync.Cli;
using ImageSync.Configuration;
using ImageSync.Reporting;
using Spectre.Console;

CommandLine? commandLine = null;
try
{
    if (args is ["--help"] or ["-h"] or ["help"])
    {
        Console.WriteLine(CommandLine.Usage);
        return ExitCodes.Ok;
    }
    commandLine = CommandLine.Parse(args);
    var settings = SettingsLoader.Load(commandLine.ConfigPath);
    // A pipe or a cron mail has no width; tables there are read whole, not wrapped to 80 columns.
    if (Console.IsOutputRedirected) AnsiConsole.Console.Profile.Width = 200;
    return commandLine.IsDaemon
        ? await DaemonCommand.ExecuteAsync(commandLine, settings)
        : await SyncCommand.ExecuteAsync(commandLine, settings, AnsiConsole.Console);
}
catch (UsageException e)
{
    await Console.Error.WriteLineAsync($"image-sync: {e.Message}\n\n{CommandLine.Usage}");
    return ExitCodes.BadConfig;
}
catch (ConfigException e)
{
    await Console.Error.WriteLineAsync($"image-sync: {e.Message}");
    if (commandLine is { Json: true }) JsonReport.WriteError(Console.OpenStandardOutput(), commandLine.Command, ExitCodes.BadConfig, "invalid configuration", e.Problems);
    return ExitCodes.BadConfig;
}
