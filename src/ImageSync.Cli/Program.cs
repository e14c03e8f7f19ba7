using ImageSync.Cli;
using ImageSync.Configuration;
using ImageSync.Reporting;
using Spectre.Console;

Invocation? invocation = null;
try
{
    invocation = CommandLine.Parse(args);
    switch (invocation)
    {
        case Invocation.ShowHelp help:
            Console.WriteLine(help.Text);
            return ExitCodes.Ok;
        case Invocation.ShowVersion:
            Console.WriteLine(ProductVersion.Text);
            return ExitCodes.Ok;
        case Invocation.ImportConfig import:
            return ImportConfigCommand.Execute(import.OldConfigPath, Console.Out, Console.Error);
    }
    var commandLine = (CommandLine)invocation;
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
    if (invocation is CommandLine { Json: true } commandLine) JsonReport.WriteError(Console.OpenStandardOutput(), commandLine.Command, ExitCodes.BadConfig, "invalid configuration", e.Problems);
    return ExitCodes.BadConfig;
}
