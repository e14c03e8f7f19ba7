using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Event;
using ImageSync.Configuration;

namespace ImageSync.Cluster;

/// <summary>
/// A replica's side of mutual TLS on the cluster port: the certificate it presents, and the check every peer's
/// certificate must pass in both directions, a chain to <c>cluster.tls.ca</c> (never the system's trust store),
/// within its validity, for TLS clients and servers alike. A refused peer is logged with why, once a minute.
/// </summary>
public sealed class ReplicaTls
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private readonly TimeProvider _clock;
    private volatile X509Certificate2Collection _authorities;
    private InboundRefusals? _refusals;

    private ReplicaTls(ReplicaCertificate own, TimeProvider clock)
    {
        Own = own;
        _clock = clock;
        _authorities = own.Authorities;
    }

    /// <summary>What this replica presents; the transport takes it at start, so a new one needs a restart.</summary>
    public ReplicaCertificate Own { get; }

    /// <exception cref="ClusterTlsException">A file is missing, unreadable or not what it should be; the message names the setting.</exception>
    public static ReplicaTls Load(ClusterTlsSettings settings, TimeProvider clock) => new(ReplicaCertificate.Load(settings, clock), clock);

    /// <summary>
    /// Reads the files again (SIGHUP): the CA applies to the next handshakes at once; a certificate other than the one
    /// presented is checked and reported, and presented after a restart.
    /// </summary>
    /// <returns>What changed, for the run log.</returns>
    /// <exception cref="ClusterTlsException">The files on disk are not usable now; the running ones stay.</exception>
    public string Reload(ClusterTlsSettings settings)
    {
        var read = ReplicaCertificate.Load(settings, _clock);
        _authorities = read.Authorities;
        return read.Certificate.Thumbprint == Own.Certificate.Thumbprint
            ? $"cluster TLS files re-read: {read.Describe(_clock)}"
            : $"cluster TLS files re-read: the CA applies now; the new certificate ({read.Describe(_clock)}) is presented once this replica restarts";
    }

    /// <summary>From the actor system on, refusals go to its log (image-sync's own lines, not remoting's).</summary>
    public void LogTo(ActorSystem system) => _refusals = InboundRefusals.For(system);

    /// <summary>The check Akka's TLS transport runs on every peer's certificate, inbound and outbound.</summary>
    public bool AcceptPeer(X509Certificate2? certificate, X509Chain? presented, string peer, SslPolicyErrors errors, ILoggingAdapter log)
    {
        var problem = certificate is null ? "presented no certificate" : ProblemOf(certificate, presented);
        if (problem is null) return true;
        var line = $"CLUSTER: refused {peer}: {problem}";
        // Before the actor system is up, Akka's own log is all there is.
        if (_refusals is { } refusals) refusals.Note(line, PeerHost(peer) + problem);
        else log.Warning("{0}", line);
        return false;
    }

    private string? ProblemOf(X509Certificate2 certificate, X509Chain? presented)
    {
        var named = $"its certificate {Named(certificate)}";
        if (!ForClientsAndServers(certificate)) return $"{named} is not for TLS clients and servers (extended key usage)";
        using var chain = ChainTo(_authorities, _clock);
        if (presented is not null)
            foreach (var element in presented.ChainElements.Skip(1)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        return chain.Build(certificate) ? null : $"{named} {Why(chain, certificate, _clock)}";
    }

    /// <summary>A chain built against <paramref name="authorities"/> alone, at the clock's time, with nothing fetched.</summary>
    internal static X509Chain ChainTo(X509Certificate2Collection authorities, TimeProvider clock)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = clock.GetLocalNow().LocalDateTime;
        return chain;
    }

    /// <summary>Why a chain did not build, in an operator's words.</summary>
    internal static string Why(X509Chain chain, X509Certificate2 certificate, TimeProvider clock)
    {
        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, status) => all | status.Status);
        var now = clock.GetUtcNow();
        return flags switch
        {
            _ when certificate.NotAfter.ToUniversalTime() < now => $"expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC",
            _ when certificate.NotBefore.ToUniversalTime() > now => $"is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC",
            _ when flags.HasFlag(X509ChainStatusFlags.NotTimeValid) => "chains through a CA certificate that is expired or not yet valid",
            _ when flags.HasFlag(X509ChainStatusFlags.UntrustedRoot) || flags.HasFlag(X509ChainStatusFlags.PartialChain) => "does not chain to cluster.tls.ca",
            _ => $"does not verify against cluster.tls.ca ({string.Join(", ", chain.ChainStatus.Select(s => s.Status))})",
        };
    }

    internal static bool ForClientsAndServers(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is not { } usage
        || (usage.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == ServerAuth.Value) && usage.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == ClientAuth.Value));

    /// <summary>A certificate by its subject's and its issuer's names, as an operator finds it among others.</summary>
    internal static string Named(X509Certificate2 certificate) =>
        $"'{certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false)}' (issued by '{certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: true)}')";

    /// <summary>A peer's host without its port: an inbound peer comes from a new port each time.</summary>
    private static string PeerHost(string peer) => peer.LastIndexOf(':') is var colon and > 0 && !peer.StartsWith("akka", StringComparison.Ordinal) ? peer[..colon] : peer;
}

