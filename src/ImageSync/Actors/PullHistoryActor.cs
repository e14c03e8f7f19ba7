using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using ImageSync.Domain;
using ImageSync.State;

namespace ImageSync.Actors;

/// <summary>
/// Owns the <see cref="PullHistory"/>: records each pull that put an image on a node and each pin a sync set or found
/// (from the event stream, as they happen), and answers a run's <see cref="PullHistoryCommands.Reckon"/> with what was removed since
/// and what is held back. With a store (single runs), every change is saved as it happens, one save at a time,
/// so a run killed mid-way keeps what it recorded; without one (the daemon) the history lives in memory.
/// </summary>
public sealed class PullHistoryActor : ReceiveActor
{
    private readonly PullHistory _history;
    private readonly IPullHistoryStore? _store;
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<IActorRef> _awaitingFlush = [];
    private bool _saving;
    private bool _changed;
    private bool _warned;

    public PullHistoryActor(PullHistory history, IPullHistoryStore? store, TimeProvider clock)
    {
        _history = history;
        _store = store;
        _clock = clock;
        Receive<PullHistoryCommands.Reckon>(Reckon);
        Receive<SyncEvents.PullSucceeded>(succeeded => Pulled(succeeded.Outcome));
        Receive<SyncEvents.PullFinished>(finished => !finished.AfterSucceeded && finished.Outcome.IsSuccess, finished => Pulled(finished.Outcome));
        Receive<SyncEvents.PullFinished>(finished => finished.AfterSucceeded && !finished.Outcome.IsSuccess, finished =>
        {
            _history.Unpulled(finished.Outcome.Pull.Node, finished.Outcome.Pull.Image);
            Changed();
        });
        Receive<SyncEvents.PullFinished>(_ => { });
        Receive<SyncEvents.PinChanged>(pin =>
        {
            _history.Apply(pin.Change);
            Changed();
        });
        Receive<PullHistoryCommands.Flush>(_ =>
        {
            if (_saving || _changed) _awaitingFlush.Add(Sender);
            else Sender.Tell(PullHistoryEvents.Flushed.Instance);
        });
        Receive<Saved>(saved =>
        {
            _saving = false;
            // Once: a state file that cannot be written stays so for the rest of the run.
            if (saved.Error is not null && !_warned) _log.Warning("could not save the state file (images removed since may be pulled again next run): {0}", saved.Error);
            _warned |= saved.Error is not null;
            SaveIfChanged();
        });
    }

    public static Props Props(PullHistory history, IPullHistoryStore? store, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new PullHistoryActor(history, store, clock));

    private void Reckon(PullHistoryCommands.Reckon reckon)
    {
        // A plan must change nothing: it reckons on a copy.
        var history = reckon.Record ? _history : _history.Copy();
        var now = _clock.GetUtcNow();
        var reckoned = reckon.Inventories.Select(inventory => history.Reckon(inventory, reckon.Facts.GetValueOrDefault(inventory.Node)?.Identity, now, reckon.Disk)).ToList();
        Sender.Tell(new PullHistoryEvents.Reckoned([.. reckoned.Where(n => n.Removed.Count > 0 || n.HeldBack.Count > 0 || n.Replaced is not null || n.PinsKnown.Count > 0)]));
        if (reckon.Record && reckoned.Any(n => n.Changed)) Changed();
    }

    private void Pulled(PullOutcome outcome)
    {
        _history.Pulled(outcome.Pull.Node, outcome.Pull.Image, _clock.GetUtcNow());
        Changed();
    }

    private void Changed()
    {
        _changed = true;
        SaveIfChanged();
    }

    private void SaveIfChanged()
    {
        if (_saving) return;
        if (!_changed || _store is null)
        {
            _changed = false;
            foreach (var waiting in _awaitingFlush) waiting.Tell(PullHistoryEvents.Flushed.Instance);
            _awaitingFlush.Clear();
            return;
        }
        _changed = false;
        _saving = true;
        _store.SaveAsync(_history.Write(), CancellationToken.None).PipeTo(Self, success: () => new Saved(null), failure: error => new Saved(error.GetBaseException().Message));
    }

    /// <summary>A save ended; <paramref name="Error"/> says why it failed.</summary>
    private sealed record Saved(string? Error) : INoSerializationVerificationNeeded;
}

public static class PullHistoryRegistration
{
    /// <summary>Starts the history subscribed to pull outcomes from the first event on (as the log actor is), where runs find it.</summary>
    public static IActorRef StartPullHistory(this ActorSystem system, PullHistory history, IPullHistoryStore? store, TimeProvider clock)
    {
        var actor = system.ActorOf(PullHistoryActor.Props(history, store, clock), "pull-history");
        system.EventStream.Subscribe(actor, typeof(SyncEvents.PullSucceeded));
        system.EventStream.Subscribe(actor, typeof(SyncEvents.PullFinished));
        system.EventStream.Subscribe(actor, typeof(SyncEvents.PinChanged));
        ActorRegistry.For(system).Register<PullHistoryActor>(actor);
        return actor;
    }

    public static AkkaConfigurationBuilder AddPullHistory(this AkkaConfigurationBuilder builder, PullHistory history, IPullHistoryStore? store, TimeProvider clock) =>
        builder.WithActors((system, _) => system.StartPullHistory(history, store, clock));
}
