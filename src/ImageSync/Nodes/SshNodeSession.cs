using System.Text;
using ImageSync.Configuration;
using ImageSync.Domain;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace ImageSync.Nodes;

/// <summary>
/// One node's SSH connection; every command runs on its own channel. Output is read as it arrives and
/// bounded, so a node that prints without end cannot exhaust memory; a channel the server refuses (its
/// MaxSessions is reached) is asked for again after a pause instead of failing the command.
/// </summary>
internal sealed class SshNodeSession(NodeName node, SshClient client, RemoteCommands commands, TimeSpan commandTimeout, InventoryLimits limits,
    BlockingCallThreads threads, ImageInterner interner) : INodeSession
{
    // `echo ok` and `crictl pull` print a line or two; anything near this much is not what they print.
    private const int SmallOutputLimit = 64 * 1024;
    private const int ErrorTailBytes = 4 * 1024;
    // A refused channel is asked for again when one of ours closes, or after this long at the latest.
    private static readonly TimeSpan LongestChannelWait = TimeSpan.FromMilliseconds(500);
    private TaskCompletionSource _channelClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NodeName Node => node;

    internal SshClient Client => client;

    internal RemoteCommands Commands => commands;

    internal BlockingCallThreads Threads => threads;

    public async Task<NodeFacts> CheckAsync(CancellationToken cancellationToken)
    {
        var result = await RunLimitedAsync(commands.CheckAndFacts, SmallOutputLimit, cancellationToken).ConfigureAwait(false);
        var output = result.Output;
        var firstLine = output.Split('\n', 2)[0].Trim();
        if (result.ExitCode != 0 || firstLine != "ok")
            throw new NodeException(node, $"`{RemoteCommands.Check}` answered {Quote(firstLine)} with exit code {result.ExitCode}{ErrorSuffix(result)}");
        return NodeFactsOutput.Parse(output);
    }

    public async Task<ImageFilesystem> ReadImageFsAsync(string path, CancellationToken cancellationToken)
    {
        var command = RemoteCommands.ImageFs(path);
        var result = await RunLimitedAsync(command, SmallOutputLimit, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0) throw new NodeException(node, $"`{command}` exited with code {result.ExitCode}{ErrorSuffix(result)}");
        return DfOutput.Parse(result.Output, path, out var problem) ?? throw new NodeException(node, problem!);
    }

    public async Task<NodeInventory> ListImagesAsync(CancellationToken cancellationToken)
    {
        var result = await RunLimitedAsync(commands.ListImages, limits.MaxBytes, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new NodeException(node, $"`{commands.ListImages}` exited with code {result.ExitCode}{ErrorSuffix(result)}");
        return CrictlImagesJson.Parse(node, result.OutputBytes, limits.MaxImages, interner);
    }

    public async Task<PullExit> PullAsync(ImageRef image, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await RunAsync(commands.Pull(image, timeout), SmallOutputLimit, cancellationToken).ConfigureAwait(false);
        return new PullExit(result.ExitCode, result.LastErrorLine);
    }

    public Task<CopyExit> CopyImageAsync(ImageRef image, INodeSession target, CopyLimits limits, CancellationToken cancellationToken) =>
        target is SshNodeSession other
            ? threads.Run(() => new SshImageCopy(this, other, image, limits).Run(cancellationToken))
            : throw new ArgumentException($"{target.Node} is not an SSH node", nameof(target));

    /// <summary>Runs a command that should answer quickly; one that does not within command-timeout fails the node.</summary>
    private async Task<CommandResult> RunLimitedAsync(string command, long outputLimit, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(commandTimeout);
        try
        {
            return await RunAsync(command, outputLimit, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NodeException(node, $"`{command}` did not answer within {Durations.Show(commandTimeout)} (command-timeout)");
        }
    }

    /// <summary>
    /// Waiting for a channel counts against the command's own time, so a refused one is asked for again as soon
    /// as a channel frees up: a growing back-off would leave a waiter idle while slots stand free.
    /// </summary>
    private async Task<CommandResult> RunAsync(string command, long outputLimit, CancellationToken cancellationToken)
    {
        while (true)
        {
            var closed = Volatile.Read(ref _channelClosed).Task;
            try
            {
                return await RunOnceAsync(command, outputLimit, cancellationToken).ConfigureAwait(false);
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

    private async Task<CommandResult> RunOnceAsync(string command, long outputLimit, CancellationToken cancellationToken)
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
            var output = threads.Run(() => ReadBounded(ssh.OutputStream, outputLimit, () =>
            {
                overflowed = true;
                threads.Forget(() => ssh.CancelAsync());
            }));
            var errors = threads.Run(() => ReadTail(ssh.ExtendedOutputStream));
            try
            {
                await execution.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (overflowed)
            {
                throw new NodeException(node, $"`{command}` printed more than {Sizes.Show(outputLimit)}; its output was refused");
            }
            // A command ended by a signal has no exit status; report it like a shell would (128 + signal).
            var exitCode = ssh.ExitStatus ?? 128 + SignalNumber(ssh.ExitSignal);
            return new CommandResult(exitCode, await output.ConfigureAwait(false), await errors.ConfigureAwait(false));
        }
        catch (Exception e) when (e is SshConnectionException or ObjectDisposedException or InvalidOperationException
                                      || (e is SshException && !IsChannelRefused(e)))
        {
            throw new NodeException(node, $"{PullFailure.ConnectionLost} while running `{command}`: {e.Message}", e);
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

    /// <summary>Reads all output, keeping at most <paramref name="limit"/> bytes; past that, tells <paramref name="overflow"/> once and drains the rest.</summary>
    private static byte[] ReadBounded(Stream stream, long limit, Action overflow)
    {
        using var kept = new MemoryStream();
        var buffer = new byte[64 * 1024];
        var refused = false;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            if (refused) continue;
            if (kept.Length + read > limit)
            {
                refused = true;
                overflow();
                continue;
            }
            kept.Write(buffer, 0, read);
        }
        return refused ? [] : kept.ToArray();
    }

    /// <summary>Reads all of stderr but keeps only its end: the last line is what explains a failure.</summary>
    internal static string ReadTail(Stream stream)
    {
        const int keep = ErrorTailBytes;
        using var tail = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            tail.Write(buffer, 0, read);
            if (tail.Length <= 2 * keep) continue;
            var last = tail.ToArray()[^keep..];
            tail.SetLength(0);
            tail.Write(last);
        }
        var bytes = tail.ToArray();
        return Encoding.UTF8.GetString(bytes, Math.Max(0, bytes.Length - keep), Math.Min(bytes.Length, keep));
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

    private static string ErrorSuffix(CommandResult result) =>
        result.LastErrorLine.Length == 0 ? "" : $": {result.LastErrorLine}";

    private static string Quote(string text) => text.Length == 0 ? "nothing" : $"'{(text.Length > 80 ? text[..80] + "…" : text)}'";

    public ValueTask DisposeAsync()
    {
        // Disconnecting waits for the server's goodbye; a frozen node must not hold up whoever disposes.
        threads.Forget(client.Dispose);
        return ValueTask.CompletedTask;
    }

    private sealed record CommandResult(int ExitCode, byte[] OutputBytes, string Error)
    {
        public string Output => Encoding.UTF8.GetString(OutputBytes);

        public string LastErrorLine { get; } =
            Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
    }
}
