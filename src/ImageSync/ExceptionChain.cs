namespace ImageSync;

public static class ExceptionChain
{
    /// <summary>
    /// What an exception's chain says, without its wrappers, for an operator:
    /// "Failed to bind to [127.0.0.1:4053]: Address already in use".
    /// </summary>
    /// <summary>The exception itself, without the AggregateExceptions of one inner exception that async plumbing wraps it in.</summary>
    public static Exception Unwrap(Exception error)
    {
        while (error is AggregateException { InnerExceptions.Count: 1 } one) error = one.InnerExceptions[0];
        return error;
    }

    public static string Describe(Exception error)
    {
        var messages = new List<string>();
        for (var e = error; e is not null; e = e is AggregateException { InnerExceptions.Count: 1 } one ? one.InnerExceptions[0] : e.InnerException)
        {
            if (e is not AggregateException) messages.Add(e.Message.Replace("See InnerException for details.", "").Trim().TrimEnd('.'));
        }
        return messages.Count == 0 ? error.Message : string.Join(": ", messages.Distinct());
    }
}
