using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using ImageSync.Cluster;
using ImageSync.Configuration;
using ImageSync.Tests.Support;

namespace ImageSync.Tests.Cluster;

/// <summary>A replica's TLS files as it loads them before it starts, and the check it runs on every peer's certificate.</summary>
public sealed class ReplicaTlsSpecs : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestCertificates _ours;

    public ReplicaTlsSpecs() => _ours = new TestCertificates(_dir.File("ours"));

    [Fact]
    public void Should_name_every_missing_setting_when_a_cluster_with_tls_on_has_no_files()
    {
        var error = Assert.Throws<ClusterTlsException>(() => ReplicaTls.Load(new ClusterTlsSettings(true, "", "", ""), TimeProvider.System));

        Assert.StartsWith("image-sync.cluster.tls.certificate, image-sync.cluster.tls.key, image-sync.cluster.tls.ca: not set", error.Message);
        Assert.Contains("cluster.tls.enabled = off", error.Message);
    }

    [Fact]
    public void Should_name_the_setting_and_the_file_it_cannot_read()
    {
        var files = _ours.Replica("replica-1") with { Ca = _dir.File("no-such-ca.crt") };

        var error = Assert.Throws<ClusterTlsException>(() => ReplicaTls.Load(files, TimeProvider.System));

        Assert.StartsWith($"image-sync.cluster.tls.ca: cannot read '{_dir.File("no-such-ca.crt")}'", error.Message);
    }

    [Fact]
    public void Should_refuse_a_key_that_is_not_the_certificates()
    {
        var files = _ours.Replica("replica-1") with { Key = _ours.Replica("replica-2").Key };

        var error = Assert.Throws<ClusterTlsException>(() => ReplicaTls.Load(files, TimeProvider.System));

        Assert.StartsWith("image-sync.cluster.tls.key:", error.Message);
        Assert.Contains("is not the private key of cluster.tls.certificate", error.Message);
    }

    [Fact]
    public void Should_refuse_an_expired_certificate_and_say_when_it_expired()
    {
        var files = _ours.Replica("replica-1", validFor: TimeSpan.FromDays(-3));

        var error = Assert.Throws<ClusterTlsException>(() => ReplicaTls.Load(files, TimeProvider.System));

        Assert.Matches(@"^image-sync\.cluster\.tls\.certificate: '.*replica-1\.crt' expired on \d{4}-\d\d-\d\d \d\d:\d\d UTC$", error.Message);
    }

    [Fact]
    public void Should_refuse_a_certificate_from_another_ca()
    {
        var theirs = new TestCertificates(_dir.File("theirs"), "another CA");
        var files = theirs.Replica("replica-1") with { Ca = _ours.CaFile };
        _ = _ours.Ca;

        var error = Assert.Throws<ClusterTlsException>(() => ReplicaTls.Load(files, TimeProvider.System));

        Assert.EndsWith("replica-1.crt' does not chain to cluster.tls.ca", error.Message);
    }

    [Fact]
    public void Should_refuse_a_certificate_for_tls_servers_only_since_every_replica_is_a_client_too()
    {
        var files = _ours.Replica("replica-1", clientAndServer: false);

        var error = Assert.Throws<ClusterTlsException>(() => ReplicaTls.Load(files, TimeProvider.System));

        Assert.Contains("is not for TLS clients and servers", error.Message);
    }

    [Fact]
    public void Should_describe_what_it_presents_with_the_days_left()
    {
        var tls = ReplicaTls.Load(_ours.Replica("replica-1", validFor: TimeSpan.FromDays(30)), TimeProvider.System);

        Assert.Matches(@"^certificate 'replica-1' \(issued by 'spec replicas CA'\), valid until \d{4}-\d\d-\d\d \(29 days left\)$", tls.Own.Describe(TimeProvider.System));
    }

    [Fact]
    public void Should_accept_a_peer_of_the_same_ca_and_refuse_one_of_another_or_none_naming_the_peer()
    {
        var tls = ReplicaTls.Load(_ours.Replica("replica-1"), TimeProvider.System);
        var log = new RecordingLog();
        using var sibling = Certificate(_ours.Replica("replica-2"));
        using var stranger = Certificate(new TestCertificates(_dir.File("theirs"), "another CA").Replica("replica-9"));

        var accepted = tls.AcceptPeer(sibling, null, "10.0.0.2:51000", SslPolicyErrors.RemoteCertificateChainErrors, log);
        var refused = tls.AcceptPeer(stranger, null, "10.0.0.9:51000", SslPolicyErrors.RemoteCertificateChainErrors, log);
        var none = tls.AcceptPeer(null, null, "10.0.0.8:51000", SslPolicyErrors.RemoteCertificateNotAvailable, log);

        Assert.Equal((true, false, false), (accepted, refused, none));
        Assert.Equal([
            "CLUSTER: refused 10.0.0.9:51000: its certificate 'replica-9' (issued by 'another CA') does not chain to cluster.tls.ca",
            "CLUSTER: refused 10.0.0.8:51000: presented no certificate",
        ], log.Warnings);
    }

    [Fact]
    public void Should_trust_a_new_ca_at_once_when_the_files_are_read_again()
    {
        var files = _ours.Replica("replica-1");
        var tls = ReplicaTls.Load(files, TimeProvider.System);
        var next = new TestCertificates(_dir.File("next"), "next CA");
        using var fromNext = Certificate(next.Replica("replica-2"));
        // The rotation's first step: the CA file holds both, so old and new certificates are accepted alike.
        File.WriteAllText(files.Ca, File.ReadAllText(files.Ca) + File.ReadAllText(next.CaFile));

        var before = tls.AcceptPeer(fromNext, null, "10.0.0.2:51000", SslPolicyErrors.RemoteCertificateChainErrors, new RecordingLog());
        var said = tls.Reload(files);
        var after = tls.AcceptPeer(fromNext, null, "10.0.0.2:51000", SslPolicyErrors.RemoteCertificateChainErrors, new RecordingLog());

        Assert.Equal((false, true), (before, after));
        Assert.StartsWith("cluster TLS files re-read: certificate 'replica-1'", said);
    }

    [Fact]
    public void Should_load_what_the_documented_openssl_script_makes()
    {
        var made = Tool.Run(Path.Combine(Repository.Root, "deploy", "cluster-tls", "make-certs.sh"), _dir.Path, _dir.File("made"), "image-sync-0.image-sync-replicas", "10.0.0.5");
        Assert.True(made.ExitCode == 0, made.Stderr);

        var byName = ReplicaTls.Load(new ClusterTlsSettings(true, _dir.File("made/image-sync-0.image-sync-replicas.crt"), _dir.File("made/image-sync-0.image-sync-replicas.key"), _dir.File("made/ca.crt")), TimeProvider.System);
        var byAddress = ReplicaTls.Load(new ClusterTlsSettings(true, _dir.File("made/10.0.0.5.crt"), _dir.File("made/10.0.0.5.key"), _dir.File("made/ca.crt")), TimeProvider.System);
        using var peer = Certificate(new ClusterTlsSettings(true, _dir.File("made/10.0.0.5.crt"), _dir.File("made/10.0.0.5.key"), ""));

        Assert.Matches(@"^certificate 'image-sync-0\.image-sync-replicas' \(issued by 'image-sync replicas CA'\), valid until \d{4}-\d\d-\d\d \(36[45] days left\)$", byName.Own.Describe(TimeProvider.System));
        Assert.True(byName.AcceptPeer(peer, null, "10.0.0.5:4053", SslPolicyErrors.RemoteCertificateChainErrors, new RecordingLog()));
        Assert.Equal("10.0.0.5", byAddress.Own.Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
    }

    private static X509Certificate2 Certificate(ClusterTlsSettings files) => X509Certificate2.CreateFromPem(File.ReadAllText(files.Certificate));

    public void Dispose() => _dir.Dispose();

    /// <summary>Akka's logging adapter, keeping the warnings' text.</summary>
    private sealed class RecordingLog() : LoggingAdapterBase(DefaultLogMessageFormatter.Instance)
    {
        public List<string> Warnings { get; } = [];

        public override bool IsDebugEnabled => false;

        public override bool IsInfoEnabled => false;

        public override bool IsWarningEnabled => true;

        public override bool IsErrorEnabled => true;

        protected override void NotifyLog(LogLevel logLevel, object message, Exception? cause = null)
        {
            if (logLevel == LogLevel.WarningLevel) Warnings.Add(message.ToString()!);
        }
    }
}
