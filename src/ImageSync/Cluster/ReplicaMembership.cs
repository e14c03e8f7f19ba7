using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting;
using Akka.Remote;
using ImageSync.Actors;
using ImageSync.Daemon;
using AkkaCluster = Akka.Cluster.Cluster;
using ClusterSettings = ImageSync.Configuration.ClusterSettings;

namespace ImageSync.Cluster;

/// <summary>
/// A replica's place in the cluster.
/// <list type="bullet">
/// <item>Before it belongs to one, it asks every listed replica each second whether it is in a cluster, and forms or
/// joins one as <see cref="BootstrapDecider"/> says: no replica has to be the first one up.</item>
/// <item>Before a sync, the coordinator asks it to confirm, with a majority of the members, that this replica is still
/// one of them: a replica that was frozen or cut off while the others downed it learns so before it touches a node.</item>
/// <item>A replica told it was quarantined downs itself (Akka.Cluster alone would let it run on as an island), and a
/// sync running here when this replica leaves the cluster is abandoned at once: another replica takes over.</item>
/// <item>It words the cluster's changes for the run log: one line each.</item>
/// </list>
/// </summary>
public sealed class ReplicaMembership : ReceiveActor, IWithTimers
{
    public const string Name = "replica-membership";
    private static readonly TimeSpan ProbeEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ConfirmWithin = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan JoinWithin = TimeSpan.FromSeconds(30);

    private readonly AkkaCluster _cluster = AkkaCluster.Get(Context.System);
    private readonly MemberView _members;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IReadOnlyList<Address> _others;
    private readonly ReplicaProbes _probes;
    private readonly ClusterSettings _settings;
    private readonly CoordinatorPresence _presence;
    private readonly Dictionary<long, MembershipConfirmation> _confirmations = [];
    private long _lastConfirmation;

    public ReplicaMembership(ClusterSettings settings, CoordinatorPresence presence)
    {
        _settings = settings;
        _others = [.. settings.Replicas.Select(Address.Parse).Where(r => !r.Equals(_cluster.SelfAddress))];
        _members = new MemberView(_cluster);
        _probes = new ReplicaProbes(_cluster.SelfAddress, _others, settings.Majority);
        _presence = presence;
        Probing();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ClusterSettings settings, CoordinatorPresence presence) =>
        Akka.Actor.Props.Create(() => new ReplicaMembership(settings, presence));

    private TimeSpan Now => Context.System.Scheduler.MonotonicClock;

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Context.System.EventStream.Subscribe(Self, typeof(ThisActorSystemQuarantinedEvent));
        _probes.Started(Now);
        Timers.StartPeriodicTimer(nameof(Probe), Probe.Instance, ProbeEvery);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    /// <summary>In no cluster yet: asking the other replicas each second, until there is one to join or to form.</summary>
    private void Probing()
    {
        Receive<MembershipQueries.Answer>(answer => _probes.Heard(answer, Now));
        Receive<Probe>(_ => ProbeOthers());
        Always();
    }

    /// <summary>A join was asked for. Akka.Cluster retries it; a replica that still is no member after a while restarts and looks again.</summary>
    private void Joining()
    {
        Receive<JoinTimedOut>(_ =>
        {
            _log.Warning("CLUSTER: still not a member {0} after joining; this replica stops, to look for the cluster again when restarted", Durations.Show(JoinWithin));
            CoordinatedShutdown.Get(Context.System).Run(CoordinatedShutdown.ClusterJoinUnsuccessfulReason.Instance);
        });
        Always();
    }

    private void Member() => Always();

