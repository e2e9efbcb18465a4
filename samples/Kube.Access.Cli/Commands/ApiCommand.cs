using System.CommandLine;
using System.Reflection;
using System.Text.Json;

namespace Kube.Access.Cli.Commands;

/// <summary><c>kube-access api</c> (what <c>curl $APISERVER/api</c> shows) and <c>kube-access version</c>.</summary>
internal static class ApiCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("path")
        {
            Description = "Discovery path: /api (default), /apis, /version, /api/v1, ...",
            DefaultValueFactory = _ => "/api",
        };
        var command = new Command("api", "Print a discovery document of the API server (like `curl $APISERVER/api`).");
        command.Arguments.Add(path);
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            try
            {
                await using var connection = await CliConnection.CreateAsync(r, ct);
                var json = await new KubeDiscovery(connection).GetRawAsync(r.GetValue(path) ?? "/api", ct);
                Console.WriteLine(Indent(json));
                return 0;
            }
            catch (KubeAccessException e)
            {
                return CliConnection.ReportError(e);
            }
        });
        return command;
    }

    public static Command CreateVersion()
    {
        var command = new Command("version", "Print the client version and the API server's version.");
        var clientOnly = new Option<bool>("--client") { Description = "Only the client version." };
        command.Options.Add(clientOnly);
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var version = typeof(ApiCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            Console.WriteLine($"Client Version: kube-access {version}");
            if (r.GetValue(clientOnly))
            {
                return 0;
            }

            try
            {
                await using var connection = await CliConnection.CreateAsync(r, ct);
                var probe = await ClusterConnection.ProbeAsync(connection, ct);
                Console.WriteLine($"Server Version: {probe.Version.GitVersion}");
                Console.WriteLine($"Server: {probe.Server} (context {probe.Context ?? "(none)"}, cluster {probe.Cluster ?? "(none)"}, user {probe.User ?? "(none)"})");
                return 0;
            }
            catch (KubeAccessException e)
            {
                return CliConnection.ReportError(e);
            }
        });
        return command;
    }

    private static string Indent(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(doc.RootElement, new JsonSerializerOptions { WriteIndented = true });
        }
        catch (JsonException)
        {
            return json;
        }
    }
}
