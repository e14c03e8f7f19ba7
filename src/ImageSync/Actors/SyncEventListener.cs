using Akka.Actor;
using Akka.Hosting;

namespace ImageSync.Actors;

/// <summary>
/// Hands every sync event on the event stream to one consumer (the live view, the metrics), one event at
/// a time and in order, so the consumer needs no locking against the run that publishes them.
/// </summary>
public sealed class SyncEventListener : ReceiveActor
{
    public SyncEventListener(Action<SyncEvents.ISyncEvent> consume) => Receive(consume);

    public static Props Props(Action<SyncEvents.ISyncEvent> consume) => Akka.Actor.Props.Create(() => new SyncEventListener(consume));
}

public static class SyncEventListenerRegistration
{
    public static AkkaConfigurationBuilder AddSyncEventListener(this AkkaConfigurationBuilder builder, string name, Action<SyncEvents.ISyncEvent> consume) =>
        builder.WithActors((system, _) =>
        {
            var listener = system.ActorOf(SyncEventListener.Props(consume), name);
            // Subscribed before any sync starts, so no event is missed (PreStart would run later).
            system.EventStream.Subscribe(listener, typeof(SyncEvents.ISyncEvent));
        });
}
