using ImageSync.Logging;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Logging;

public sealed class LogRetentionSpecs : IDisposable
{
    private static readonly DateOnly Today = new(2026, 11, 26);
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Should_delete_the_three_kinds_of_day_files_when_older_than_the_retention()
    {
        Touch("image-sync-2026-10-26.log", "success_images-2026-10-01.log", "failed_images-2025-01-01.log");

        var deleted = LogRetention.Prune(_dir.Path, Today, 30);

        Assert.Equal(3, deleted.Count);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void Should_keep_files_within_the_retention()
    {
        Touch("image-sync-2026-10-27.log", "success_images-2026-11-26.log", "failed_images-2026-11-01.log");

        Assert.Empty(LogRetention.Prune(_dir.Path, Today, 30));
        Assert.Equal(3, Directory.EnumerateFiles(_dir.Path).Count());
    }

    [Theory]
    [InlineData("image-sync-2020-01-01.log.gz")]
    [InlineData("image-sync-2020-01-01.txt")]
    [InlineData("my-image-sync-2020-01-01.log")]
    [InlineData("image-sync-2020-1-1.log")]
    [InlineData("image-sync-2020-13-45.log")]
    [InlineData("other-2020-01-01.log")]
    [InlineData("success_images-2020-01-01.log.bak")]
    [InlineData("image-sync.lock")]
    public void Should_never_touch_a_file_whose_name_only_looks_like_a_day_file(string name)
    {
        Touch(name);

        Assert.Empty(LogRetention.Prune(_dir.Path, Today, 30));
        Assert.True(File.Exists(_dir.File(name)));
    }

    [Fact]
    public void Should_leave_a_symlink_named_like_an_old_log_and_its_target_alone()
    {
        using var outside = new TempDirectory();
        var target = outside.File("precious.txt");
        File.WriteAllText(target, "keep me");
        File.CreateSymbolicLink(_dir.File("image-sync-2020-01-01.log"), target);

        var deleted = LogRetention.Prune(_dir.Path, Today, 30);

        Assert.Empty(deleted);
        Assert.Equal("keep me", File.ReadAllText(target));
        Assert.True(new FileInfo(_dir.File("image-sync-2020-01-01.log")).LinkTarget is not null);
    }

    [Fact]
    public void Should_leave_a_directory_named_like_an_old_log_alone()
    {
        Directory.CreateDirectory(_dir.File("failed_images-2020-01-01.log"));

        Assert.Empty(LogRetention.Prune(_dir.Path, Today, 30));
        Assert.True(Directory.Exists(_dir.File("failed_images-2020-01-01.log")));
    }

    [Fact]
    public void Should_not_descend_into_subdirectories()
    {
        var sub = Directory.CreateDirectory(_dir.File("archive")).FullName;
        File.WriteAllText(Path.Combine(sub, "image-sync-2020-01-01.log"), "");

        Assert.Empty(LogRetention.Prune(_dir.Path, Today, 30));
        Assert.True(File.Exists(Path.Combine(sub, "image-sync-2020-01-01.log")));
    }

    private void Touch(params string[] names)
    {
        foreach (var name in names) File.WriteAllText(_dir.File(name), "x");
    }

    public void Dispose() => _dir.Dispose();
}
