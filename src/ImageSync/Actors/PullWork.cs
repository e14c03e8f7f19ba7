using Akka.Actor;
using ImageSync.Domain;
using ImageSync.Nodes;

namespace ImageSync.Actors;

/// <summary>
/// Work-pulling between the <see cref="PullDispatcher"/> and its <see cref="PullWorker"/>s: a worker asks
/// when it is free, so no worker idles while a pull waits and no job queues behind a slow pull.
/// </summary>
public static class PullWork
{
    /// <summary>A worker is free and asks for its next job.</summary>
    public sealed class RequestWork : INoSerializationVerificationNeeded
    {
        public static readonly RequestWork Instance = new();

        private RequestWork()
        {
        }
    }

    /// <summary>One pull for one worker, with the session of the node that pulls.</summary>
    /// <param name="From">Where to copy the image from instead of pulling it from the registry.</param>
    public sealed record Job(long Id, PlannedPull Pull, INodeSession Session, CopySource? From = null) : INoSerializationVerificationNeeded;

    /// <summary>The node a copy streams from, and the copy's limits.</summary>
    public sealed record CopySource(NodeName Node, INodeSession Session, CopyLimits Limits);

    /// <summary>A job's one outcome.</summary>
    /// <param name="NodeStoppedAnswering">The watchdog fired on a pull: the node's channel never answered, so the node is frozen or cut off.</param>
    /// <param name="SourceFailed">A copy failed on its source's side: another source may do.</param>
    /// <param name="ReplicaLost">The replica that held the node's session was lost during the job: the remote command may still run.</param>
    /// <param name="SourceCannotExport">The copy's source lacks the content of the images it lists: it serves no more copies.</param>
    public sealed record Done(long JobId, PullOutcome Outcome, bool NodeStoppedAnswering = false, bool SourceFailed = false, bool ReplicaLost = false,
        bool SourceCannotExport = false) : INoSerializationVerificationNeeded;

    /// <summary>From the dispatcher to its parent once every planned pull has an outcome.</summary>
    public sealed record AllDone(IReadOnlyList<PullOutcome> Outcomes) : INoSerializationVerificationNeeded;
}
