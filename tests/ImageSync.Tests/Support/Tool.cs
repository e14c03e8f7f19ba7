using System.Diagnostics;

namespace ImageSync.Tests.Support;

/// <summary>A command-line tool the deploy specs check their files with (kubectl, promtool), run to its end.</summary>
public static class Tool
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string program, string workingDirectory, params string[] arguments)
    {
        using var tool = Process.Start(new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = tool.StandardOutput.ReadToEndAsync();
        var stderr = tool.StandardError.ReadToEnd();
        tool.WaitForExit();
        return (tool.ExitCode, stdout.Result, stderr);
    }
}
