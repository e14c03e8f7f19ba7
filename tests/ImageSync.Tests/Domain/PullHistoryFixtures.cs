using System.Text;
using ImageSync.Domain;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Domain;

/// <summary>The node, image, time, backoff and readings the pull history's specs share.</summary>
internal static class PullHistoryFixtures
{
    public static readonly DateTimeOffset T0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    public static readonly DiskPolicy Backoff = new(0.8, 0, 2, DiskOrder.SmallestFirst, TimeSpan.FromHours(6), TimeSpan.FromHours(48));
    public static readonly NodeName W1 = NodeName.Parse("w1");
    public static readonly ImageRef Api = TestData.Image("api:1");

    public static NodeIdentity Machine(char id, long inode = 10) =>
        new(new string(id, 32), new ImageStoreIdentity("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs", inode, "1796594116.249108491"));

    public static NodeInventory Inventory(params ImageRef[] images) =>
        new(W1, images.Select(i => new NodeImage("sha256:" + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(i.ToString()))[..8], [i], [], 1)).ToList(), []);
}
