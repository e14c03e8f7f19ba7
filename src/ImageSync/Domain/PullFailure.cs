using System.Text.RegularExpressions;

namespace ImageSync.Domain;

public enum FailureKind
{
    /// <summary>Retrying cannot help: the reference is wrong, missing, or we may not have it.</summary>
    Permanent,

    /// <summary>The registry or the network had a bad moment: worth another try.</summary>
    Transient,

    /// <summary>The node or the link to it failed, not the pull: nothing is learned about the image, and the same connection is not tried again.</summary>
    Node,
}

/// <summary>
/// Reads the error crictl prints when a pull fails (<c>… pulling image: rpc error: code = X desc = …</c>)
/// and tells whether retrying can help. An error it cannot place is treated as permanent: retrying blindly
/// only hammers a registry.
/// </summary>
public static partial class PullFailure
{
    /// <summary>How a pull's reason starts when the SSH connection broke under it.</summary>
    public const string ConnectionLost = "connection lost";

    /// <summary>How a pull's reason starts when the local watchdog gave up on a silent channel.</summary>
    public const string NodeStoppedAnswering = "no answer from the node";

    private static readonly string[] PermanentCodes = ["NotFound", "Unauthenticated", "PermissionDenied", "InvalidArgument", "FailedPrecondition"];
    private static readonly string[] TransientCodes = ["Unavailable", "DeadlineExceeded", "ResourceExhausted", "Aborted", "Internal"];


    /// <summary>crictl's message without its log framing: <c>NotFound: failed to pull and unpack image "…": not found</c>.</summary>
    public static string Describe(string lastErrorLine)
    {
        var line = lastErrorLine.Trim();
        var rpc = RpcError().Match(line);
        if (rpc.Success) return $"{rpc.Groups["code"].Value}: {Unescape(rpc.Groups["desc"].Value)}";
        var message = LogrusMessage().Match(line);
        return message.Success ? Unescape(message.Groups["msg"].Value) : line;
    }

    public static FailureKind Classify(PullResult result, string? reason)
    {
        var text = reason ?? "";
        if (text.StartsWith(ConnectionLost, StringComparison.Ordinal) || text.StartsWith(NodeStoppedAnswering, StringComparison.Ordinal))
            return FailureKind.Node;
        if (result == PullResult.Timeout) return FailureKind.Transient;
        var code = text.Split(':', 2)[0].Trim();
        if (PermanentCodes.Contains(code)) return FailureKind.Permanent;
        if (TransientCodes.Contains(code)) return FailureKind.Transient;
        // Quoted parts are image names, which must not decide anything ("geoff:500" is neither EOF nor a 500).
        var unquoted = Quoted().Replace(text, "\"\"");
        if (PermanentWords().IsMatch(unquoted)) return FailureKind.Permanent;
        return TransientWords().IsMatch(unquoted) ? FailureKind.Transient : FailureKind.Permanent;
    }

    private static string Unescape(string text) => text.Replace("\\\"", "\"", StringComparison.Ordinal).TrimEnd('"').Trim();

    [GeneratedRegex(@"""[^""]*""", RegexOptions.CultureInvariant)]
    private static partial Regex Quoted();

    [GeneratedRegex(@"manifest unknown|not found|unauthorized|denied|invalid reference|no such host|\b40[13]\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex PermanentWords();

    [GeneratedRegex(@"connection reset|connection refused|\beof\b|i/o timeout|timed? ?out|tls handshake|too many requests|\b(?:429|5[0-9]{2})\b|temporarily unavailable|broken pipe", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex TransientWords();

    [GeneratedRegex(@"rpc error: code = (?<code>[A-Za-z]+) desc = (?<desc>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex RpcError();

    [GeneratedRegex(@"msg=""(?<msg>(?:[^""\\]|\\.)*)""", RegexOptions.CultureInvariant)]
    private static partial Regex LogrusMessage();
}
