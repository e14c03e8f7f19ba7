using Akka.Actor;

namespace ImageSync.Cluster;

/// <summary>
/// What a replica in no cluster has heard from the other listed replicas: their recent answers, who probed it, and
/// since when the same replicas answer; <see cref="Decide"/> asks <see cref="BootstrapDecider"/> what to do about it,
/// and <see cref="QuietToSay"/> when a long silence is worth a warning.
/// </summary>
internal sealed class ReplicaProbes(Address self, IReadOnlyList<Address> others, int required)
{
    private static readonly TimeSpan Lasts = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan StableMargin = TimeSpan.FromSeconds(3);
    // Silence is normal while the others start; half a minute of it usually means they cannot answer this one.
    private static readonly TimeSpan QuietFor = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan QuietAgainEvery = TimeSpan.FromMinutes(5);
    private readonly Dictionary<Address, (IReadOnlyList<Address> Members, IReadOnlyList<Address> Hears, TimeSpan At)> _answers = [];
    private readonly Dictionary<Address, TimeSpan> _probedBy = [];
    private HashSet<Address> _answering = [];
    private TimeSpan _answeringSince;
    private TimeSpan _heardAt;
    private TimeSpan? _quietSaidAt;

    /// <summary>How many replicas answered lately, this one not counted.</summary>
    public int Answering => _answering.Count;

    public void Started(TimeSpan now) => (_answeringSince, _heardAt) = (now, now);

    public void Heard(MembershipQueries.Answer answer, TimeSpan now)
    {
        _heardAt = now;
        if (AddressOf(answer.From) is { } from && others.Contains(from))
            _answers[from] = ([.. answer.Members.Select(AddressOf).OfType<Address>()], [.. answer.Hears.Select(AddressOf).OfType<Address>()], now);
    }

    public void ProbedBy(Address prober, TimeSpan now)
    {
        _heardAt = now;
        if (others.Contains(prober)) _probedBy[prober] = now;
    }

    /// <summary>The replicas heard from lately, by their answers or their probes.</summary>
    public IEnumerable<Address> Hears(TimeSpan now) =>
        _answers.Where(a => now - a.Value.At <= Lasts).Select(a => a.Key)
            .Concat(_probedBy.Where(p => now - p.Value <= Lasts).Select(p => p.Key))
            .Distinct();

    /// <summary>
    /// How long no other replica was heard from, when that is worth saying now: after half a minute of silence, and
    /// again every five minutes of it, not every second; null otherwise.
    /// </summary>
    public TimeSpan? QuietToSay(TimeSpan now)
    {
        if (others.Count == 0 || now - _heardAt < QuietFor || (_quietSaidAt is { } said && now - said < QuietAgainEvery)) return null;
        _quietSaidAt = now;
        return now - _heardAt;
    }

    public BootstrapDecider.Decision Decide(TimeSpan now)
    {
        foreach (var gone in _answers.Where(a => now - a.Value.At > Lasts).Select(a => a.Key).ToList()) _answers.Remove(gone);
        var answering = _answers.Keys.ToHashSet();
        if (!answering.SetEquals(_answering)) (_answering, _answeringSince) = (answering, now);
        return BootstrapDecider.Decide(self, _answers.ToDictionary(a => a.Key, a => a.Value.Members), required, now - _answeringSince, StableMargin,
            _answers.Values.SelectMany(a => a.Hears).ToHashSet());
    }

    /// <summary>An address from another replica's message; null when it is not one (a replica of another version, say).</summary>
    public static Address? AddressOf(string text)
    {
        try
        {
            return Address.Parse(text);
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
            return null;
        }
    }
}
