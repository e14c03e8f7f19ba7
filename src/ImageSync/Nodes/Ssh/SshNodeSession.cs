using System.Text;
using ImageSync.Configuration;
using ImageSync.Domain;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace ImageSync.Nodes.Ssh;

/// <summary>
/// One node's SSH connection (through its tunnel when it has bastions, closed after it); every command runs on its own channel. Output is read as it arrives and
/// bounded, so a node that prints without end cannot exhaust memory; a channel the server refuses (its
/// MaxSessions is reached) is asked for again after a pause instead of failing the command.
/// </summary>
internal sealed class SshNodeSession(NodeName node, SshClient client, RemoteCommands commands, TimeSpan commandTimeout, InventoryLimits limits,
    BlockingCallThreads threads, ImageInterner interner, RegistryCredentials credentials, IDisposable? tunnel = null) : INodeSession, INodeOperations
{
    // `echo ok` and `crictl pull` print a line or two; anything near this much is not what they print.
    private const int SmallOutputLimit = 64 * 1024;
    // A refused channel is asked for again when one of ours closes, or after this long at the latest.
    private static readonly TimeSpan LongestChannelWait = TimeSpan.FromMilliseconds(500);
    private TaskCompletionSource _channelClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NodeName Node => node;

    internal SshClient Client => client;

    internal RemoteCommands Commands => commands;

    internal BlockingCallThreads Threads => threads;

    public Task<TAnswer> RunAsync<TAnswer>(NodeCommand<TAnswer> command, CancellationToken cancellationToken) => command.RunOn(this, cancellationToken);

    public async Task<NodeFacts> CheckAsync(CancellationToken cancellationToken)
    {
        var result = await RunLimitedAsync(commands.CheckAndFacts, SmallOutputLimit, CommandOutput.ReadAll, cancellationToken).ConfigureAwait(false);
        var output = Encoding.UTF8.GetString(result.Output);
        var firstLine = output.Split('\n', 2)[0].Trim();
        if (result.ExitCode != 0 || firstLine != "ok")
            throw new NodeException(node, $"`{commands.CheckName}` answered {Quote(firstLine)} with exit code {result.ExitCode}{ErrorSuffix(result)}");
        return NodeFactsOutput.Parse(output);
    }

    public async Task<ImageFilesystem> ReadImageFsAsync(string path, CancellationToken cancellationToken)
    {
        var command = commands.ImageFs(path);
        var result = await RunLimitedAsync(command, SmallOutputLimit, CommandOutput.ReadAll, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0) throw new NodeException(node, $"`{command}` exited with code {result.ExitCode}{ErrorSuffix(result)}");
        return DfOutput.Parse(Encoding.UTF8.GetString(result.Output), path, out var problem) ?? throw new NodeException(node, problem!);
    }

    /// <summary>Parsed as it streams in; crictl's exit code speaks first, then what was wrong with its document.</summary>
    public async Task<NodeInventory> ListImagesAsync(CancellationToken cancellationToken)
    {
        var result = await RunLimitedAsync(commands.ListImages, limits.MaxBytes, ReadInventory, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new NodeException(node, $"`{commands.ListImages}` exited with code {result.ExitCode}{ErrorSuffix(result)}");
        return result.Output.Inventory ?? throw result.Output.Problem!;
    }

    private (NodeInventory? Inventory, NodeException? Problem) ReadInventory(Stream output)
    {
        try
        {
            return (CrictlImagesJson.Read(node, output, limits.MaxImages, interner), null);
        }
        catch (NodeException problem)
        {
            CommandOutput.Drain(output);
            return (null, problem);
        }
    }

    /// <summary>
    /// A registry credential for the image goes on the command's standard input (the node hands it to crictl in its
    /// environment), so no argument, process list or failure reason on either side ever holds it.
    /// </summary>
    public async Task<PullExit> PullAsync(ImageRef image, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var credential = credentials.For(image);
        var input = credential is null ? null : Encoding.UTF8.GetBytes(credential.Auth + "\n");
        var result = await RunAsync(commands.Pull(image, timeout, credentialOnInput: credential is not null), SmallOutputLimit, CommandOutput.ReadAll, cancellationToken, input)
            .ConfigureAwait(false);
        if (credential is null) return new PullExit(result.ExitCode, result.LastErrorLine);
        var said = Redaction.Redact(result.LastErrorLine, credential.SecretForms());
        return new PullExit(result.ExitCode, result.ExitCode != 0 && IsRefusal(said) ? $"{image.Domain} refused the credentials of {credential}: {PullFailure.Describe(said)}" : said);
    }

    /// <summary>What registries and containerd answer to credentials they do not take.</summary>
    private static bool IsRefusal(string line) =>
        line.Contains("401 Unauthorized", StringComparison.Ordinal) || line.Contains("403 Forbidden", StringComparison.Ordinal)
        || line.Contains("code = Unauthenticated", StringComparison.Ordinal) || line.Contains("code = PermissionDenied", StringComparison.Ordinal)
        || line.Contains("authorization failed", StringComparison.OrdinalIgnoreCase);

    /// <summary>The command prints one word; a failure says which of pin or unpin it was, not the whole command (on the shell path, the helper's script).</summary>
    public async Task<PinAnswer> SetPinAsync(ImageRef image, bool pin, CancellationToken cancellationToken)
    {
        var shown = $"{NodeHelperScript.Name} {(pin ? "pin" : "unpin")} {RemoteCommands.Quote(image.ToString())}";
        var result = await RunLimitedAsync(commands.Pin(image, pin), SmallOutputLimit, CommandOutput.ReadAll, cancellationToken, shown).ConfigureAwait(false);
        var said = Encoding.UTF8.GetString(result.Output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        if (result.ExitCode == 0 && RemoteCommands.PinAnswerOf(said) is { } answer) return answer;
        throw new NodeException(node, $"`{shown}` exited with code {result.ExitCode}{ErrorSuffix(result)}" + (result.ExitCode == 0 ? $" and answered {Quote(said)}" : ""));
    }

    public Task<CopyExit> CopyImageAsync(ImageRef image, INodeSession target, CopyLimits limits, CancellationToken cancellationToken) =>
        target is SshNodeSession other
            ? threads.Run(() => new SshImageCopy(this, other, image, limits).Run(cancellationToken))
            : throw new ArgumentException($"{target.Node} is not an SSH node", nameof(target));

    /// <summary>Runs a command that should answer quickly; one that does not within command-timeout fails the node.</summary>
    /// <param name="shown">How a failure names the command, when not by its text (one that carries the helper's script).</param>
    private async Task<CommandResult<T>> RunLimitedAsync<T>(string command, long outputLimit, Func<Stream, T> read, CancellationToken cancellationToken, string? shown = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(commandTimeout);
        try
        {
            return await RunAsync(command, outputLimit, read, deadline.Token, shown: shown).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NodeException(node, $"`{shown ?? command}` did not answer within {Durations.Show(commandTimeout)} (command-timeout)");
        }
    }

    /// <summary>
    /// Waiting for a channel counts against the command's own time, so a refused one is asked for again as soon
    /// as a channel frees up: a growing back-off would leave a waiter idle while slots stand free.
    /// </summary>
    /// <param name="input">Written to the command's standard input once it runs, then closed; null for none.</param>
    private async Task<CommandResult<T>> RunAsync<T>(string command, long outputLimit, Func<Stream, T> read, CancellationToken cancellationToken, byte[]? input = null,
        string? shown = null)
    {
        while (true)
        {
            var closed = Volatile.Read(ref _channelClosed).Task;
            try
            {
                return await RunOnceAsync(command, outputLimit, read, cancellationToken, input, shown ?? command).ConfigureAwait(false);
            }
            catch (SshException e) when (IsChannelRefused(e))
            {
                await Task.WhenAny(closed, Task.Delay(LongestChannelWait, cancellationToken)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    private void ChannelClosed() =>
        Interlocked.Exchange(ref _channelClosed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <param name="read">Reads the command's output, bounded by <paramref name="outputLimit"/>, to its end, on one of our threads.</param>
    private async Task<CommandResult<T>> RunOnceAsync<T>(string command, long outputLimit, Func<Stream, T> read, CancellationToken cancellationToken, byte[]? input, string shown)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var ssh = client.CreateCommand(command);
        // Opening the channel and starting the command wait for the server's replies: on our own threads.
        var starting = threads.Run(() => ssh.ExecuteAsync(CancellationToken.None));
        try
        {
            var execution = await starting.WaitAsync(cancellationToken).ConfigureAwait(false);
            using var cancel = cancellationToken.Register(() => threads.Forget(() => ssh.CancelAsync()));
            var overflowed = false;
            // SSH.NET's output streams only block to read; a reader holds one of our threads until the command ends.
            var output = threads.Run(() => read(new CommandOutput.Limited(ssh.OutputStream, outputLimit, () =>
            {
                overflowed = true;
                threads.Forget(() => ssh.CancelAsync());
            })));
            var errors = threads.Run(() => CommandOutput.ReadTail(ssh.ExtendedOutputStream));
            if (input is not null) await threads.Run(() => WriteInput(ssh, input)).ConfigureAwait(false);
            try
            {
                await execution.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (overflowed)
            {
                throw new NodeException(node, $"`{shown}` printed more than {Sizes.Show(outputLimit)}; its output was refused");
            }
            // A command ended by a signal has no exit status; report it like a shell would (128 + signal).
            var exitCode = ssh.ExitStatus ?? 128 + SignalNumber(ssh.ExitSignal);
            return new CommandResult<T>(exitCode, await output.ConfigureAwait(false), await errors.ConfigureAwait(false));
        }
        catch (Exception e) when (e is SshConnectionException or ObjectDisposedException or InvalidOperationException
                                      || (e is SshException && !IsChannelRefused(e)))
        {
            throw new NodeException(node, $"{PullFailure.ConnectionLost} while running `{shown}`: {e.Message}", e);
        }
        finally
        {
            // Closing waits for the server too; a channel still opening is closed once it is open.
            _ = starting.ContinueWith(opening => threads.Forget(() =>
            {
                ssh.Dispose();
                if (opening.IsCompletedSuccessfully) ChannelClosed();
            }), TaskScheduler.Default);
        }
    }

    /// <summary>Writing waits for the channel's window, on one of our threads; closing the stream sends EOF.</summary>
    private static void WriteInput(SshCommand ssh, byte[] input)
    {
        using var stdin = ssh.CreateInputStream();
        stdin.Write(input);
    }

    private static bool IsChannelRefused(Exception e) => e.Message.StartsWith("Failed to open a channel", StringComparison.Ordinal);

    private static int SignalNumber(string? signal) => signal switch
    {
        "HUP" => 1,
        "INT" => 2,
        "KILL" => 9,
        "TERM" => 15,
        _ => 0,
    };

    private static string ErrorSuffix<T>(CommandResult<T> result) =>
        result.LastErrorLine.Length == 0 ? "" : $": {result.LastErrorLine}";

    private static string Quote(string text) => text.Length == 0 ? "nothing" : $"'{(text.Length > 80 ? text[..80] + "…" : text)}'";

    public ValueTask DisposeAsync()
    {
        // Disconnecting waits for the server's goodbye; a frozen node must not hold up whoever disposes.
        threads.Forget(() =>
        {
            client.Dispose();
            tunnel?.Dispose();
        });
        return ValueTask.CompletedTask;
    }

    private sealed record CommandResult<T>(int ExitCode, T Output, string Error)
    {
        public string LastErrorLine { get; } =
            Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
    }
}
