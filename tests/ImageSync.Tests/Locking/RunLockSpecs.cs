using System.Diagnostics;
using ImageSync.Locking;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Locking;

public sealed class RunLockSpecs : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Should_refuse_a_second_holder_while_the_first_holds_the_lock()
    {
        var path = _dir.File("image-sync.lock");
        using var first = RunLock.TryAcquire(path);

        Assert.NotNull(first);
        Assert.Null(RunLock.TryAcquire(path));
    }

    [Fact]
    public void Should_name_the_missing_directory_when_the_lock_file_cannot_be_created()
    {
        var path = Path.Combine(_dir.File("gone"), "image-sync.lock");

        var refused = Assert.Throws<IOException>(() => RunLock.TryAcquire(path));

        Assert.Equal($"its directory {_dir.File("gone")} does not exist", refused.Message);
    }

    [Fact]
    public void Should_be_free_again_when_the_holder_lets_go()
    {
        var path = _dir.File("image-sync.lock");
        RunLock.TryAcquire(path)!.Dispose();

        using var again = RunLock.TryAcquire(path);

        Assert.NotNull(again);
    }

    [Fact]
    public void Should_exclude_the_bash_tools_flock_when_held()
    {
        var path = _dir.File("image-sync.lock");
        using var held = RunLock.TryAcquire(path);

        Assert.Equal(1, Flock(path));
    }

    [Fact]
    public void Should_be_refused_while_the_bash_tools_flock_holds_it()
    {
        var path = _dir.File("image-sync.lock");
        using var bash = Process.Start(new ProcessStartInfo("flock", ["-n", path, "sh", "-c", "echo locked; read line"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        Assert.Equal("locked", bash.StandardOutput.ReadLine());

        Assert.Null(RunLock.TryAcquire(path));

        bash.StandardInput.Close();
        bash.WaitForExit();
        using var after = RunLock.TryAcquire(path);
        Assert.NotNull(after);
    }

    [Fact]
    public void Should_create_the_lock_file_for_its_owner_only_and_write_the_holders_pid()
    {
        var path = _dir.File("image-sync.lock");
        using (RunLock.TryAcquire(path))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.Equal(Environment.ProcessId.ToString(), File.ReadAllText(path).Trim());
    }

    [Fact]
    public void Should_raise_an_io_error_when_the_lock_file_cannot_be_created()
    {
        Assert.ThrowsAny<IOException>(() => RunLock.TryAcquire(_dir.File("missing-dir/image-sync.lock")));
    }

    /// <summary>Runs <c>flock -n FILE true</c> as the bash tool would and returns its exit code.</summary>
    private static int Flock(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("flock", ["-n", path, "true"]))!;
        process.WaitForExit();
        return process.ExitCode;
    }

    public void Dispose() => _dir.Dispose();
}
