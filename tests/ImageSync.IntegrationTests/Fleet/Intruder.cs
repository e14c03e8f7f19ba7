using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;
using Akka.Serialization;

namespace ImageSync.IntegrationTests.Fleet;

/// <summary>
/// A plain Akka.NET actor system on loopback that talks to the replicas' cluster port without being a replica: with
/// a certificate (one the replicas' CA signed, or another), or with TLS but none. It never joins; it sends what an
/// attacker who reached the port would: Akka's default JSON with .NET type names, and replica messages it forges.
/// </summary>
public sealed class Intruder : IDisposable
{
    /// <param name="certificate">Its certificate (PEM), which its own TLS listener needs in any case.</param>
    /// <param name="key">The certificate's key (PEM).</param>
    /// <param name="presents">Off: it connects over TLS without presenting its certificate, as any TLS client can.</param>
    public Intruder(string certificate, string key, bool presents = true)
    {
        var config = ConfigurationFactory.ParseString($"""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp {"{"} hostname = 127.0.0.1, port = 0, enable-ssl = on {"}"}
            akka.actor.serializers.forged = "{typeof(ForgedSerializer).AssemblyQualifiedName}"
            akka.actor.serialization-bindings {"{"} "{typeof(Forged).AssemblyQualifiedName}" = forged {"}"}
            akka.loglevel = WARNING
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            """);
        // It trusts whatever the replicas present: the point is what they make of it.
        var tls = new DotNettySslSetup(X509Certificate2.CreateFromPemFile(certificate, key), suppressValidation: false, requireMutualAuthentication: presents,
            validateCertificateHostname: false, (_, _, _, _, _) => true);
        System = ActorSystem.Create("intruder", BootstrapSetup.Create().WithConfig(config).And(tls));
        Address = ((ExtendedActorSystem)System).Provider.DefaultAddress.ToString();
        _sender = System.ActorOf(Props.Empty, "sender");
    }

    private readonly IActorRef _sender;

    public ActorSystem System { get; }

    /// <summary>How the replicas see it: the address its messages come from.</summary>
    public string Address { get; }

    /// <summary>Sends <paramref name="message"/> to the actor at <paramref name="path"/> of the replica listening on <paramref name="port"/>, from an actor of its own.</summary>
    public void Send(int port, string path, object message) =>
        System.ActorSelection($"akka.ssl.tcp://image-sync@127.0.0.1:{port}{path}").Tell(message, _sender);

    /// <summary>Whether the replica's actor at <paramref name="path"/> answers an Identify within the time: only an association gets an answer.</summary>
    public async Task<bool> ReachesAsync(int port, string path, TimeSpan within)
    {
        try
        {
            var identity = await System.ActorSelection($"akka.ssl.tcp://image-sync@127.0.0.1:{port}{path}").Ask<ActorIdentity>(new Identify(1), within);
            return identity.Subject is not null;
        }
        catch (AskTimeoutException)
        {
            return false;
        }
    }

    public void Dispose() => System.Terminate().Wait(TimeSpan.FromSeconds(10));
}

/// <summary>A message on the wire as the replicas' serializer names it, with whatever JSON the sender chooses.</summary>
public sealed record Forged(string Manifest, string Json);

/// <summary>Writes <see cref="Forged"/> messages under the replicas' serializer identifier, so the replicas read them as theirs.</summary>
public sealed class ForgedSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => 7_301;

    public override string Manifest(object o) => ((Forged)o).Manifest;

    public override byte[] ToBinary(object obj) => System.Text.Encoding.UTF8.GetBytes(((Forged)obj).Json);

    public override object FromBinary(byte[] bytes, string manifest) => new Forged(manifest, System.Text.Encoding.UTF8.GetString(bytes));
}
