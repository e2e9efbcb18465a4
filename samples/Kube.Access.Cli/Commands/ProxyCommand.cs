using System.CommandLine;
using System.Globalization;
using Kube.Access.Proxy;

namespace Kube.Access.Cli.Commands;

/// <summary><c>kube-access proxy</c>: kubectl proxy's flags, defaults and output, on the embeddable <see cref="LocalApiProxy"/>.</summary>
internal static class ProxyCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port", "-p") { Description = "The port on which to run the proxy. Set to 0 to pick a random port.", DefaultValueFactory = _ => LocalApiProxyOptions.DefaultPort };
        var address = new Option<string>("--address") { Description = "The IP address on which to serve on.", DefaultValueFactory = _ => "127.0.0.1" };
        var acceptHosts = new Option<string>("--accept-hosts") { Description = "Regular expression for hosts that the proxy should accept.", DefaultValueFactory = _ => LocalApiProxyOptions.DefaultAcceptHosts };
        var acceptPaths = new Option<string>("--accept-paths") { Description = "Regular expression for paths that the proxy should accept.", DefaultValueFactory = _ => LocalApiProxyOptions.DefaultAcceptPaths };
        var rejectPaths = new Option<string>("--reject-paths") { Description = "Regular expression for paths that the proxy should reject. Paths specified here will be rejected even accepted by --accept-paths.", DefaultValueFactory = _ => LocalApiProxyOptions.DefaultRejectPaths };
        var rejectMethods = new Option<string>("--reject-methods") { Description = "Regular expression for HTTP methods that the proxy should reject (example --reject-methods='POST,PUT,PATCH').", DefaultValueFactory = _ => LocalApiProxyOptions.DefaultRejectMethods };
        var apiPrefix = new Option<string>("--api-prefix") { Description = "Prefix to serve the proxied API under.", DefaultValueFactory = _ => "/" };
        var www = new Option<string?>("--www", "-w") { Description = "Also serve static files from the given directory under the specified prefix." };
        var wwwPrefix = new Option<string>("--www-prefix", "-P") { Description = "Prefix to serve static files under, if static file directory is specified.", DefaultValueFactory = _ => "/static/" };
        var unixSocket = new Option<string?>("--unix-socket", "-u") { Description = "Unix socket on which to run the proxy." };
        var disableFilter = new Option<bool>("--disable-filter") { Description = "If true, disable request filtering in the proxy. This is dangerous, and can leave you vulnerable to XSRF attacks, when used with an accessible port." };
        var keepalive = new Option<string>("--keepalive") { Description = "keepalive specifies the keep-alive period for an active network connection (Go duration: 30s, 1m). Set to 0 to disable keepalive.", DefaultValueFactory = _ => "0s" };
        var appendServerPath = new Option<bool>("--append-server-path") { Description = "If true, enables automatic path appending of the kube context server path to each request." };

        var command = new Command("proxy", "Run a proxy to the Kubernetes API server (kubectl proxy).");
        foreach (var option in new Option[] { port, address, acceptHosts, acceptPaths, rejectPaths, rejectMethods, apiPrefix, www, wwwPrefix, unixSocket, disableFilter, keepalive, appendServerPath })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            try
            {
                if (!TryParseGoDuration(r.GetValue(keepalive) ?? "0s", out var keepaliveValue))
                {
                    throw new LocalApiProxyException($"\"{r.GetValue(keepalive)}\" is not a duration (for example 30s, 1m30s, 0).", "keepalive");
                }

                var options = new LocalApiProxyOptions
                {
                    Port = r.GetValue(port),
                    Address = r.GetValue(address) ?? "127.0.0.1",
                    AcceptHosts = r.GetValue(acceptHosts) ?? string.Empty,
                    AcceptPaths = r.GetValue(acceptPaths) ?? string.Empty,
                    RejectPaths = r.GetValue(rejectPaths) ?? string.Empty,
                    RejectMethods = r.GetValue(rejectMethods) ?? string.Empty,
                    ApiPrefix = r.GetValue(apiPrefix) ?? "/",
                    Www = r.GetValue(www),
                    WwwPrefix = r.GetValue(wwwPrefix) ?? "/static/",
                    UnixSocket = r.GetValue(unixSocket),
                    DisableFilter = r.GetValue(disableFilter),
                    Keepalive = keepaliveValue,
                    AppendServerPath = r.GetValue(appendServerPath),
                };

                await using var connection = await CliConnection.CreateAsync(r, ct);
                await using var server = await new LocalApiProxy(loggerFactory: CliConnection.LoggerFactoryOf(connection)).StartAsync(connection, options, ct);
                Console.Out.WriteLine(server.StartingLine);
                Console.Out.Flush();
                await CliConnection.WaitUntilCancelledAsync(ct);
                return 0;
            }
            catch (KubeAccessException e)
            {
                return CliConnection.ReportError(e);
            }
        });
        return command;
    }

    /// <summary>Go's time.ParseDuration for the units kubectl users write (ns, us, ms, s, m, h; fractions; a bare 0).</summary>
    internal static bool TryParseGoDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text.Trim();
        if (s is "0" or "+0" or "-0")
        {
            return true;
        }

        var negative = s.StartsWith('-');
        if (negative || s.StartsWith('+'))
        {
            s = s[1..];
        }

        if (s.Length == 0)
        {
            return false;
        }

        double ticks = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
            {
                i++;
            }

            double unitTicks = s[unitStart..i] switch
            {
                "ns" => 0.01,
                "us" or "µs" or "μs" => 10,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => -1,
            };
            if (unitTicks < 0)
            {
                return false;
            }

            ticks += number * unitTicks;
        }

        if (ticks > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)(negative ? -ticks : ticks));
        return true;
    }
}
