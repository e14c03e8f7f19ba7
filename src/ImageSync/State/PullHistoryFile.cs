using ImageSync.Domain;

namespace ImageSync.State;

/// <summary>Where a <see cref="PullHistory"/> is kept between processes.</summary>
public interface IPullHistoryStore
{
    /// <summary>The history kept, or a fresh one with <paramref name="warning"/> saying why the kept one could not be used.</summary>
    PullHistory Load(out string? warning);

    /// <summary>Replaces what is kept with <paramref name="document"/>, all or nothing.</summary>
    Task SaveAsync(byte[] document, CancellationToken cancellationToken);
}

/// <summary>
/// The state file of single runs (<c>state-file</c>). A save writes a temp file beside it, fsyncs it and renames
/// it over the old one, so a process killed at any moment leaves the old file or the new one, never half of one.
/// </summary>
public sealed class PullHistoryFile(string path) : IPullHistoryStore
{
    public string Path => path;

    public PullHistory Load(out string? warning)
    {
        warning = null;
        try
        {
            return File.Exists(path) ? PullHistory.Read(File.ReadAllBytes(path)) : new PullHistory();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            warning = $"the state file {path} cannot be used, starting afresh (images removed from nodes since earlier runs may be pulled again): {e.Message}";
            return new PullHistory();
        }
    }

    public async Task SaveAsync(byte[] document, CancellationToken cancellationToken)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        // One fixed name: only the run holding the lock saves, and a save cut short by a kill is overwritten by the next.
        var temp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(path)}.tmp");
        await using (var file = new FileStream(temp, new FileStreamOptions
                     {
                         Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.Asynchronous,
                         UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                     }))
        {
            await file.WriteAsync(document, cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
