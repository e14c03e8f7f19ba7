using ImageSync.Configuration;

namespace ImageSync.Nodes.Ssh.Trust;

/// <summary>
/// Whether a node's host key or host certificate is trusted, as OpenSSH decides under <c>ssh.host-key-checking</c>:
/// strict trusts what known_hosts lists, accept-new also writes down a host it has never seen, off trusts anything
/// but warns; <c>@revoked</c> is refused whatever the policy, and a certificate is never taken on first use.
/// </summary>
/// <param name="warn">Told of keys accepted without a match (accept-new, off).</param>
public sealed class HostKeyPolicy(KnownHosts knownHosts, HostKeyChecking checking, string knownHostsFile, Action<string> warn)
{
    // Algorithms SSH.NET may negotiate for each key type a known_hosts file can hold.
    private static readonly Dictionary<string, string[]> AlgorithmsByKeyType = new()
    {
        ["ssh-rsa"] = ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
        ["ssh-ed25519"] = ["ssh-ed25519"],
        ["ecdsa-sha2-nistp256"] = ["ecdsa-sha2-nistp256"],
        ["ecdsa-sha2-nistp384"] = ["ecdsa-sha2-nistp384"],
        ["ecdsa-sha2-nistp521"] = ["ecdsa-sha2-nistp521"],
    };

    /// <summary>
    /// As OpenSSH does, ask for a key type the file knows for this host, so a host with several keys is not
    /// refused, and for a certificate when a <c>@cert-authority</c> line covers the host; never for a
    /// certificate otherwise, so a node that has one still shows the plain key known_hosts lists (or accept-new adds).
    /// </summary>
    /// <param name="algorithm">A host key algorithm the client could negotiate.</param>
    public bool Offers(HostAddress node, string algorithm)
    {
        if (checking == HostKeyChecking.Off) return !HostCertificate.IsCertificateType(algorithm);
        if (HostCertificate.IsCertificateType(algorithm)) return knownHosts.HasAuthorityFor(node.Host, node.Port);
        var plain = knownHosts.KeyTypesFor(node.Host, node.Port).SelectMany(type => AlgorithmsByKeyType.GetValueOrDefault(type, [])).ToHashSet();
        return plain.Count == 0 || plain.Contains(algorithm);
    }

    /// <returns>Why the plain host key is refused, or null when it is trusted.</returns>
    public string? CheckKey(HostAddress node, string keyType, byte[] hostKey)
    {
        var fingerprint = KnownHosts.Fingerprint(hostKey);
        var verdict = knownHosts.Verify(node.Host, node.Port, hostKey);
        var name = KnownHosts.LookupName(node.Host, node.Port);
        // As in OpenSSH, a revoked key is refused whatever the policy: that is what @revoked is for.
        if (verdict.Status == HostKeyStatus.Revoked)
            return $"host key verification failed: the key offered by {name} ({fingerprint}) is marked @revoked in {knownHostsFile}";
        if (checking == HostKeyChecking.Off)
        {
            warn($"{node.Name}: host key NOT checked (host-key-checking = off), offered {fingerprint}");
            return null;
        }
        switch (verdict.Status)
        {
            case HostKeyStatus.Trusted:
                return null;
            case HostKeyStatus.Unknown when checking == HostKeyChecking.AcceptNew:
                knownHosts.Append(knownHostsFile, node.Host, node.Port, hostKey);
                warn($"{node.Name}: added {name} {keyType} {fingerprint} to {knownHostsFile} (accept-new)");
                return null;
            case HostKeyStatus.Unknown when knownHosts.HasAuthorityFor(node.Host, node.Port):
                return $"host key verification failed: {name} presented a plain key ({fingerprint}), no host certificate, though a "
                    + $"@cert-authority line in {knownHostsFile} covers it: give its sshd a HostCertificate, or add the key (ssh-keyscan)";
            case HostKeyStatus.Unknown:
                return $"host key verification failed: no entry for {name} in {knownHostsFile} (offered {fingerprint}); "
                    + "add it (ssh-keyscan) or set ssh.host-key-checking = accept-new";
            default:
                return $"host key verification failed: the key of {name} has CHANGED: expected {string.Join(" or ", verdict.KnownFingerprints)}, "
                    + $"offered {fingerprint}; if the node was reinstalled, update {knownHostsFile}";
        }
    }

    /// <returns>Why the host certificate is refused, or null when it is trusted.</returns>
    public string? CheckCertificate(HostAddress node, byte[] presented, DateTimeOffset now)
    {
        var name = KnownHosts.LookupName(node.Host, node.Port);
        HostCertificate certificate;
        try
        {
            certificate = HostCertificate.Read(presented);
        }
        catch (FormatException e)
        {
            return $"host key verification failed: {name} presented {e.Message}";
        }
        var verdict = knownHosts.VerifyCertificate(node.Host, node.Port, certificate, now);
        var refusal = $"host key verification failed: the host certificate \"{certificate.KeyId}\" of {name} {verdict.Problem} (in {knownHostsFile})";
        if (verdict.Status == HostKeyStatus.Revoked) return refusal;
        if (checking == HostKeyChecking.Off)
        {
            warn($"{node.Name}: host certificate NOT checked (host-key-checking = off), signed by {KnownHosts.Fingerprint(certificate.AuthorityKey)}");
            return null;
        }
        // Unlike an unknown key, a certificate that fails is never taken on first use: accept-new adds keys, not CAs.
        return verdict.Status == HostKeyStatus.Trusted ? null : refusal;
    }
}

/// <summary>Who presents a host key: the node (or bastion) by name, and the address known_hosts knows it by.</summary>
public readonly record struct HostAddress(string Name, string Host, int Port);
