using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using ImageSync.Configuration;
using ImageSync.Domain;
using ImageSync.Nodes;
using ImageSync.Nodes.Discovery;

namespace ImageSync.Actors;

/// <summary>
/// One sync, from start to summary, as the bash tool ran it: list the nodes (the config's, and those a
/// Kubernetes API lists, asked again each sync), check and read every node (a <see cref="NodeActor"/> each,
/// all at once), plan who pulls what among the reachable ones, run the pulls (<see cref="PullDispatcher"/>),
/// and report the summary to the coordinator. A fresh actor per run, so no state leaks from one run into the next.
/// </summary>
public sealed class SyncRun : ReceiveActor, IWithUnboundedStash
{
    private readonly ImageSyncSettings _settings;
    private readonly INodeTransport _transport;
    private readonly INodeDirectory _directory;
    private readonly CancellationTokenSource _cancel = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private NodeAnswers _answers = NodeAnswers.None;
    private string? _discoveryError;
    private readonly SyncCommands.StartSync _request;
    private readonly DateTimeOffset _startedAt;
    private readonly TimeSpan _started = Context.System.Scheduler.MonotonicClock;
    private IActorRef? _check;
    private SyncPlan _plan = SyncPlan.Empty;
    private PlanScope _scope = PlanScope.Union;
    private PinLedger? _pins;
    private IReadOnlyList<PinWork> _pinsPending = [];
    private IActorRef? _dispatcher;
    private IActorRef? _pinKeeper;
    // What image-sync pulled where before; absent where no history is kept (specs of the run alone).
    private readonly IActorRef? _history = ActorRegistry.For(Context.System).TryGet<PullHistoryActor>(out var history) ? history : null;
    private static readonly TimeSpan ReckonLimit = TimeSpan.FromSeconds(10);
    private bool _interrupted;

    public SyncRun(ImageSyncSettings settings, INodeTransport transport, INodeDirectory directory, SyncCommands.StartSync request, DateTimeOffset startedAt)
    {
        _settings = settings;
        _transport = transport;
        _directory = directory;
        _request = request;
        _startedAt = startedAt;
        Listing();
    }

    public static Props Props(ImageSyncSettings settings, INodeTransport transport, INodeDirectory directory, SyncCommands.StartSync request, DateTimeOffset startedAt) =>
        Akka.Actor.Props.Create(() => new SyncRun(settings, transport, directory, request, startedAt));

    // The node check, the dispatcher and the pin keeper keep books that cannot be rebuilt (a restart would connect, pull
    // or pin twice): one that throws is stopped, and whatever it owed is settled on its Terminated.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(Decider.From(Directive.Stop));

    public IStash Stash { get; set; } = null!;

    protected override void PreStart() =>
        _directory.ListAsync(_cancel.Token).PipeTo(Self, success: listing => new Listed(listing), failure: error => new Listed(new NodeListing([], [], ExceptionChain.Describe(error))));

    protected override void PostStop() => _cancel.Cancel();

    /// <summary>Waiting for the nodes of this sync: the config's at once, a Kubernetes API's when it answers.</summary>
    private void Listing()
    {
        Receive<Listed>(listed => OnListed(listed.Listing));
        // Once the nodes are known, a stop marks each one "not checked" (the listing is bounded by its timeout).
        Receive<SyncCommands.StopSync>(_ => Stash.Stash());
    }

    private void OnListed(NodeListing listing)
    {
        (_answers, _discoveryError) = (new NodeAnswers(listing.Nodes), listing.Error);
        _log.Announce(listing, _request.Scope);
        Context.System.EventStream.Publish(new SyncEvents.SyncStarted(_startedAt, listing.Nodes, _request.Reason, _request.Mode));
        Become(Discovering);
        Stash.UnstashAll();
        if (listing.Nodes.Count == 0)
        {
            Finish([]);
            return;
        }
        _transport.SyncStarting();
        _check = Context.Watch(Context.ActorOf(NodeCheck.Props(listing.Nodes, _transport, _settings.Ssh), "nodes"));
    }

    private void Discovering()
    {
        Receive<NodeEvents.Ready>(OnReady);
        Receive<NodeEvents.Unavailable>(OnUnavailable);
        Receive<Terminated>(gone => gone.ActorRef.Equals(_check), _ =>
        {
            foreach (var node in _answers.Unanswered().ToList()) Checked(NodeStatus.Unreachable(node, "the node check stopped on an internal error (see the log)", NodeStage.Connect));
        });
        Receive<SyncCommands.StopSync>(stop =>
        {
            _interrupted = true;
            foreach (var node in _answers.Unanswered().ToList()) _answers.Record(NodeStatus.Unreachable(node, $"not checked: {stop.Why}", NodeStage.Connect));
            Finish([]);
        });
    }

    private void Pulling()
    {
        Receive<PullWork.AllDone>(done => KeepPins(done.Outcomes));
        Receive<Terminated>(gone => gone.ActorRef.Equals(_dispatcher), _ => Finish([], "the pull dispatcher stopped on an internal error (see the log)"));
        Receive<Terminated>(_ => { });
        Receive<SyncCommands.StopSync>(stop =>
        {
            _interrupted = true;
            _dispatcher!.Forward(stop);
        });
    }

    private void OnReady(NodeEvents.Ready ready)
    {
        var missing = ready.Facts.MissingWarning(_settings.Pull.Disk.Guards, _settings.Transfer.Enabled, historyKept: _history is not null);
        if (missing is not null) Context.System.EventStream.Publish(new SyncEvents.NodeWarning(ready.Node, missing));
        Checked(_answers.Ready(ready, _settings.Images.Filter));
    }

