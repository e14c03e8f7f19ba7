using Akka.Actor;
using Akka.Hosting;
using ImageSync.Logging;

namespace ImageSync.Actors;

/// <summary>
/// The one writer of the day files: it takes every <see cref="SyncEvents.ISyncEvent"/> from the event
/// stream, in order, and hands it to the journal. Deletes expired day files when it starts and every day
/// after, so a daemon keeps its log dir as trimmed as a cron job does. A <see cref="LogCommands.Flush"/> is
/// answered once everything before it is written.
/// </summary>
public sealed class LogActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromDays(1);
    private readonly ISyncJournal _journal;

    public LogActor(ISyncJournal journal)
    {
        _journal = journal;
        Receive<SyncEvents.ISyncEvent>(_journal.Record);
        Receive<LogCommands.Flush>(_ => Sender.Tell(LogCommands.Flushed.Instance));
        Receive<Prune>(_ => _journal.PruneExpired());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ISyncJournal journal) => Akka.Actor.Props.Create(() => new LogActor(journal));

    protected override void PreStart()
    {
        _journal.PruneExpired();
        Timers.StartPeriodicTimer(nameof(Prune), Prune.Instance, PruneEvery);
    }

    // No unsubscribing in PostStop: a restart must keep the subscription, and the event stream drops
    // stopped subscribers by itself. The journal belongs to whoever made it; a restarted LogActor goes on
    // writing to the same one.

    private sealed class Prune : INoSerializationVerificationNeeded
    {
        public static readonly Prune Instance = new();

        private Prune()
        {
        }
    }
}

public static class LogActorRegistration
{
    /// <summary>
    /// Starts a LogActor already subscribed: subscribing here, not in PreStart (which runs later, on the
    /// actor's own thread), means not even the first event of a run that starts right away is missed.
    /// </summary>
    public static IActorRef StartLogActor(this ActorSystem system, ISyncJournal journal, string? name = null)
    {
        var log = system.ActorOf(LogActor.Props(journal), name);
        system.EventStream.Subscribe(log, typeof(SyncEvents.ISyncEvent));
        return log;
    }

    public static AkkaConfigurationBuilder AddLogActor(this AkkaConfigurationBuilder builder, ISyncJournal journal) =>
        builder.WithActors((system, registry) => registry.Register<LogActor>(system.StartLogActor(journal, "log")));
}
