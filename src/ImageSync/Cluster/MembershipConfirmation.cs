using Akka.Actor;

namespace ImageSync.Cluster;

/// <summary>One confirmation under way: this replica counts itself.</summary>
internal sealed class MembershipConfirmation(IActorRef requester, int required, int members)
{
    private int _unanswered = members - 1;

    public IActorRef Requester => requester;

    public int Members => members;

    public int Confirmed { get; private set; } = 1;

    public bool Done => Confirmed >= required;

    public bool Hopeless => Confirmed + _unanswered < required;

    public void Heard(bool confirmed)
    {
        _unanswered--;
        if (confirmed) Confirmed++;
    }
}
