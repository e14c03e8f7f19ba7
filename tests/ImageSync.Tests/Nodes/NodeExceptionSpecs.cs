using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Tests.Nodes;

public sealed class NodeExceptionSpecs
{
    private static readonly NodeName W1 = NodeName.Parse("w1");

    [Theory]
    [InlineData(NodeFailure.Node, typeof(NodeException))]
    [InlineData(NodeFailure.Refused, typeof(NodeException))]
    [InlineData(NodeFailure.HostKey, typeof(HostKeyRejectedException))]
    [InlineData(NodeFailure.Authentication, typeof(AuthenticationFailedException))]
    [InlineData(NodeFailure.MalformedInventory, typeof(NodeException))]
    public void Should_make_the_failure_told_by_another_replica_the_exception_its_own_replica_caught(NodeFailure kind, Type expected)
    {
        var told = NodeException.Of(W1, kind, "the reason as told");

        Assert.IsType(expected, told);
        Assert.Equal((kind, "the reason as told", "w1: the reason as told"), (told.Kind, told.Reason, told.Message));
    }

    [Fact]
    public void Should_keep_the_kind_of_each_exception_a_node_operation_throws()
    {
        Assert.Equal(NodeFailure.MalformedInventory, new MalformedInventoryException(W1, "not valid JSON").Kind);
        Assert.Equal(NodeFailure.HostKey, new HostKeyRejectedException(W1, "changed").Kind);
        Assert.Equal(NodeFailure.Authentication, new AuthenticationFailedException(W1, "refused").Kind);
        Assert.Equal(NodeFailure.Node, new NodeException(W1, "no answer").Kind);
    }
}
