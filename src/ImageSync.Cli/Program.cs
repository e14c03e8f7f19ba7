using ImageSync.Cli;
using ImageSync.Cli.Output;

var console = Consoles.For(Console.Out, Console.IsOutputRedirected, Environment.GetEnvironmentVariable);
var exitCode = await ImageSyncApp.RunAsync(args, console, Console.Error);
// The plain text of a pipe is written a line at a time: the last one goes out now.
console.Profile.Out.Writer.Flush();
return exitCode;
