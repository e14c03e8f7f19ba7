using System.Diagnostics;

namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// Waits for what a real process does in its own time: checks a condition or an assertion every
/// <see cref="Interval"/> (or as told) until a deadline, awaiting between checks, so no core is spent
/// spinning while sshd, containerd or image-sync do the work awaited.
/// </summary>
public static class Eventually
{
    /// <summary>Between two checks, unless told otherwise: a check often reads a log file or starts a process.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    /// <summary>Returns once <paramref name="condition"/> holds; otherwise fails naming what was awaited and, if given, what was seen last.</summary>
    /// <param name="awaited">What was awaited, read after "waiting for", e.g. "node-3 to start pulling".</param>
    /// <param name="seen">What the failure shows of the state at the deadline (a log, the nodes' images).</param>
    public static async Task TrueAsync(string awaited, Func<bool> condition, TimeSpan within, Func<string>? seen = null, TimeSpan? every = null)
    {
        var step = every ?? Interval;
        var (held, checks) = await PollAsync(condition, within, step).ConfigureAwait(false);
        if (!held) throw new TimeoutException(TimedOut(awaited, within, step, checks) + (seen is null ? "" : $"; seen last:\n{seen()}"));
    }

    /// <summary>Returns once <paramref name="assertion"/> passes; otherwise fails naming what was awaited and the assertion's last failure.</summary>
    public static async Task PassesAsync(string awaited, Action assertion, TimeSpan within, TimeSpan? every = null)
    {
        var step = every ?? Interval;
        Exception? last = null;
        var (passed, checks) = await PollAsync(() =>
        {
            try
            {
                assertion();
                return true;
            }
            catch (Exception failure)
            {
                last = failure;
                return false;
            }
        }, within, step).ConfigureAwait(false);
        if (!passed) throw new TimeoutException($"{TimedOut(awaited, within, step, checks)}; last failure:\n{Describe(last!)}");
    }

    /// <summary>Whether <paramref name="condition"/> held within the time given, for a caller that says itself what a timeout means.</summary>
    public static async Task<bool> HoldsAsync(Func<bool> condition, TimeSpan within, TimeSpan? every = null) =>
        (await PollAsync(condition, within, every ?? Interval).ConfigureAwait(false)).Held;

    /// <summary>
    /// <see cref="HoldsAsync"/> for a constructor or a Start that cannot await (a node's sshd, a containerd):
    /// it blocks its caller, never a core, until the poll ends.
    /// </summary>
    public static bool Holds(Func<bool> condition, TimeSpan within, TimeSpan? every = null) =>
        HoldsAsync(condition, within, every).GetAwaiter().GetResult();

    private static async Task<(bool Held, int Checks)> PollAsync(Func<bool> condition, TimeSpan within, TimeSpan step)
    {
        var clock = Stopwatch.StartNew();
        var checks = 0;
        while (true)
        {
            checks++;
            if (condition()) return (true, checks);
            var left = within - clock.Elapsed;
            if (left <= TimeSpan.Zero) return (false, checks);
            // The last check falls on the deadline, so a condition met just before it is not missed.
            await Task.Delay(left < step ? left : step).ConfigureAwait(false);
        }
    }

    private static string TimedOut(string awaited, TimeSpan within, TimeSpan step, int checks) =>
        $"timed out after {within.TotalSeconds:0.###} s waiting for {awaited} ({checks} checks, every {step.TotalMilliseconds:0} ms)";

    // By name: the benchmarks compile this file without xunit.
    private static string Describe(Exception failure) =>
        failure.GetType().Namespace == "Xunit.Sdk" ? failure.Message : $"{failure.GetType().Name}: {failure.Message}";
}
