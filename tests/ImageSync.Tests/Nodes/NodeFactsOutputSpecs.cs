using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Nodes.Ssh;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Nodes;

public sealed class NodeFactsOutputSpecs
{
    private const string NewShape = """
        {
          "status": {
            "imageFilesystems": [
              {
                "timestamp": "1764680000000000000",
                "fsId": {
                  "mountpoint": "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs"
                },
                "usedBytes": {
                  "value": "1234567"
                },
                "inodesUsed": {
                  "value": "42"
                }
              }
            ],
            "containerFilesystems": [
              {
                "timestamp": "1764680000000000000",
                "fsId": {
                  "mountpoint": "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/containers"
                },
                "usedBytes": {
                  "value": "99"
                }
              }
            ]
          }
        }
        """;

    private const string OldShape = """
        {
          "status": {
            "timestamp": "1764680000000000000",
            "fsId": {
              "mountpoint": "/var/lib/containers/storage/overlay-images"
            },
            "usedBytes": {
              "value": "2048"
            },
            "inodesUsed": {
              "value": "7"
            }
          }
        }
        """;

    private const string Df = """
        Filesystem       1-blocks       Used  Available Capacity Mounted on
        /dev/vda1     10737418240 8589934592 2147483648      80% /var/lib/containerd
        """;

    [Fact]
    public void Should_read_the_first_image_filesystem_when_crictl_prints_the_newer_shape()
    {
        var imageFs = ImageFsInfoJson.Parse(NewShape, out var problem);

        Assert.Null(problem);
        Assert.Equal(new ImageFsInfoJson.ImageFs("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs"), imageFs);
    }

    [Fact]
    public void Should_read_the_one_filesystem_when_crictl_prints_the_older_shape()
    {
        var imageFs = ImageFsInfoJson.Parse(OldShape, out var problem);

        Assert.Null(problem);
        Assert.Equal(new ImageFsInfoJson.ImageFs("/var/lib/containers/storage/overlay-images"), imageFs);
    }

    [Fact]
    public void Should_read_past_the_warnings_crictl_prints_on_stderr_before_its_document()
    {
        var output = "WARN[0000] image connect using default endpoints: [unix:///run/containerd/containerd.sock]. As the default settings are now deprecated, you should set the endpoint instead.\n"
            + "sudo: unable to resolve host worker-1: Name or service not known\n" + NewShape;

        Assert.Equal("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs", ImageFsInfoJson.Parse(output, out _)!.Mountpoint);
    }

    [Theory]
    [InlineData(0.07, "7 %")]
    [InlineData(0.8, "80 %")]
    [InlineData(0.801, "81 %")]
    public void Should_show_a_share_as_a_whole_percentage_rounded_up(double fraction, string shown) =>
        Assert.Equal(shown, ImageFilesystem.Percent(fraction));

