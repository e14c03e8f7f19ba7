using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace ImageSync.Configuration;

/// <summary>
/// A node as people write it for ssh: <c>host</c>, <c>user@host</c>, <c>host:port</c>, <c>user@host:port</c>,
/// <c>[v6]</c>, <c>[v6]:port</c>, <c>user@[v6]:port</c>, or a bare IPv6 address. image-sync's config keeps the
/// three apart (<c>host</c>, <c>port</c>, <c>user</c>); this splits them.
/// </summary>
/// <param name="User">null when the text names none.</param>
/// <param name="Port">null when the text names none.</param>
public sealed partial record NodeAddress(string? User, string Host, int? Port)
{
    public static bool TryParse(string text, [NotNullWhen(true)] out NodeAddress? address, out string error)
    {
        address = null;
        var at = text.LastIndexOf('@');
        var user = at < 0 ? null : text[..at];
        var rest = text[(at + 1)..];
        if (user is not null && !IsUser(user))
        {
            error = $"'{user}' is not a valid login name";
            return false;
        }
        if (!TrySplitPort(rest, out var host, out var port, out error)) return false;
        if (!ConfigReader.IsHost(host))
        {
            error = $"'{host}' is not a host name or IP address";
            return false;
        }
        address = new NodeAddress(user, host, port);
        return true;
    }

    public static bool IsUser(string text) => UserPattern().IsMatch(text);

    private static bool TrySplitPort(string text, out string host, out int? port, out string error)
    {
        (host, port, error) = (text, null, "");
        string? portText = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0 || (close + 1 < text.Length && text[close + 1] != ':'))
            {
                error = $"'{text}' is not [IPv6 address] or [IPv6 address]:port";
                return false;
            }
            host = text[1..close];
            if (!IsIPv6(host))
            {
                error = $"'{host}' in brackets is not an IPv6 address";
                return false;
            }
            if (close + 1 < text.Length) portText = text[(close + 2)..];
        }
        // One colon is host:port; more than one is an IPv6 address without brackets (and without a port).
        else if (text.IndexOf(':') is var colon and >= 0 && colon == text.LastIndexOf(':'))
        {
            host = text[..colon];
            portText = text[(colon + 1)..];
        }
        if (portText is null) return true;
        if (int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 65_535)
        {
            port = number;
            return true;
        }
        error = $"'{portText}' is not a port from 1 to 65535";
        return false;
    }

    /// <summary>An IPv6 address as written without brackets (IPAddress.TryParse alone also takes "[::1]:22").</summary>
    public static bool IsIPv6(string text) =>
        IPv6Characters().IsMatch(text) && IPAddress.TryParse(text, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6;

    [GeneratedRegex(@"^[0-9A-Fa-f:.]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex IPv6Characters();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9._-]{0,31}\z", RegexOptions.CultureInvariant)]
    private static partial Regex UserPattern();
}
