using ImageSync.Locking;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Locking;

public sealed class RunGateSpecs : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Should_hold_the_lock_and_refuse_nothing_when_the_lock_file_is_free()
    {
        var path = _dir.File("image-sync.lock");

        var refusal = RunGate.TryLock(FileLockGate.Instance, path, out var locked);

        using (locked)
        {
            Assert.Null(refusal);
            Assert.NotNull(locked);
            Assert.Null(RunLock.TryAcquire(path));
        }
    }

    [Fact]
    public void Should_refuse_as_lock_held_naming_the_file_when_another_run_holds_it()
    {
        var path = _dir.File("image-sync.lock");
        using var other = RunLock.TryAcquire(path);

        var refusal = RunGate.TryLock(FileLockGate.Instance, path, out var locked);

        Assert.Null(locked);
        Assert.Equal(new SyncEvents.SyncRefused($"another image-sync run holds the lock {path}", SyncEvents.RefusalKind.LockHeld), refusal);
    }

    [Fact]
    public void Should_refuse_as_lock_unavailable_naming_the_setting_when_the_lock_file_cannot_be_created()
    {
        var path = Path.Combine(_dir.File("gone"), "image-sync.lock");

        var refusal = RunGate.TryLock(FileLockGate.Instance, path, out var locked);

        Assert.Null(locked);
        Assert.Equal(SyncEvents.RefusalKind.LockUnavailable, refusal?.Kind);
        Assert.Equal($"cannot open the lock file {path}: its directory {_dir.File("gone")} does not exist (lock-file, IMAGE_SYNC_LOCK_FILE)", refusal?.Why);
    }

    public void Dispose() => _dir.Dispose();
}