    [Theory]
    [InlineData("not json", "no valid JSON")]
    [InlineData("""{"status":{"imageFilesystems":[]}}""", "names no image filesystem mountpoint")]
    [InlineData("""{"images":[]}""", "no \"status\" object")]
    public void Should_say_what_is_wrong_when_imagefsinfo_prints_something_else(string json, string expected)
    {
        Assert.Null(ImageFsInfoJson.Parse(json, out var problem));
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void Should_read_size_used_and_available_when_df_prints_posix_output()
    {
        var imageFs = DfOutput.Parse(Df, "/var/lib/containerd/x", out var problem);

        Assert.Null(problem);
        Assert.Equal(new ImageFilesystem("/var/lib/containerd/x", "/var/lib/containerd", 10737418240, 8589934592, 2147483648), imageFs);
        Assert.Equal(0.8, imageFs!.UsageFraction, 3);
    }

    [Fact]
    public void Should_keep_the_whole_mount_point_when_it_and_the_device_hold_spaces()
    {
        const string df = """
            Filesystem          1-blocks  Used Available Capacity Mounted on
            my disk 2           1000000 250000    750000      25% /mnt/image store/with  two spaces
            """;

        var imageFs = DfOutput.Parse(df, "/mnt/image store/with  two spaces/x", out _);

        Assert.Equal(("/mnt/image store/with  two spaces", 1000000L, 250000L, 750000L), (imageFs!.MountedOn, imageFs.SizeBytes, imageFs.UsedBytes, imageFs.AvailableBytes));
    }

    [Fact]
    public void Should_say_what_df_printed_when_it_is_not_posix_output()
    {
        Assert.Null(DfOutput.Parse("df: /nowhere: No such file or directory", "/nowhere", out var problem));
        Assert.Contains("No such file or directory", problem);
    }

    [Fact]
    public void Should_read_platform_and_image_filesystem_from_the_check_answer()
    {
        var facts = NodeFactsOutput.Parse(Answer("Linux aarch64", 0, NewShape, Df, 0));

        Assert.Equal(new Platform("linux", "arm64"), facts.Platform);
        Assert.Equal((10737418240L, 2147483648L), (facts.ImageFs!.SizeBytes, facts.ImageFs.AvailableBytes));
        Assert.Empty(facts.Missing);
    }

    [Fact]
    public void Should_leave_the_disk_unknown_and_say_why_when_crictl_has_no_imagefsinfo()
    {
        var facts = NodeFactsOutput.Parse(Answer("Linux x86_64", 1, "No help topic for 'imagefsinfo'", null, null));

        Assert.Equal(new Platform("linux", "amd64"), facts.Platform);
        Assert.Null(facts.ImageFs);
        Assert.Equal("no image filesystem: crictl imagefsinfo exited with code 1: No help topic for 'imagefsinfo'", Assert.Single(facts.Missing));
    }

    [Fact]
    public void Should_leave_the_disk_unknown_and_say_why_when_df_fails()
    {
        var facts = NodeFactsOutput.Parse(Answer("Linux x86_64", 0, OldShape, "df: /var/lib/containers/storage/overlay-images: No such file or directory", 1));

        Assert.Null(facts.ImageFs);
        Assert.Contains("No such file or directory", Assert.Single(facts.Missing));
    }

    [Fact]
    public void Should_leave_the_platform_unknown_when_uname_answers_otherwise()
    {
        var facts = NodeFactsOutput.Parse(Answer("uname: command not found", 0, NewShape, Df, 0));

        Assert.Null(facts.Platform);
        Assert.StartsWith("no platform: `uname -sm` printed", Assert.Single(facts.Missing));
    }

    [Fact]
    public void Should_read_the_machine_id_and_the_image_store_s_directory_as_the_node_s_identity()
    {
        var facts = NodeFactsOutput.Parse(Answer("Linux x86_64", 0, NewShape, Df, 0,
            $"{NodeFactsOutput.Marker} machine-id\n{MachineId}\n{NodeFactsOutput.Marker} store\n11661631 1796594116.317108491 /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs\n"));

        Assert.Equal(new NodeIdentity(MachineId,
            new ImageStoreIdentity("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs", 11661631, "1796594116.317108491")), facts.Identity);
        Assert.Empty(facts.Missing);
    }

    [Fact]
    public void Should_know_the_node_by_its_store_alone_when_its_machine_id_cannot_be_read()
    {
        var facts = NodeFactsOutput.Parse(Answer("Linux x86_64", 0, NewShape, Df, 0,
            $"{NodeFactsOutput.Marker} machine-id\ncat: /var/lib/dbus/machine-id: No such file or directory\n{NodeFactsOutput.Marker} store\n42 0 /srv/image store\n"));

        Assert.Equal(new NodeIdentity(null, new ImageStoreIdentity("/srv/image store", 42, "0")), facts.Identity);
    }

    [Fact]
    public void Should_say_so_when_neither_the_machine_id_nor_the_store_can_be_read()
    {
        var facts = NodeFactsOutput.Parse(Answer("Linux x86_64", 1, "No help topic for 'imagefsinfo'", null, null,
            $"{NodeFactsOutput.Marker} machine-id\ncat: /var/lib/dbus/machine-id: No such file or directory\n"));

        Assert.Null(facts.Identity);
        Assert.Contains("no identity: neither its machine-id ('cat: /var/lib/dbus/machine-id: No such file or directory') nor its image store could be read", facts.Missing);
    }

    /// <summary>The check's remote script, run by a real shell against a stand-in crictl, cuts the mountpoint out of crictl's JSON (spaces and all).</summary>
    [Fact]
    public void Should_read_the_facts_of_this_machine_when_its_shell_runs_the_check_script()
    {
        using var dir = new TempDirectory();
        var imageFs = Directory.CreateDirectory(Path.Combine(dir.Path, "image store")).FullName;
        var crictl = Path.Combine(dir.Path, "crictl");
        File.WriteAllText(crictl, $"#!/bin/sh\n[ \"$1 $2 $3\" = 'imagefsinfo -o json' ] || exit 2\nprintf '%s\\n' '{NewShape.Replace("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs", imageFs).Replace("'", "")}'\n");
        File.SetUnixFileMode(crictl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var script = new ShellCommands(sudo: false, crictl, TimeSpan.FromSeconds(1)).CheckAndFacts;

        var output = Run("/bin/sh", "-c", script);

        Assert.StartsWith("ok\n", output);
        var facts = NodeFactsOutput.Parse(output);
        Assert.Empty(facts.Missing);
        Assert.Equal(imageFs, facts.ImageFs!.Path);
        Assert.True(facts.ImageFs.SizeBytes > 0 && facts.ImageFs.AvailableBytes <= facts.ImageFs.SizeBytes, $"{facts.ImageFs}");
        Assert.Equal("linux", facts.Platform!.Os);
        Assert.Equal(File.ReadAllText("/etc/machine-id").Trim(), facts.Identity!.MachineId);
        Assert.Equal((imageFs, Inode(imageFs)), (facts.Identity.Store!.Path, facts.Identity.Store.Inode));
    }

    /// <summary>A directory's inode, as this machine's stat reads it.</summary>
    internal static long Inode(string path) => long.Parse(Run("stat", "-c", "%i", path).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private static string Answer(string uname, int infoExit, string info, string? df, int? dfExit, string identity = $"{NodeFactsOutput.Marker} machine-id\n{MachineId}\n") =>
        $"ok\n{NodeFactsOutput.Marker} uname\n{uname}\n{NodeFactsOutput.Marker} imagefsinfo {infoExit}\n{info}\n"
        + (df is null ? "" : $"{NodeFactsOutput.Marker} df\n{df}\n{NodeFactsOutput.Marker} df-exit {dfExit}\n") + identity;

    private const string MachineId = "3d1219c7c4c5404aaa1f6d2a48adfda4";

    internal static string Run(string program, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, arguments) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
