using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace ImageSync.Domain;

/// <summary>
/// A container image reference that satisfies the OCI distribution grammar, held in the normalized form
/// containerd reports (<c>nginx:1.25</c> is <c>docker.io/library/nginx:1.25</c>). Only <see cref="TryParse"/>
/// makes one, so every instance is safe to compare, log and send to a node.
/// </summary>
public sealed partial class ImageRef : IEquatable<ImageRef>, IComparable<ImageRef>
{
    private const string DefaultDomain = "docker.io";
    private const int MaxNameLength = 255;
    private const int MaxTagLength = 128;
    // Longer input cannot be valid (name + tag + the longest digest); rejecting it first keeps parsing cheap.
    private const int MaxInputLength = MaxNameLength + 1 + MaxTagLength + 1 + 7 + 128;

    private readonly string _text;
    private readonly int _hash;

    private ImageRef(string domain, string path, string? tag, string? digest)
    {
        Domain = domain;
        Path = path;
        Tag = tag;
        Digest = digest;
        Repository = $"{domain}/{path}";
        _text = Repository + (tag is null ? "" : ":" + tag) + (digest is null ? "" : "@" + digest);
        // Plans put references in hash sets by the million; the hash is worth keeping.
        _hash = StringComparer.Ordinal.GetHashCode(_text);
    }

    /// <summary>Registry host, with its port when one was given, e.g. <c>docker.io</c> or <c>localhost:5000</c>.</summary>
    public string Domain { get; }

    /// <summary>Repository path inside the registry, e.g. <c>library/nginx</c>.</summary>
    public string Path { get; }

    public string? Tag { get; }

    /// <summary><c>algorithm:hex</c>, e.g. <c>sha256:…</c>, when the reference pins a digest.</summary>
    public string? Digest { get; }

    /// <summary><c>domain/path</c>: the part that repoDigests and repoTags of one image share.</summary>
    public string Repository { get; }

    public static ImageRef Parse(string text) =>
        TryParse(text, out var image, out var error) ? image : throw new FormatException(error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out ImageRef? image, out string error)
    {
        image = null;
        error = Validate(text, out var domain, out var path, out var tag, out var digest);
        if (error.Length > 0) return false;
        image = new ImageRef(domain, path, tag ?? (digest is null ? "latest" : null), digest);
        return true;
    }

    /// <summary>The same repository pinned to a digest, as crictl lists it in <c>repoDigests</c>.</summary>
    public ImageRef WithDigestOnly(string digest) => new(Domain, Path, null, digest);

    private static string Validate(string? text, out string domain, out string path, out string? tag, out string? digest)
    {
        domain = path = "";
        tag = digest = null;
        if (string.IsNullOrEmpty(text)) return "empty image reference";
        if (text.Length > MaxInputLength) return $"image reference is {text.Length} characters long, more than any valid one";

        var name = text;
        var at = name.IndexOf('@');
        if (at >= 0)
        {
            digest = name[(at + 1)..];
            name = name[..at];
            if (!IsValidDigest(digest)) return "invalid digest (expected sha256:<64 hex> or sha512:<128 hex>)";
        }

        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/'))
        {
            tag = name[(colon + 1)..];
            name = name[..colon];
            if (!TagPattern().IsMatch(tag)) return $"invalid tag (1-{MaxTagLength} of A-Z a-z 0-9 _ . -, not starting with . or -)";
        }

        if (name.Length > MaxNameLength) return $"repository name longer than {MaxNameLength} characters";
        SplitDomain(name, out domain, out path);
        if (!DomainPattern().IsMatch(domain)) return "invalid registry host";
        if (!PathPattern().IsMatch(path)) return "invalid repository path (lowercase a-z 0-9 components separated by / and . _ __ -)";
        if (domain.Length + 1 + path.Length > MaxNameLength) return $"repository name longer than {MaxNameLength} characters";
        return "";
    }

    // The rule docker and containerd use: the first component is a registry only if it looks like a host.
    private static void SplitDomain(string name, out string domain, out string path)
    {
        var slash = name.IndexOf('/');
        var first = slash < 0 ? "" : name[..slash];
        if (slash >= 0 && (first.Contains('.') || first.Contains(':') || first == "localhost"))
        {
            domain = first == "index.docker.io" ? DefaultDomain : first;
            path = name[(slash + 1)..];
        }
        else
        {
            domain = DefaultDomain;
            path = name;
        }
        if (domain == DefaultDomain && !path.Contains('/')) path = "library/" + path;
    }

    private static bool IsValidDigest(string digest) =>
        digest.StartsWith("sha256:", StringComparison.Ordinal) ? Sha256Pattern().IsMatch(digest) :
        digest.StartsWith("sha512:", StringComparison.Ordinal) && Sha512Pattern().IsMatch(digest);

    // Character classes are spelled out: \w and \d would admit non-ASCII letters and digits, and \z (not $)
    // refuses a trailing newline.
    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]{1,5})?\z|^\[[a-fA-F0-9:]+\](?::[0-9]{1,5})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex DomainPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex PathPattern();

    [GeneratedRegex(@"^sha256:[a-f0-9]{64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex(@"^sha512:[a-f0-9]{128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha512Pattern();

    public override string ToString() => _text;

    public bool Equals(ImageRef? other) => other is not null && _hash == other._hash && string.Equals(_text, other._text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as ImageRef);

    public override int GetHashCode() => _hash;

    public int CompareTo(ImageRef? other) => other is null ? 1 : string.CompareOrdinal(_text, other._text);

    public static bool operator ==(ImageRef? left, ImageRef? right) => Equals(left, right);

    public static bool operator !=(ImageRef? left, ImageRef? right) => !Equals(left, right);
}
