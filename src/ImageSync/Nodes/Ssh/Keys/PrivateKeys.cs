using ImageSync.Configuration;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace ImageSync.Nodes.Ssh.Keys;

/// <summary>Loads the client key the way ssh would accept it, with errors that never include the passphrase.</summary>
internal static class PrivateKeys
{
    private const UnixFileMode Group = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;
    private const UnixFileMode Others = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <param name="key">The setting that named the key file, for the messages.</param>
    /// <exception cref="ConfigException">The key is missing, readable by others, or cannot be decrypted.</exception>
    public static PrivateKeyFile Load(SshSettings ssh, Func<string, string?> environment, string key)
    {
        var path = ssh.KeyFile;
        if (!File.Exists(path)) throw new ConfigException([$"{key}: private key '{path}' does not exist"]);
        if (TooOpen(path, File.GetUnixFileMode(path), FileOwner.Of(path), FileOwner.RunningUser) is { } why) throw new ConfigException([$"{key}: {why}"]);

        var passphrase = Passphrase(ssh, environment);
        try
        {
            return passphrase is null ? new PrivateKeyFile(path) : new PrivateKeyFile(path, passphrase);
        }
        catch (SshPassPhraseNullOrEmptyException)
        {
            throw new ConfigException([$"{key}: '{path}' is encrypted: set ssh.key-passphrase-file or the variable named by ssh.key-passphrase-env"]);
        }
        catch (Exception e) when (e is SshException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            // The library's message may quote key material; name the file and the likely cause only.
            throw new ConfigException([$"{key}: cannot load '{path}' ({e.GetType().Name}): wrong passphrase, or not an ed25519/ecdsa/rsa private key"]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"{key}: cannot read '{path}': {e.Message}"]);
        }
    }

    /// <summary>
    /// OpenSSH's rule, and the case it does not cover. A key of the running user must be its own alone (no
    /// group or other bits), as ssh requires. A key owned by another user, root as Kubernetes mounts a Secret,
    /// may be group-readable, which is how the pod's user reads it (fsGroup, defaultMode 0440), but never
    /// group-writable nor open to others (ssh would not check it at all).
    /// </summary>
    /// <returns>Why the key may not be used, or null.</returns>
    public static string? TooOpen(string path, UnixFileMode mode, uint owner, uint runningUser)
    {
        var octal = Convert.ToString((int)mode, 8).PadLeft(4, '0');
        if (owner == runningUser)
        {
            return (mode & (Group | Others)) == 0 ? null
                : $"permissions {octal} for '{path}' are too open. It is required that your private key files are NOT accessible by others. Run: chmod 600 {path}";
        }
        return (mode & (Others | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute)) == 0 ? null
            : $"permissions {octal} for '{path}' (owned by uid {owner}, not by this user, uid {runningUser}) are too open: a key of another owner may be readable by its group at most, as a Kubernetes Secret with fsGroup and defaultMode 0440 is. Run: chmod 440 {path}";
    }

    private static string? Passphrase(SshSettings ssh, Func<string, string?> environment)
    {
        if (ssh.KeyPassphraseFile.Length > 0)
        {
            try
            {
                return File.ReadLines(ssh.KeyPassphraseFile).FirstOrDefault() ?? "";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException([$"image-sync.ssh.key-passphrase-file: cannot read '{ssh.KeyPassphraseFile}': {e.Message}"]);
            }
        }
        return ssh.KeyPassphraseEnv.Length > 0 ? environment(ssh.KeyPassphraseEnv) : null;
    }
}
