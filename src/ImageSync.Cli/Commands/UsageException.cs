using Spectre.Console.Cli;

namespace ImageSync.Cli.Commands;

/// <summary>The arguments do not form a command image-sync runs: nothing is done, exit 2.</summary>
public sealed class UsageException(string message) : Exception(message)
{
    /// <summary>
    /// Spectre keeps options it does not know as remaining arguments (its strict mode would refuse them, but
    /// also misreads a missing option value); no command of image-sync takes any, so one is a usage error.
    /// </summary>
    /// <exception cref="UsageException">An argument was left over.</exception>
    public static void RefuseLeftovers(CommandContext context)
    {
        var leftover = context.Remaining.Parsed.Select(option => option.Key).Concat(context.Remaining.Raw).FirstOrDefault();
        if (leftover is not null) throw new UsageException($"{context.Name} does not take '{leftover}' (see image-sync {context.Name} --help)");
    }
}
