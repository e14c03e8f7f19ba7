namespace ImageSync.Locking;

/// <summary>
/// The lock between processes: an exclusive advisory lock (flock, as the bash tool's <c>flock -n 200</c>) on
/// the lock file, held while this object lives. The kernel releases it when the process exits, even on
/// SIGKILL, so a crashed run never blocks the next one. Same file, same lock as the bash tool.
/// </summary>
public sealed class RunLock : IDisposable
{
    // EWOULDBLOCK: .NET reports a lock held elsewhere as an IOException carrying the errno.
    private const int LockHeldByAnother = 11;

    private static readonly FileStreamOptions Options = new()
    {
        Mode = FileMode.OpenOrCreate,
        Access = FileAccess.ReadWrite,
        // On Unix, FileShare.None makes .NET take flock(LOCK_EX | LOCK_NB) on the open file.
        Share = FileShare.None,
        UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
    };

    private readonly FileStream _file;

    private RunLock(FileStream file) => _file = file;

    public string Path => _file.Name;

    /// <returns>The held lock, or null when another process holds it.</returns>
    /// <exception cref="IOException">The lock file cannot be created or opened; the message says why in the operator's terms.</exception>
    public static RunLock? TryAcquire(string path)
    {
        try
        {
            var held = new RunLock(new FileStream(path, Options));
            held.WriteHolder();
            return held;
        }
        catch (IOException e) when (e.HResult == LockHeldByAnother)
        {
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            // The usual case: /run/lock is 0755 root outside Debian, so an unprivileged user cannot create the file.
            var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            throw new IOException(File.Exists(path) ? $"user {Environment.UserName} may not open it" : $"user {Environment.UserName} may not create files in {directory}", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new IOException($"its directory {System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))} does not exist", e);
        }
    }

    /// <summary>The holder's pid, for an operator wondering why runs exit 1 (<c>cat</c> does not take the lock).</summary>
    private void WriteHolder()
    {
        _file.SetLength(0);
        var pid = System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n");
        _file.Write(pid);
        _file.Flush();
    }

    public void Dispose() => _file.Dispose();
}
