using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ImageSync.IntegrationTests.Fleet;

namespace ImageSync.IntegrationTests.Kubernetes;

/// <summary>
/// A Kubernetes API server stand-in on 127.0.0.1 over TLS, with a cluster CA of its own: it answers
/// <c>GET /api/v1/nodes</c> with a recorded NodeList and notes what each request brought (path, bearer
/// token, client certificate). It writes kubeconfigs that trust its CA, as kubeadm's admin.conf does.
/// </summary>
public sealed class FakeKubernetesApi : IAsyncDisposable
{
    public const string Token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImltYWdlLXN5bmMifQ.test-token";

    /// <summary>The recorded answer of a kubeadm cluster: control plane, two Ready workers, one NotReady, one cordoned.</summary>
    public static string RecordedNodes { get; } = File.ReadAllText(Path.Combine(Repository.Root, "tests", "ImageSync.IntegrationTests", "Kubernetes", "nodes.json"));

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _serverCertificate;
    private readonly bool _requireClientCertificate;
    private readonly Task _serving;

    /// <param name="body">The NodeList to answer with.</param>
    /// <param name="status">The status to answer with: 200, or e.g. 403 with a Status object as body.</param>
    public FakeKubernetesApi(string body, bool requireClientCertificate, int status = 200)
    {
        _requireClientCertificate = requireClientCertificate;
        _ca = Authority("CN=kubernetes");
        var (server, serverKey) = Issue("CN=kube-apiserver", ServerAuth);
        using (server)
        using (serverKey)
        {
            // Through PKCS#12, so that SslStream gets a certificate whose key it can use.
            _serverCertificate = X509CertificateLoader.LoadPkcs12(server.CopyWithPrivateKey(serverKey).Export(X509ContentType.Pkcs12), null);
        }
        _listener.Start();
        _serving = ServeAsync(body, status, _stop.Token);
    }

    public string Url => $"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>What each request asked for and brought, in order.</summary>
    public List<(string Path, string? Authorization, string? ClientSubject)> Requests { get; } = [];

    /// <summary>A kubeconfig for this server: a user with a client certificate of its CA, or with the bearer token.</summary>
    /// <param name="context">Also writes a decoy context "other" that points elsewhere, to show the chosen one is used.</param>
    public string Kubeconfig(string directory, bool clientCertificate, string context = "image-sync@test")
    {
        string user;
        if (clientCertificate)
        {
            var (certificate, key) = Issue("CN=image-sync, O=image-sync:node-readers", ClientAuth);
            using (certificate)
            using (key)
            {
                user = $"    client-certificate-data: {Base64(certificate.ExportCertificatePem())}\n    client-key-data: {Base64(key.ExportPkcs8PrivateKeyPem())}";
            }
        }
        else user = $"    token: {Token}";
        var path = Path.Combine(directory, $"kubeconfig-{Guid.NewGuid():N}");
        File.WriteAllText(path, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: {{Url}}
                certificate-authority-data: {{Base64(_ca.ExportCertificatePem())}}
            - name: elsewhere
              cluster:
                server: https://127.0.0.1:1
            users:
            - name: image-sync
              user:
            {{user}}
            - name: nobody
              user:
                token: not-this-one
            contexts:
            - name: {{context}}
              context: { cluster: test, user: image-sync }
            - name: other
              context: { cluster: elsewhere, user: nobody }
            current-context: other
            """);
        return path;
    }

    private async Task ServeAsync(string body, int status, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            using (client)
            {
                try
                {
                    await AnswerAsync(client.GetStream(), body, status, stop);
                }
                catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
                {
                    // A client that refused our certificate, or went away: nothing to answer.
                }
            }
        }
    }

    private async Task AnswerAsync(NetworkStream network, string body, int status, CancellationToken stop)
    {
        string? clientSubject = null;
        await using var tls = new SslStream(network);
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificate = _serverCertificate,
            ClientCertificateRequired = _requireClientCertificate,
            // Trusts a client certificate only when our CA issued it, as the API server's --client-ca-file does.
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                clientSubject = certificate?.Subject;
                return certificate is null ? !_requireClientCertificate : certificate.Issuer == _ca.Subject;
            },
        }, stop);
        var head = await ReadHeadAsync(tls, stop);
        var lines = head.Split("\r\n");
        var authorization = lines.FirstOrDefault(l => l.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase))?["Authorization:".Length..].Trim();
        lock (Requests) Requests.Add((lines[0].Split(' ')[1], authorization, clientSubject));
        var bytes = Encoding.UTF8.GetBytes(body);
        var reason = status == 200 ? "OK" : "Forbidden";
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"), stop);
        await tls.WriteAsync(bytes, stop);
    }

    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken stop)
    {
        var head = new StringBuilder();
        var buffer = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(buffer, stop) == 1) head.Append((char)buffer[0]);
        return head.ToString();
    }

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private static X509Certificate2 Authority(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>A certificate the cluster CA signs; a server one names 127.0.0.1 and localhost.</summary>
    private (X509Certificate2 Certificate, ECDsa Key) Issue(string subject, string usage)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        if (usage == ServerAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }
        using var caKey = _ca.GetECDsaPrivateKey()!;
        var serial = RandomNumberGenerator.GetBytes(8);
        return (request.Create(_ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), serial), key);
    }

    private static string Base64(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _serving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _serverCertificate.Dispose();
        _ca.Dispose();
    }
}