/// <summary>This replica's certificate with its key, the intermediates that follow it in its file, and the CA(s) peers must chain to.</summary>
public sealed record ReplicaCertificate(X509Certificate2 Certificate, X509Certificate2Collection Intermediates, X509Certificate2Collection Authorities)
{
    private const string Section = "image-sync.cluster.tls";

    /// <exception cref="ClusterTlsException">Every problem found, each naming its setting.</exception>
    public static ReplicaCertificate Load(ClusterTlsSettings settings, TimeProvider clock)
    {
        if (settings.Missing() is { Count: > 0 } missing)
            throw new ClusterTlsException([$"{string.Join(", ", missing)}: not set; a cluster with TLS on needs this replica's certificate, its key and the CA "
                + "(or cluster.tls.enabled = off, which lets any process that reaches the cluster port join)"]);
        var authorities = Read($"{Section}.ca", settings.Ca, path => Certificates(path, "a CA certificate"));
        var chain = Read($"{Section}.certificate", settings.Certificate, path => Certificates(path, "a certificate"));
        var certificate = Read($"{Section}.key", settings.Key, path => WithKey(settings.Certificate, path));
        var own = new ReplicaCertificate(certificate, [.. chain.Skip(1)], authorities);
        if (own.Problem(clock) is { } problem) throw new ClusterTlsException([$"{Section}.certificate: '{settings.Certificate}' {problem}"]);
        return own;
    }

    /// <summary>Who this replica is to its peers and how long its certificate has left.</summary>
    public string Describe(TimeProvider clock) =>
        $"certificate {ReplicaTls.Named(Certificate)}, valid until {Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd} ({DaysLeft(clock)} days left)";

    public int DaysLeft(TimeProvider clock) => (int)Math.Floor((Certificate.NotAfter.ToUniversalTime() - clock.GetUtcNow()).TotalDays);

    /// <summary>What would make the peers refuse this certificate: a peer runs the same check on it.</summary>
    private string? Problem(TimeProvider clock)
    {
        if (!ReplicaTls.ForClientsAndServers(Certificate)) return "is not for TLS clients and servers: its extended key usage must allow both (serverAuth, clientAuth)";
        using var chain = ReplicaTls.ChainTo(Authorities, clock);
        chain.ChainPolicy.ExtraStore.AddRange(Intermediates);
        return chain.Build(Certificate) ? null : ReplicaTls.Why(chain, Certificate, clock);
    }

    private static T Read<T>(string setting, string path, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClusterTlsException([$"{setting}: cannot read '{path}': {e.Message}"]);
        }
        catch (CryptographicException e)
        {
            throw new ClusterTlsException([$"{setting}: '{path}': {e.Message}"]);
        }
    }

    private static X509Certificate2Collection Certificates(string path, string what)
    {
        var found = new X509Certificate2Collection();
        found.ImportFromPemFile(path);
        return found.Count > 0 ? found : throw new CryptographicException($"holds no PEM certificate (it should be {what})");
    }

    /// <summary>The certificate with its key; the key must be the certificate's.</summary>
    private static X509Certificate2 WithKey(string certificatePath, string keyPath)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new CryptographicException($"is not the private key of cluster.tls.certificate, or not an unencrypted PEM key ({e.Message})", e);
        }
    }
}

/// <summary>The cluster's TLS files cannot be used; each problem names its setting.</summary>
public sealed class ClusterTlsException(IReadOnlyList<string> problems) : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
