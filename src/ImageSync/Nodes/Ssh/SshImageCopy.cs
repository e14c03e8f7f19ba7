using ImageSync.Domain;

namespace ImageSync.Nodes.Ssh;

/// <summary>
/// One node-to-node copy over SSH: the source's export (paced by credits, see <see cref="RemoteCommands.Export"/>)
/// relayed into the target's quarantined import (<see cref="RemoteCommands.Import"/>) through a fixed buffer, on a
/// thread of its own, since SSH.NET only reads and writes channels by blocking. The target's channel window holds back
/// the relay, and the relay holds back the source: at most a few chunks are ever in flight, whatever the image's size.
/// A source that streams past the cap, or a target whose disk guard is crossed meanwhile, ends the copy.
/// </summary>
internal sealed class SshImageCopy(SshNodeSession source, SshNodeSession target, ImageRef image, CopyLimits limits)
{
    private const int CreditsAhead = 2;
    // The target's disk is read again each time this much more has streamed.
    private const long DiskReadEvery = 64L << 20;
    private static readonly byte[] Credit = "\n"u8.ToArray();

    public CopyExit Run(CancellationToken cancellationToken)
    {
        if (ImageIdOf(limits.ImageId) is not { } imageId) return new CopyExit(0, $"no image id to check a copy of {image} against");
        using var import = target.Client.CreateCommand(target.Commands.Import(image, imageId, limits.Timeout));
        using var export = source.Client.CreateCommand(source.Commands.Export(image, limits.Timeout));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Whoever gives up (the watchdog, a stop, the cap) ends both channels, which ends the blocking reads below.
        using var cancel = stop.Token.Register(() => source.Threads.Forget(() =>
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
        var importSaid = source.Threads.Run(() => CommandOutput.ReadTail(import.OutputStream));
        var importErrors = source.Threads.Run(() => CommandOutput.ReadTail(import.ExtendedOutputStream));
        var exportErrors = source.Threads.Run(() => CommandOutput.ReadTail(export.ExtendedOutputStream));
        var relay = Relay(export.OutputStream, toImport, credits, stop.Token);
        if (relay.CutOff is { } cutOff)
        {
            // Nothing of a stream that was cut off may be named: both channels end now, whatever the import made of it.
            stop.Cancel();
            return new CopyExit(relay.Bytes, cutOff, SourceFailed: relay.SourceFault);
        }
        // The end of the archive (or of what came): the import finishes or fails on what it got.
        Close(toImport);
        Wait(imported);
        Close(credits);
        Wait(exported);
        var exportError = LastLine(exportErrors);
        var importError = LastLine(importErrors);
        if (import.ExitStatus == 0 && relay.Bytes > 0) return new CopyExit(relay.Bytes, null, Note: Dropped(importSaid));
        if (cancellationToken.IsCancellationRequested) return new CopyExit(relay.Bytes, "interrupted");
        // An export that did not exit 0 (no status at all when the source's connection dropped) is the source's fault,
        // whichever side noticed first: the import then only failed on a truncated archive.
        if (relay.Broken is not null || export.ExitStatus != 0 || exportError.Length > 0 || relay.Bytes == 0)
        {
            if (CopyExit.LackingContent(source.Node, image, exportError, relay.Bytes) is { } lacking) return lacking;
            var why = exportError.Length > 0 ? exportError
                : relay.Broken?.Message
                ?? (relay.Bytes == 0 ? "it sent nothing"
                    : export.ExitStatus is { } status ? $"exit {status}"
                    : export.ExitSignal is { } signal ? $"ended by SIG{signal}"
                    : "the connection ended before the export did");
            return new CopyExit(relay.Bytes, $"export on {source.Node}: {why}{(importError.Length > 0 ? $" (import on {target.Node}: {importError})" : "")}", SourceFailed: true);
        }
        // A stream the import refused as another image is the source's doing too: another source may have the right one.
        var refused = importError.StartsWith("import: the stream", StringComparison.Ordinal);
        return new CopyExit(relay.Bytes, $"import on {target.Node}: {(importError.Length > 0 ? importError : $"exit {import.ExitStatus}")}", SourceFailed: refused);
    }

    /// <summary>crictl lists a containerd image's id as its config digest; a bare hex id (CRI-O's shape) is the same digest.</summary>
    private static string? ImageIdOf(string? id) =>
        id is null ? null : id.Contains(':') ? id : id.Length == 64 && id.All(char.IsAsciiHexDigitLower) ? "sha256:" + id : id;

    private sealed record RelayEnd(long Bytes, Exception? Broken, string? CutOff = null, bool SourceFault = false);

    private RelayEnd Relay(Stream fromExport, Stream toImport, Stream credits, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        long relayed = 0, credited = 0, diskReadAt = DiskReadEvery;
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            for (var i = 0; i < CreditsAhead; i++) credits.Write(Credit);
            credits.Flush();
            int read;
            while ((read = fromExport.Read(buffer)) > 0)
            {
                relayed += read;
                if (limits.MaxBytes > 0 && relayed > limits.MaxBytes)
                {
                    return new RelayEnd(relayed, null, $"export on {source.Node}: sent more than {Sizes.ShowMebibytes(limits.MaxBytes)} "
                        + "(the image's size as the nodes list it, with a margin): cut off", SourceFault: true);
                }
                toImport.Write(buffer, 0, read);
                for (; relayed - credited >= RemoteCommands.ExportChunk; credited += RemoteCommands.ExportChunk) credits.Write(Credit);
                credits.Flush();
                if (relayed >= diskReadAt && limits.TargetDisk is { } floor)
                {
                    diskReadAt += DiskReadEvery;
                    if (ReadDisk(floor, cancellationToken) is { } now && floor.Crossed(now) is { } crossed)
                        return new RelayEnd(relayed, null, $"import on {target.Node}: disk guard: {crossed}: cut off");
                }
                Throttle(relayed, started.Elapsed);
            }
        }
        catch (Exception e)
        {
            return new RelayEnd(relayed, e);
        }
        return new RelayEnd(relayed, null);
    }

    /// <summary>The target's image filesystem now; null when df did not answer (the guard is then off for this read, as between pulls).</summary>
    private ImageFilesystem? ReadDisk(DiskFloor floor, CancellationToken cancellationToken)
    {
        try
        {
            // This thread is the copy's own: waiting for the target's df holds back only this relay.
            return target.ReadImageFsAsync(floor.Path, cancellationToken).GetAwaiter().GetResult();
        }
        catch (NodeException)
        {
            return null;
        }
    }

    /// <summary>Holds the relay back to the bandwidth limit (this thread is the copy's own).</summary>
    private void Throttle(long relayed, TimeSpan elapsed)
    {
        if (limits.BytesPerSecond <= 0) return;
        var due = TimeSpan.FromSeconds((double)relayed / limits.BytesPerSecond) - elapsed;
        if (due > TimeSpan.Zero) Thread.Sleep(due);
    }

    /// <summary>The other images an accepted stream carried, which the target removed (the helper names each on a marker line).</summary>
    private static string? Dropped(Task<string> said)
    {
        if (!said.Wait(TimeSpan.FromSeconds(5))) return null;
        var prefix = NodeFactsOutput.Marker + " dropped ";
        var dropped = said.Result.Split('\n', StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith(prefix, StringComparison.Ordinal))
            .Select(line => NodeText.Shorten(line[prefix.Length..], 200))
            .ToList();
        return dropped.Count == 0 ? null
            : $"the stream also held {string.Join(", ", dropped.Take(3))}{(dropped.Count > 3 ? $" +{dropped.Count - 3} more" : "")}: removed";
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