    /// <summary>What a replica does in every state: answer the others, guard against being an island, word the changes.</summary>
    private void Always()
    {
        Receive<MembershipQueries.AreYouInACluster>(_ => Answer(Sender));
        Receive<MembershipQueries.IsMember>(asked => Sender.Tell(new MembershipQueries.MemberAnswer(asked.Id, ReplicaProbes.AddressOf(asked.Address) is { } address && _members.Sees(address))));
        Receive<MembershipCommands.ConfirmMembership>(_ => StartConfirmation(Sender));
        Receive<MembershipQueries.MemberAnswer>(Answered);
        Receive<ConfirmationTimedOut>(late => Conclude(late.Id));
        Receive<ThisActorSystemQuarantinedEvent>(quarantined =>
        {
            _log.Warning("CLUSTER: replica {0} quarantined this one: the others went on without it; it leaves the cluster", quarantined.RemoteAddress);
            _cluster.Down(_cluster.SelfAddress);
        });
        Receive<ClusterEvent.MemberUp>(up => up.Member.Address.Equals(_cluster.SelfAddress), _ => BecameMember());
        Receive<ClusterEvent.MemberWeaklyUp>(up => up.Member.Address.Equals(_cluster.SelfAddress), _ => BecameMember());
        Receive<ClusterEvent.MemberUp>(up => _log.Info("CLUSTER: replica {0} joined", up.Member.Address));
        Receive<ClusterEvent.UnreachableMember>(lost => _log.Warning(
            "CLUSTER: replica {0} is unreachable; it is downed if it stays so for {1}", lost.Member.Address, Durations.Show(_settings.Failover.StableAfter)));
        Receive<ClusterEvent.ReachableMember>(back => _log.Info("CLUSTER: replica {0} is reachable again", back.Member.Address));
        // Downed, this replica is on its way out and another may start syncing soon: its sync stops now, not at its removal.
        Receive<ClusterEvent.MemberDowned>(downed => downed.Member.Address.Equals(_cluster.SelfAddress), _ =>
            Abandon("this replica was downed", "CLUSTER: this replica was downed; a sync running here is abandoned"));
        Receive<ClusterEvent.MemberDowned>(downed => _log.Info("CLUSTER: replica {0} was downed", downed.Member.Address));
        Receive<ClusterEvent.MemberRemoved>(removed => removed.Member.Address.Equals(_cluster.SelfAddress), _ =>
            Abandon("this replica left the cluster", "CLUSTER: this replica left the cluster; it stops"));
        Receive<ClusterEvent.MemberRemoved>(removed => _log.Info("CLUSTER: replica {0} left the cluster", removed.Member.Address));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<MembershipQueries.Answer>(_ => { });
        Receive<Probe>(_ => { });
    }

    /// <summary>Tells a probing replica this one's cluster (if any) and whom it heard from lately.</summary>
    private void Answer(IActorRef prober)
    {
        _probes.ProbedBy(prober.Path.Address, Now);
        prober.Tell(new MembershipQueries.Answer(_cluster.SelfAddress.ToString(), [.. _members.Joinable().Select(m => m.ToString())], [.. _probes.Hears(Now).Select(h => h.ToString())]));
    }

    /// <summary>Another replica may start syncing soon: a sync running here stops at once.</summary>
    private void Abandon(string why, string logLine)
    {
        _log.Warning(logLine);
        _presence.Local?.Tell(new SyncCommands.StopSync(why, Abandon: true));
    }

    private void BecameMember()
    {
        Timers.Cancel(nameof(Probe));
        Timers.Cancel(nameof(JoinTimedOut));
        _log.Info("CLUSTER: this replica is a member, with {0}", string.Join(", ", _members.Up().Append(_cluster.SelfAddress).Distinct()));
        Become(Member);
    }

    private void ProbeOthers()
    {
        switch (_probes.Decide(Now))
        {
            case BootstrapDecider.Decision.JoinExisting join:
                _log.Info("CLUSTER: joining the cluster of {0}", string.Join(", ", join.Members));
                _cluster.JoinSeedNodes(join.Members);
                StartJoining();
                return;
            case BootstrapDecider.Decision.FormCluster:
                _log.Info("CLUSTER: forming the cluster: this replica has the lowest address of the {0} that answer", _probes.Answering + 1);
                _cluster.Join(_cluster.SelfAddress);
                StartJoining();
                return;
        }
        foreach (var other in _others) MembershipOf(other).Tell(MembershipQueries.AreYouInACluster.Instance);
        SayWhenQuiet();
    }

