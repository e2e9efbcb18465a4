using System.Globalization;

namespace Kube.Access.PortForward;

/// <summary>
/// One <c>[LOCAL:]REMOTE</c> port spec: <c>28015:27017</c>, <c>:27017</c> (a random free local port),
/// <c>27017</c> (the same port locally). REMOTE is a number or a port name (a container port's name,
/// or for services a service port's name).
/// </summary>
/// <param name="LocalPort">The local port; 0 for a random free one.</param>
/// <param name="Remote">The remote port as given: a number or a name.</param>
/// <param name="LocalPortFromRemote">True when no local port was given (<c>27017</c>): the local port follows the remote port's number.</param>
public sealed record PortMapping(int LocalPort, string Remote, bool LocalPortFromRemote = false)
{
    /// <summary>The remote port's number, when <see cref="Remote"/> is numeric.</summary>
    public int? RemoteNumber => int.TryParse(Remote, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>A mapping from a local port to a remote port number.</summary>
    public static PortMapping Create(int localPort, int remotePort)
    {
        CheckPort(localPort, allowZero: true, localPort.ToString(CultureInfo.InvariantCulture));
        CheckPort(remotePort, allowZero: false, remotePort.ToString(CultureInfo.InvariantCulture));
        return new PortMapping(localPort, remotePort.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Parses one spec; raises <see cref="PortForwardSpecException"/> on anything malformed.</summary>
    public static PortMapping Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec))
        {
            throw new PortForwardSpecException("A port spec is required: [LOCAL:]REMOTE.", spec ?? string.Empty);
        }

        var parts = spec.Split(':');
        if (parts.Length > 2)
        {
            throw new PortForwardSpecException($"Invalid port format '{spec}': expected [LOCAL:]REMOTE.", spec);
        }

        var remote = parts[^1];
        if (remote.Length == 0)
        {
            throw new PortForwardSpecException($"Remote port cannot be empty in '{spec}'.", spec);
        }

        if (char.IsAsciiDigit(remote[0]))
        {
            CheckPort(ParsePort(remote, spec), allowZero: false, spec);
        }
        else if (!IsPortName(remote))
        {
            throw new PortForwardSpecException($"Invalid remote port '{remote}' in '{spec}': a number 1-65535 or a port name.", spec);
        }

        if (parts.Length == 1)
        {
            var same = char.IsAsciiDigit(remote[0]) ? ParsePort(remote, spec) : 0;
            return new PortMapping(same, remote, LocalPortFromRemote: true);
        }

        var localText = parts[0];
        var local = localText.Length == 0 ? 0 : ParsePort(localText, spec);
        CheckPort(local, allowZero: true, spec);
        return new PortMapping(local, remote);
    }

    /// <inheritdoc />
    public override string ToString() => LocalPortFromRemote ? Remote : $"{(LocalPort == 0 ? string.Empty : LocalPort.ToString(CultureInfo.InvariantCulture))}:{Remote}";

    private static int ParsePort(string text, string spec)
    {
        if (text.Length > 5 || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            throw new PortForwardSpecException($"Invalid port '{text}' in '{spec}': ports are numbers 0-65535 (0 or empty local: a random port).", spec);
        }

        return port;
    }

    private static void CheckPort(int port, bool allowZero, string spec)
    {
        if (port < (allowZero ? 0 : 1) || port > 65535)
        {
            throw new PortForwardSpecException($"Port {port} in '{spec}' is out of range {(allowZero ? 0 : 1)}-65535.", spec);
        }
    }

    private static bool IsPortName(string name)
    {
        // IANA_SVC_NAME: 1-15 lowercase alphanumerics or '-', at least one letter, no leading/trailing/double '-'.
        if (name.Length is 0 or > 15 || name[0] == '-' || name[^1] == '-' || name.Contains("--", StringComparison.Ordinal))
        {
            return false;
        }

        var letter = false;
        foreach (var c in name)
        {
            if (c is >= 'a' and <= 'z')
            {
                letter = true;
            }
            else if (!(c is >= '0' and <= '9' or '-'))
            {
                return false;
            }
        }

        return letter;
    }
}