    private void OnUnavailable(NodeEvents.Unavailable gone) => Checked(NodeStatus.Unreachable(gone.Node, gone.Reason, gone.FailedAt));

    private void Checked(NodeStatus status)
    {
        _answers.Record(status);
        Context.System.EventStream.Publish(new SyncEvents.NodeChecked(status));
        if (_answers.AllAnswered) Reckon();
    }

    /// <summary>
    /// Asks the history which nodes were replaced, what was removed since image-sync pulled it and which pins it knows of
    /// (a plan or a check only looks), then plans without what is held back.
    /// </summary>
    private void Reckon()
    {
        if (_history is null)
        {
            Reckoned(PullHistoryEvents.Reckoned.Nothing);
            return;
        }
        var reckon = new PullHistoryCommands.Reckon(_answers.Inventories, _answers.Facts, Record: _request.Mode == SyncMode.Run, _settings.Pull.Disk);
        _history.Ask<PullHistoryEvents.Reckoned>(reckon, ReckonLimit).PipeTo(Self, failure: error =>
        {
            _log.Warning("what image-sync pulled before could not be read ({0}): removed images are not held back this sync", error.GetBaseException().Message);
            return PullHistoryEvents.Reckoned.Nothing;
        });
        Become(Reckoning);
    }

    private void Reckoning()
    {
        Receive<PullHistoryEvents.Reckoned>(Reckoned);
        Receive<Terminated>(_ => { });
        Receive<SyncCommands.StopSync>(_ =>
        {
            _interrupted = true;
            Finish([]);
        });
    }

    private void Reckoned(PullHistoryEvents.Reckoned reckoned)
    {
        _scope = PlanScope.Resolve(_settings.Images.Wanted, _request.Scope ?? RunScope.Everything, _answers.Nodes);
        _pins = new PinLedger(_scope, _settings.Images.Filter, reckoned.Nodes.ToDictionary(n => n.Node, n => n.PinsKnown));
        if (_request.Mode == SyncMode.Check) Finish([]);
        else Plan(reckoned);
    }

    private void Plan(PullHistoryEvents.Reckoned reckoned)
    {
        foreach (var finding in reckoned.Findings()) Context.System.EventStream.Publish(finding);
        _plan = SyncPlanner.Plan(_answers.Inventories, _settings.Images.Filter, _settings.Images.IncludeUntagged, _scope, reckoned.Nodes, _pins!, _answers.Facts,
            _settings.Pull.Disk);
        Context.System.EventStream.Publish(new SyncEvents.PlanMade(_plan));
        if (_request.Mode == SyncMode.Plan)
        {
            _pinsPending = _pins!.Reconcile(_answers.Inventories, _plan.Runnable).Work;
            Finish([]);
        }
        else if (_plan.Pulls.Count == 0) KeepPins([]);
        else
        {
            _dispatcher = Context.Watch(Context.ActorOf(PullDispatcher.Props(_plan, _answers.Sessions, _answers.Facts, _settings, _started), "pulls"));
            Become(Pulling);
        }
    }

    /// <summary>Once the pulls are done, the pins the nodes need are set and the ones image-sync set on images no longer so declared taken off.</summary>
    private void KeepPins(IReadOnlyList<PullOutcome> outcomes)
    {
        if (_interrupted)
        {
            Finish(outcomes);
            return;
        }
        var (work, found) = _pins!.Reconcile(_answers.Inventories, outcomes.Where(o => o.IsSuccess).Select(o => o.Pull));
        foreach (var change in found) Context.System.EventStream.Publish(new SyncEvents.PinChanged(change));
        if (work.Count == 0)
        {
            Finish(outcomes);
            return;
        }
        _pinKeeper = Context.Watch(Context.ActorOf(PinKeeper.Props(work, _answers.Sessions, _settings.Pull.MaxParallel), "pins"));
        Become(() => Pinning(outcomes));
    }

    private void Pinning(IReadOnlyList<PullOutcome> outcomes)
    {
        Receive<PinKeeperEvents.Done>(done =>
        {
            Context.Unwatch(_pinKeeper!);
            foreach (var change in done.Changes) _pins!.Apply(change);
            _pinsPending = done.Failed;
            Finish(outcomes);
        });
        Receive<Terminated>(gone => gone.ActorRef.Equals(_pinKeeper), _ =>
        {
            _log.Error("setting pins stopped on an internal error (see the log): the pins not set are tried again next sync");
            Finish(outcomes);
        });
        Receive<Terminated>(_ => { });
        Receive<SyncCommands.StopSync>(_ =>
        {
            _interrupted = true;
            Context.Stop(Context.Unwatch(_pinKeeper!));
            Finish(outcomes);
        });
    }

    /// <summary>The nodes of this sync; a directory that threw gives none, with its error.</summary>
    private sealed record Listed(NodeListing Listing) : INoSerializationVerificationNeeded;

    private void Finish(IReadOnlyList<PullOutcome> outcomes, string? fault = null)
    {
        var summary = new SyncSummary(_request.Mode, _startedAt, Context.System.Scheduler.MonotonicClock - _started, _answers.Statuses(), _plan, outcomes, _interrupted, fault,
            _settings.Transfer.Mode)
        {
            Specs = _answers.Nodes,
            DiscoveryError = _discoveryError,
            Pins = _pins?.Report(_answers.Inventories, _pinsPending) ?? PinReport.None,
        };
        Context.Parent.Tell(new SyncEvents.SyncFinished(summary));
        // The coordinator stops this run once it has the summary; anything arriving until then is moot.
        Become(() => { });
    }
}
