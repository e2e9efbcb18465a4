namespace Kube.Access.Proxy;

/// <summary>
/// An apiserver proxy URL (<c>/api/v1/namespaces/{ns}/services/{[scheme:]name[:port]}/proxy/{path}</c> and the
/// pods and nodes forms) could not be parsed or built. <see cref="Field"/> names the part that was wrong and
/// <see cref="Position"/> where in <see cref="Input"/> it was found, when parsing.
/// </summary>
public sealed class ProxyUrlException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong.</param>
    /// <param name="field">The part that was wrong (<c>namespace</c>, <c>name</c>, <c>port</c>, <c>scheme</c>, <c>path</c>, <c>query</c>, <c>server</c>, ...).</param>
    /// <param name="input">The URL being parsed, or <c>null</c> when building.</param>
    /// <param name="position">The zero-based character position in <paramref name="input"/>, or -1.</param>
    public ProxyUrlException(string message, string field, string? input = null, int position = -1)
        : base(input is null ? message : $"{message} (in \"{input}\"{(position >= 0 ? $" at {position}" : string.Empty)})")
    {
        Field = field;
        Input = input;
        Position = position;
    }

    /// <summary>The part of the URL that was wrong (<c>namespace</c>, <c>name</c>, <c>port</c>, <c>scheme</c>, <c>path</c>, <c>query</c>, <c>fragment</c>, <c>server</c>, <c>resource</c>).</summary>
    public string Field { get; }

    /// <summary>The URL text being parsed, or <c>null</c> when the error came from building.</summary>
    public string? Input { get; }

    /// <summary>The zero-based position in <see cref="Input"/> where the problem was found, or -1.</summary>
    public int Position { get; }
}

/// <summary>The local API proxy could not start or was misconfigured (bad regular expression, address, socket path, ...).</summary>
public sealed class LocalApiProxyException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong.</param>
    /// <param name="option">The option at fault (kubectl flag name, for example <c>accept-hosts</c>), if any.</param>
    /// <param name="innerException">The cause.</param>
    public LocalApiProxyException(string message, string? option = null, Exception? innerException = null)
        : base(option is null ? message : $"--{option}: {message}", innerException)
    {
        Option = option;
    }

    /// <summary>The option at fault, named like kubectl's flag (<c>accept-hosts</c>, <c>address</c>, <c>unix-socket</c>, ...), or <c>null</c>.</summary>
    public string? Option { get; }
}
