using System.Text;
using ImageSync.Domain;
using Renci.SshNet;

namespace ImageSync.Nodes;

/// <summary>
/// One node-to-node copy over SSH: the source's export (paced by credits, see <see cref="RemoteCommands.Export"/>)
/// relayed into the target's import through a fixed buffer, on a thread of its own, since SSH.NET only reads and
/// writes channels by blocking. The target's channel window holds back the relay, and the relay holds back the
/// source: at most a few chunks are ever in flight, whatever the image's size.
/// </summary>
internal sealed class SshImageCopy(SshNodeSession source, SshNodeSession target, ImageRef image, CopyLimits limits)
{
    private const int CreditsAhead = 2;
    private static readonly byte[] Credit = "\n"u8.ToArray();

    public CopyExit Run(CancellationToken cancellationToken)
    {
        using var import = target.Client.CreateCommand(target.Commands.Import(image, limits.Timeout));
        using var export = source.Client.CreateCommand(source.Commands.Export(image, limits.Timeout));
        // Whoever gives up (the watchdog, a stop) ends both channels, which ends the blocking reads below.
        using var cancel = cancellationToken.Register(() => source.Threads.Forget(() =>
        {
            import.Dispose();
            export.Dispose();
        }));
        Task imported, exported;
        Stream toImport, credits;
        try
        {
            imported = import.ExecuteAsync(CancellationToken.None);
            toImport = import.CreateInputStream();
        }
        catch (Exception e)
        {
            return new CopyExit(0, $"import on {target.Node}: {e.Message}");
        }
        try
        {
            exported = export.ExecuteAsync(CancellationToken.None);
            credits = export.CreateInputStream();
        }
        catch (Exception e)
        {
            toImport.Dispose();
            return new CopyExit(0, $"export on {source.Node}: {e.Message}", SourceFailed: true);
        }
        var importErrors = source.Threads.Run(() => CommandOutput.ReadTail(import.ExtendedOutputStream));
        var exportErrors = source.Threads.Run(() => CommandOutput.ReadTail(export.ExtendedOutputStream));
        var relayed = Relay(export.OutputStream, toImport, credits, out var broken);
        // The end of the archive (or of what came): the import finishes or fails on what it got.
        Close(toImport);
        Wait(imported);
        Close(credits);
        Wait(exported);
        var exportError = LastLine(exportErrors);
        if (import.ExitStatus == 0 && relayed > 0) return new CopyExit(relayed, null);
        if (cancellationToken.IsCancellationRequested) return new CopyExit(relayed, "interrupted");
        // An export that did not exit 0 (no status at all when the source's connection dropped) is the source's fault,
        // whichever side noticed first: the import then only failed on a truncated archive.
        if (broken is not null || export.ExitStatus != 0 || exportError.Length > 0 || relayed == 0)
        {
            var why = exportError.Length > 0 ? exportError
                : broken?.Message
                ?? (relayed == 0 ? "it sent nothing"
                    : export.ExitStatus is { } status ? $"exit {status}"
                    : export.ExitSignal is { } signal ? $"ended by SIG{signal}"
                    : "the connection ended before the export did");
            var importSaid = LastLine(importErrors);
            return new CopyExit(relayed, $"export on {source.Node}: {why}{(importSaid.Length > 0 ? $" (import on {target.Node}: {importSaid})" : "")}", SourceFailed: true);
        }
        var importError = LastLine(importErrors);
        return new CopyExit(relayed, $"import on {target.Node}: {(importError.Length > 0 ? importError : $"exit {import.ExitStatus}")}");
    }

    /// <returns>Bytes relayed; <paramref name="broken"/> is what stopped the source's stream before its end.</returns>
    private long Relay(Stream fromExport, Stream toImport, Stream credits, out Exception? broken)
    {
        broken = null;
        var buffer = new byte[64 * 1024];
        long relayed = 0, credited = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            for (var i = 0; i < CreditsAhead; i++) credits.Write(Credit);
            credits.Flush();
            int read;
            while ((read = fromExport.Read(buffer)) > 0)
            {
                toImport.Write(buffer, 0, read);
                relayed += read;
                for (; relayed - credited >= RemoteCommands.ExportChunk; credited += RemoteCommands.ExportChunk) credits.Write(Credit);
                credits.Flush();
                Throttle(relayed, started.Elapsed);
            }
        }
        catch (Exception e)
        {
            broken = e;
        }
        return relayed;
    }

    /// <summary>Holds the relay back to the bandwidth limit (this thread is the copy's own).</summary>
    private void Throttle(long relayed, TimeSpan elapsed)
    {
        if (limits.BytesPerSecond <= 0) return;
        var due = TimeSpan.FromSeconds((double)relayed / limits.BytesPerSecond) - elapsed;
        if (due > TimeSpan.Zero) Thread.Sleep(due);
    }

    private static void Close(Stream stream)
    {
        try
        {
            stream.Dispose();
        }
        catch (Exception)
        {
            // The channel is gone already; its command's exit says why.
        }
    }

    private static void Wait(Task command)
    {
        try
        {
            command.Wait();
        }
        catch (AggregateException)
        {
            // A channel that broke or was closed; the exit status and stderr tell the rest.
        }
    }

    private static string LastLine(Task<string> errors) =>
        errors.Wait(TimeSpan.FromSeconds(5))
            ? errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? ""
            : "";
}
