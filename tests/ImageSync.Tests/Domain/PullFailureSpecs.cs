using ImageSync.Domain;

namespace ImageSync.Tests.Domain;

public sealed class PullFailureSpecs
{
    [Theory]
    [InlineData("time=\"2026-11-26T12:00:00Z\" level=fatal msg=\"pulling image: rpc error: code = NotFound desc = failed to pull and unpack image \\\"r/a:1\\\": not found\"",
        "NotFound: failed to pull and unpack image \"r/a:1\": not found")]
    [InlineData("E1126 12:00:00.000 1 remote_image.go:180] \"PullImage from image service failed\" err=\"rpc error: code = Unavailable desc = connection error\"",
        "Unavailable: connection error")]
    [InlineData("time=\"2026-11-26T12:00:00Z\" level=fatal msg=\"validate service connection: no such file\"", "validate service connection: no such file")]
    [InlineData("bash: crictl: command not found", "bash: crictl: command not found")]
    public void Should_keep_crictls_message_without_its_log_framing(string line, string described) =>
        Assert.Equal(described, PullFailure.Describe(line));

    [Theory]
    [InlineData("NotFound: failed to pull and unpack image \"a\": not found", FailureKind.Permanent)]
    [InlineData("Unknown: failed to resolve reference \"a\": manifest unknown", FailureKind.Permanent)]
    [InlineData("Unknown: failed to authorize: 401 Unauthorized", FailureKind.Permanent)]
    [InlineData("Unknown: unexpected status from HEAD request: 403 Forbidden", FailureKind.Permanent)]
    [InlineData("PermissionDenied: pull access denied", FailureKind.Permanent)]
    [InlineData("Unauthenticated: no basic auth credentials", FailureKind.Permanent)]
    [InlineData("InvalidArgument: invalid reference format", FailureKind.Permanent)]
    [InlineData("Unavailable: connection error: desc = transport: error while dialing", FailureKind.Transient)]
    [InlineData("DeadlineExceeded: context deadline exceeded", FailureKind.Transient)]
    [InlineData("Unknown: failed to copy: httpReadSeeker: failed open: unexpected EOF", FailureKind.Transient)]
    [InlineData("Unknown: read tcp 10.0.0.1:443: read: connection reset by peer", FailureKind.Transient)]
    [InlineData("Unknown: unexpected status code 503 Service Unavailable", FailureKind.Transient)]
    [InlineData("Unknown: 429 Too Many Requests", FailureKind.Transient)]
    [InlineData("Unknown: unexpected status code 520 <unknown>", FailureKind.Transient)]
    [InlineData("Unknown: failed commit on ref: unexpected status: 507 Insufficient Storage", FailureKind.Transient)]
    [InlineData("Unknown: something nobody has seen before", FailureKind.Permanent)]
    [InlineData("Unknown: failed to pull and unpack image \"registry:5000/geoff:500\": disk full", FailureKind.Permanent)]
    [InlineData("connection lost while running `crictl pull`: connection reset by peer", FailureKind.Node)]
    [InlineData("no answer from the node within 10m15s (local watchdog)", FailureKind.Node)]
    public void Should_class_a_failure_by_whether_trying_again_can_help(string reason, FailureKind kind) =>
        Assert.Equal(kind, PullFailure.Classify(PullResult.Failed, reason));

    [Fact]
    public void Should_class_a_remote_timeout_as_transient() =>
        Assert.Equal(FailureKind.Transient, PullFailure.Classify(PullResult.Timeout, "remote timeout: no pull within 10m (exit 124)"));
}
