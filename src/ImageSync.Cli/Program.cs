using ImageSync.Cli;
using Spectre.Console;

// A pipe or a cron mail has no width; tables there are read whole, not wrapped to 80 columns.
if (Console.IsOutputRedirected) AnsiConsole.Console.Profile.Width = 200;
return await ImageSyncApp.RunAsync(args, AnsiConsole.Console, Console.Error);
