using Akka.Actor;

namespace ImageSync.Actors;

/// <summary>
/// How a <see cref="SyncRun"/> supervises its children. A node actor that throws is restarted (it simply reads its
/// node again) up to three times a minute, then stopped. The dispatcher and the pin keeper are stopped at once: their
/// bookkeeping cannot be rebuilt, and starting over would pull (or pin) twice. Whatever a stopped child owed is
/// settled on its Terminated.
/// </summary>
/// <param name="keepsBooks">Whether the child is one that keeps books (the dispatcher, the pin keeper).</param>
internal sealed class RunSupervision(Func<IActorRef, bool> keepsBooks) : OneForOneStrategy(3, TimeSpan.FromMinutes(1), Akka.Actor.Decider.From(Directive.Restart))
{
    protected override Directive Handle(IActorRef child, Exception exception) =>
        keepsBooks(child) ? Directive.Stop : base.Handle(child, exception);
}
