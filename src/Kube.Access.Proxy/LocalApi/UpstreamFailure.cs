using System.Net.Sockets;
using System.Security.Authentication;

namespace Kube.Access.Proxy.LocalApi;

/// <summary>
/// The words kubectl proxy answers with when the API server gave no answer: Go's <c>net</c> and <c>net/http</c>
/// error texts (kubectl's responder writes <c>err.Error()</c>), naming the upstream and the kind of failure,
/// never a .NET exception message or type name.
/// </summary>
internal static class UpstreamFailure
{
    public static string Describe(Uri upstream, Exception? exception)
    {
        var hostPort = upstream.Host.StartsWith('[') || !upstream.Host.Contains(':', StringComparison.Ordinal)
            ? upstream.Host + ":" + upstream.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : "[" + upstream.Host + "]:" + upstream.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var dial = "dial tcp " + hostPort + ": ";
        var httpError = (HttpRequestError?)null;
        for (var e = exception; e is not null; e = e.InnerException ?? (e as AggregateException)?.InnerExceptions.FirstOrDefault())
        {
            switch (e)
            {
                case SocketException socket:
                    return socket.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => dial + "connect: connection refused",
                        SocketError.TimedOut => dial + "i/o timeout",
                        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "dial tcp: lookup " + upstream.IdnHost + ": no such host",
                        SocketError.NetworkUnreachable => dial + "connect: network is unreachable",
                        SocketError.HostUnreachable => dial + "connect: no route to host",
                        SocketError.ConnectionReset => "read tcp " + hostPort + ": read: connection reset by peer",
                        SocketError.Shutdown or SocketError.ConnectionAborted => "write tcp " + hostPort + ": write: broken pipe",
                        _ => dial + "connect: " + socket.SocketErrorCode.ToString().ToLowerInvariant(),
                    };
                case AuthenticationException:
                    return "tls: failed to verify certificate of " + hostPort;
                case TimeoutException:
                    return "net/http: timeout awaiting response headers from " + hostPort;
                case HttpRequestException http when httpError is null:
                    httpError = http.HttpRequestError;
                    break;
            }
        }

        return httpError switch
        {
            HttpRequestError.NameResolutionError => "dial tcp: lookup " + upstream.IdnHost + ": no such host",
            HttpRequestError.SecureConnectionError => "tls: handshake failure with " + hostPort,
            HttpRequestError.ResponseEnded => "EOF",
            HttpRequestError.ProxyTunnelError => "proxyconnect tcp: failed to reach " + hostPort,
            HttpRequestError.ConnectionError => dial + "connect: connection failed",
            _ => "error trying to reach " + hostPort + ": no answer",
        };
    }
}
