using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Nodes;

public sealed class HeadStartTransportSpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly NodeSpec W1 = new(NodeName.Parse("w1"), "10.0.0.1", 22, "root");
    private static readonly NodeSpec W2 = new(NodeName.Parse("w2"), "10.0.0.2", 22, "root");
    private readonly ScriptedTransport _nodes = new();

    [Fact]
    public async Task Should_hand_a_started_connect_to_its_node_without_connecting_again()
    {
        var session = _nodes.Node("w1");
        using var transport = new HeadStartTransport(_nodes);
        transport.Start([W1]);

        var connected = await transport.ConnectAsync(W1, CancellationToken.None);

        Assert.Same(session, connected);
        Assert.Equal(1, _nodes.ConnectAttempts);
    }

    [Fact]
    public async Task Should_connect_as_usual_a_node_it_did_not_start_and_a_node_taken_over_once_already()
    {
        _nodes.Node("w1");
        _nodes.Node("w2");
        using var transport = new HeadStartTransport(_nodes);
        transport.Start([W1]);

        await transport.ConnectAsync(W1, CancellationToken.None);
        await transport.ConnectAsync(W1, CancellationToken.None);
        await transport.ConnectAsync(W2, CancellationToken.None);

        Assert.Equal(3, _nodes.ConnectAttempts);
    }

    [Fact]
    public async Task Should_cancel_a_started_connect_when_the_node_that_took_it_over_gives_up()
    {
        _nodes.Hanging("w1");
        using var transport = new HeadStartTransport(_nodes);
        transport.Start([W1]);
        using var giveUp = new CancellationTokenSource();

        var connecting = transport.ConnectAsync(W1, giveUp.Token);
        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting);
    }

    [Fact]
    public void Should_cancel_the_connects_nobody_took_over_when_disposed()
    {
        _nodes.Hanging("w1");
        var transport = new HeadStartTransport(_nodes);
        transport.Start([W1]);
        Assert.Equal(1, _nodes.ConnectsInFlight);

        transport.Dispose();

        AwaitAssert(() => Assert.True(_nodes.ConnectsInFlight == 0, "the unclaimed connect was not cancelled"), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20));
    }
}
