using ImageSync.Configuration;
using Spectre.Console.Cli;

namespace ImageSync.Cli.Commands;

/// <summary>The arguments do not form a command image-sync runs: nothing is done, exit 2.</summary>
public sealed class UsageException(string message) : Exception(message)
{
    /// <summary>
    /// Spectre keeps options it does not know as remaining arguments (its strict mode would refuse them, but
    /// also misreads a missing option value); no command of image-sync takes any, so one is a usage error.
    /// </summary>
    /// <param name="options">The command's options, whose names a misspelt one is matched against.</param>
    /// <exception cref="UsageException">An argument was left over.</exception>
    public static void RefuseLeftovers(CommandContext context, CommandSettings options)
    {
        var leftover = context.Remaining.Parsed.Select(option => option.Key).Concat(context.Remaining.Raw).FirstOrDefault();
        if (leftover is null) return;
        var typed = leftover.TrimStart('-');
        var suggestion = Spelling.Suggest(typed, Names(options).Where(n => n.Length > 1));
        throw new UsageException($"{context.Name} does not take '{leftover}'"
            + (suggestion is null || typed.Length < 2 ? "" : $", did you mean '--{suggestion}'?") + $" (see image-sync {context.Name} --help)");
    }

    /// <summary>The long and short names of a command's options, as its help lists them.</summary>
    private static IEnumerable<string> Names(CommandSettings options) =>
        options.GetType().GetProperties()
            .SelectMany(p => p.GetCustomAttributes(typeof(CommandOptionAttribute), inherit: true).Cast<CommandOptionAttribute>())
            .SelectMany(o => o.LongNames.Concat(o.ShortNames));
}
