using ImageSync.Actors;
using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Actors;

public sealed class ReloadableSetupSpecs
{
    [Fact]
    public void Should_dispose_a_replaced_transport_once_the_sync_holding_it_ends_and_not_before()
    {
        var first = new CountingTransport();
        var setup = new ReloadableSetup(Setup(first));
        var sync = setup.Hold(out var held);

        setup.Replace(Setup(new CountingTransport()));
        Assert.Equal(0, first.Disposals);
        sync.Dispose();
        sync.Dispose();

        Assert.Same(first, held.Transport);
        Assert.Equal(1, first.Disposals);
    }

    [Fact]
    public void Should_dispose_a_replaced_transport_no_sync_holds_at_once_and_the_last_one_on_dispose()
    {
        var (first, second) = (new CountingTransport(), new CountingTransport());
        var setup = new ReloadableSetup(Setup(first));

        setup.Replace(Setup(second));
        Assert.Equal((1, 0), (first.Disposals, second.Disposals));
        setup.Dispose();

        Assert.Equal(1, second.Disposals);
    }

    private static SyncSetup Setup(INodeTransport transport) => new(TestData.Simulated(), transport);

    private sealed class CountingTransport : INodeTransport, IDisposable
    {
        public int Disposals { get; private set; }

        public Task<INodeSession> ConnectAsync(NodeSpec node, CancellationToken cancellationToken) => throw new NotSupportedException();

        public void Dispose() => Disposals++;
    }
}