    /// <summary>No other replica answered for a while: what an operator checks first, said now and then, not every second.</summary>
    private void SayWhenQuiet()
    {
        if (_probes.QuietToSay(Now) is not { } quiet) return;
        _log.Warning("CLUSTER: none of the {0} other replicas in cluster.seed-nodes has answered for {1}: are they running and reachable on their cluster port, "
            + "and {2}?", _others.Count, Durations.Elapsed(quiet),
            _settings.Tls.Enabled ? "do they all run cluster.tls with certificates of the same CA" : "do they all run with cluster.tls.enabled = off too");
    }

    private void StartJoining()
    {
        Timers.Cancel(nameof(Probe));
        Timers.StartSingleTimer(nameof(JoinTimedOut), JoinTimedOut.Instance, JoinWithin);
        Become(Joining);
    }

    private void StartConfirmation(IActorRef requester)
    {
        if (!_members.SelfIsUp)
        {
            requester.Tell(new MembershipEvents.NotConfirmed($"this replica is {_cluster.SelfMember.Status}, not an Up member of the cluster"));
            return;
        }
        // A majority of those that can confirm: Up members, not those joining, downed or leaving.
        var members = _members.Up().ToList();
        var confirmation = new MembershipConfirmation(requester, members.Count / 2 + 1, members.Count);
        if (confirmation.Done)
        {
            requester.Tell(MembershipEvents.Confirmed.Instance);
            return;
        }
        var id = ++_lastConfirmation;
        _confirmations[id] = confirmation;
        var asking = new MembershipQueries.IsMember(_cluster.SelfAddress.ToString(), id);
        foreach (var other in members.Where(m => !m.Equals(_cluster.SelfAddress)))
            MembershipOf(other).Tell(asking);
        Timers.StartSingleTimer(ConfirmationTimer(id), new ConfirmationTimedOut(id), ConfirmWithin);
    }

    private void Answered(MembershipQueries.MemberAnswer answer)
    {
        if (!_confirmations.TryGetValue(answer.Id, out var confirmation)) return;
        confirmation.Heard(answer.Confirmed);
        if (confirmation.Done || confirmation.Hopeless) Conclude(answer.Id);
    }

    /// <summary>The confirmation is decided, or out of time: its requester hears which.</summary>
    private void Conclude(long id)
    {
        if (!_confirmations.Remove(id, out var confirmation)) return;
        Timers.Cancel(ConfirmationTimer(id));
        confirmation.Requester.Tell(confirmation.Done ? MembershipEvents.Confirmed.Instance : new MembershipEvents.NotConfirmed(
            $"only {confirmation.Confirmed} of the {confirmation.Members} replicas confirmed within {Durations.Show(ConfirmWithin)} that this one is still a member (it may have been cut off or downed)"));
    }

    private ActorSelection MembershipOf(Address replica) => Context.ActorSelection(new RootActorPath(replica) / "user" / Name);

    private static string ConfirmationTimer(long id) => $"confirm-{id}";

    private sealed class Probe : INotInfluenceReceiveTimeout, INoSerializationVerificationNeeded
    {
        public static readonly Probe Instance = new();

        private Probe()
        {
        }
    }

    private sealed class JoinTimedOut : INoSerializationVerificationNeeded
    {
        public static readonly JoinTimedOut Instance = new();

        private JoinTimedOut()
        {
        }
    }

    private sealed record ConfirmationTimedOut(long Id) : INoSerializationVerificationNeeded;
}

public static class ReplicaMembershipRegistration
{
    public static AkkaConfigurationBuilder AddReplicaMembership(this AkkaConfigurationBuilder builder, ClusterSettings settings, CoordinatorPresence presence) =>
        builder.WithActors((system, registry) => registry.Register<ReplicaMembership>(system.ActorOf(ReplicaMembership.Props(settings, presence), ReplicaMembership.Name)));
}
