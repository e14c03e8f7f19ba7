using ImageSync.Nodes.Ssh.Trust;
using Renci.SshNet;
using Renci.SshNet.Security;

namespace ImageSync.Nodes.Ssh.Keys;

/// <summary>
/// An agent's key as SSH.NET's public-key authentication takes it: the public key goes to the server as it
/// is, the signature comes from the agent. One per connection, so a signature waits on that connection's token.
/// </summary>
internal sealed class AgentKeySource : IPrivateKeySource
{
    // The signature algorithms to offer for each key type the agent may hold, most wanted first, with the
    // sign flags that ask the agent for them. An RSA key is offered over SHA-2 only: OpenSSH refuses ssh-rsa.
    private static readonly Dictionary<string, (string Algorithm, uint Flags)[]> Algorithms = new()
    {
        ["ssh-ed25519"] = [("ssh-ed25519", 0)],
        ["ecdsa-sha2-nistp256"] = [("ecdsa-sha2-nistp256", 0)],
        ["ecdsa-sha2-nistp384"] = [("ecdsa-sha2-nistp384", 0)],
        ["ecdsa-sha2-nistp521"] = [("ecdsa-sha2-nistp521", 0)],
        ["ssh-rsa"] = [("rsa-sha2-512", SshAgentClient.RsaSha2512), ("rsa-sha2-256", SshAgentClient.RsaSha2256)],
    };

    private AgentKeySource(IReadOnlyCollection<HostAlgorithm> algorithms) => HostKeyAlgorithms = algorithms;

    public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms { get; }

    /// <summary>Whether image-sync can offer a key of this type (ed25519, ecdsa, rsa).</summary>
    public static bool IsUsable(AgentIdentity identity) => Algorithms.ContainsKey(identity.KeyType);

    /// <returns>Null for a key of a type image-sync does not offer.</returns>
    public static AgentKeySource? For(SshAgentClient agent, AgentIdentity identity, CancellationToken cancellationToken) =>
        Algorithms.TryGetValue(identity.KeyType, out var algorithms)
            ? new AgentKeySource(algorithms.Select(a => new AgentSignature(agent, identity, a.Algorithm, a.Flags, cancellationToken)).ToList())
            : null;

    private sealed class AgentSignature(SshAgentClient agent, AgentIdentity identity, string algorithm, uint flags, CancellationToken cancellationToken)
        : HostAlgorithm(algorithm)
    {
        public override byte[] Data => identity.PublicKey;

        /// <summary>
        /// SSH.NET asks for the signature synchronously, on the thread the connect runs on (one of image-sync's
        /// own, never the pool's), so waiting for the agent here blocks nothing else; each socket call is bounded.
        /// </summary>
        public override byte[] Sign(byte[] data)
        {
            var signature = agent.SignAsync(identity.PublicKey, data, flags, cancellationToken).GetAwaiter().GetResult();
            var signedWith = KnownHosts.KeyTypeOf(signature);
            if (signedWith != Name)
                throw new SshAgentException($"{agent.Name} signed with '{signedWith}' when asked for {Name} (an agent too old for rsa-sha2?)");
            return signature;
        }

        public override bool VerifySignature(byte[] data, byte[] signature) =>
            throw new NotSupportedException("an agent key only signs: it authenticates the client and never verifies a host");
    }
}
