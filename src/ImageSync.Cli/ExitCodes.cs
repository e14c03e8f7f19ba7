using ImageSync.Domain;

namespace ImageSync.Cli;

/// <summary>The exit codes cron jobs and scripts rely on (the README's "Exit codes" table).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int LockHeld = 1;
    public const int BadConfig = 2;
    public const int Failures = 3;

    /// <summary>The daemon could not start a part of itself (a listener's address, the cluster port), or stopped without being asked.</summary>
    public const int DaemonFailed = 4;
    /// <summary>`probe`: the endpoint did not answer 2xx (a container HEALTHCHECK's "unhealthy").</summary>
    public const int Unhealthy = 1;
    public const int Interrupted = 130;
    public const int Terminated = 143;

    /// <summary>`plan --exit-code`: the nodes were read and a `run` would pull something; apart from every other code, so CI can tell.</summary>
    public const int PullsPending = 10;

    /// <param name="signal">The code of the signal that stopped the run, if one did.</param>
    /// <param name="pendingIsExit">`plan --exit-code`: a plan with pulls that would be tried (not skipped) is <see cref="PullsPending"/>, unless it failed.</param>
    public static int For(SyncSummary summary, int? signal, bool pendingIsExit = false) =>
        summary.Interrupted ? signal ?? Interrupted
        : summary.HasFailures ? Failures
        : pendingIsExit && summary.Plan.Runnable.Any() ? PullsPending
        : Ok;
}
