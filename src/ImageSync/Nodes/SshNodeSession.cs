using System.Text;
using ImageSync.Configuration;
using ImageSync.Domain;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace ImageSync.Nodes;

/// <summary>One node's SSH connection; every command runs on its own channel.</summary>
internal sealed class SshNodeSession(NodeName node, SshClient client, RemoteCommands commands, TimeSpan commandTimeout) : INodeSession
{
    public NodeName Node => node;

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var result = await RunLimitedAsync(RemoteCommands.Check, cancellationToken).ConfigureAwait(false);
        var answer = result.Output.Trim();
        if (result.ExitCode != 0 || answer != "ok")
            throw new NodeException(node, $"`{RemoteCommands.Check}` answered {Quote(answer)} with exit code {result.ExitCode}{ErrorSuffix(result)}");
    }

    public async Task<NodeInventory> ListImagesAsync(CancellationToken cancellationToken)
    {
        var result = await RunLimitedAsync(commands.ListImages, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new NodeException(node, $"`{commands.ListImages}` exited with code {result.ExitCode}{ErrorSuffix(result)}");
        return CrictlImagesJson.Parse(node, Encoding.UTF8.GetBytes(result.Output));
    }

    public async Task<PullExit> PullAsync(ImageRef image, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await RunAsync(commands.Pull(image, timeout), cancellationToken).ConfigureAwait(false);
        return new PullExit(result.ExitCode, result.LastErrorLine);
    }

    /// <summary>Runs a command that should answer quickly; one that does not within command-timeout fails the node.</summary>
    private async Task<CommandResult> RunLimitedAsync(string command, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(commandTimeout);
        try
        {
            return await RunAsync(command, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NodeException(node, $"`{command}` did not answer within {Durations.Show(commandTimeout)} (command-timeout)");
        }
    }

    private async Task<CommandResult> RunAsync(string command, CancellationToken cancellationToken)
    {
        using var ssh = client.CreateCommand(command);
        try
        {
            await ssh.ExecuteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or InvalidOperationException)
        {
            throw new NodeException(node, $"connection lost while running `{command}`: {e.Message}", e);
        }
        // A command ended by a signal has no exit status; report it like a shell would (128 + signal).
        var exitCode = ssh.ExitStatus ?? 128 + SignalNumber(ssh.ExitSignal);
        return new CommandResult(exitCode, ssh.Result, ssh.Error);
    }

    private static int SignalNumber(string? signal) => signal switch
    {
        "HUP" => 1,
        "INT" => 2,
        "KILL" => 9,
        "TERM" => 15,
        _ => 0,
    };

    private static string ErrorSuffix(CommandResult result) =>
        result.LastErrorLine.Length == 0 ? "" : $": {result.LastErrorLine}";

    private static string Quote(string text) => text.Length == 0 ? "nothing" : $"'{(text.Length > 80 ? text[..80] + "…" : text)}'";

    public ValueTask DisposeAsync()
    {
        // Disconnecting waits for the server's goodbye; a frozen node must not hold up whoever disposes.
        _ = Task.Run(client.Dispose);
        return ValueTask.CompletedTask;
    }

    private sealed record CommandResult(int ExitCode, string Output, string Error)
    {
        public string LastErrorLine { get; } =
            Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
    }
}
