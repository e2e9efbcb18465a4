using System.Text.Json;
using k8s;
using k8s.Models;
using Kube.Access.Kubeconfig;
using Kube.Access.Testing;

namespace Kube.Access.Cli.Tour;

/// <summary>
/// Tour chapter "cluster access": the guide's "access the REST API directly" example against an
/// HTTPS emulator. APISERVER from the kubeconfig, a service-account token, then
/// <c>curl $APISERVER/api --header "Authorization: Bearer $TOKEN"</c> with the cluster's CA, with
/// <c>--insecure</c>, and without either (refused).
/// </summary>
internal sealed class ClusterAccessChapter : ITourChapter
{
    /// <inheritdoc />
    public string Title => "Cluster access: the REST API with a bearer token and the CA, and the --insecure variant";

    /// <inheritdoc />
    public async Task RunAsync(TourContext context, CancellationToken cancellationToken)
    {
        int exit;
        if (context.Emulator.CertificateAuthorityPem is not null)
        {
            exit = await RunAsync(context.Emulator, context.Output, cancellationToken);
        }
        else
        {
            context.Line("# The tour's emulator serves plain HTTP; this chapter starts an HTTPS one to show the CA at work.");
            exit = await RunAsync(context.Output, cancellationToken);
        }

        if (exit != 0)
        {
            throw new KubeAccessException("The cluster-access chapter did not see the expected TLS behaviour.");
        }
    }

    /// <summary>Runs the chapter against its own HTTPS emulator (guide scenario).</summary>
    public static async Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Https = true, Scenario = EmulatorScenario.Guide }, cancellationToken);
        return await RunAsync(api, output, cancellationToken);
    }

    /// <summary>Runs the chapter against an HTTPS emulator.</summary>
    public static async Task<int> RunAsync(KubeApiEmulator api, TextWriter output, CancellationToken cancellationToken)
    {
        var dir = Directory.CreateTempSubdirectory("kube-access-tour-").FullName;
        try
        {
            var kubeconfig = Path.Combine(dir, "config");
            api.WriteKubeconfig(kubeconfig, EmulatorAuth.ClientCertificate, contextName: "guide");

            output.WriteLine("$ APISERVER=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')");
            var admin = await KubeconfigLoader.Instance.ResolveEndpointAsync(null, new KubeconfigLoadingOptions { ExplicitPath = kubeconfig }, cancellationToken: cancellationToken);
            var apiserver = admin.Server;
            output.WriteLine($"# APISERVER={apiserver}");

            output.WriteLine("$ TOKEN=$(kubectl create token default)   # the default service account's token");
            string token;
            await using (var adminConnection = new KubeConnectionFactory().Create(admin))
            {
                var request = new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { Audiences = [] } };
                var issued = await adminConnection.Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(request, "default", "default", cancellationToken: cancellationToken);
                token = issued.Status.Token;
            }

            output.WriteLine($"# TOKEN={token[..Math.Min(12, token.Length)]}... ({token.Length} characters)");
            var caPath = Path.Combine(dir, "ca.crt");
            await File.WriteAllTextAsync(caPath, api.CertificateAuthorityPem, cancellationToken);
            var credentials = new StaticCredentialSource(KubeCredential.FromToken(token));

            output.WriteLine();
            output.WriteLine("$ curl --cacert ca.crt $APISERVER/api --header \"Authorization: Bearer $TOKEN\"");
            await using (var withCa = new KubeConnectionFactory().Create(new KubeEndpoint
            {
                Server = apiserver,
                Tls = new KubeTlsSettings { CertificateAuthorityPem = await File.ReadAllTextAsync(caPath, cancellationToken) },
                Credentials = credentials,
            }))
            {
                output.WriteLine(Indent(await new KubeDiscovery(withCa).GetRawAsync("api", cancellationToken)));
            }

            output.WriteLine();
            output.WriteLine("$ curl $APISERVER/api --header \"Authorization: Bearer $TOKEN\" --insecure");
            output.WriteLine("# (--insecure: the server's identity is not checked; open to a man in the middle)");
            await using (var insecure = new KubeConnectionFactory().Create(new KubeEndpoint
            {
                Server = apiserver,
                Tls = new KubeTlsSettings { InsecureSkipTlsVerify = true },
                Credentials = credentials,
            }))
            {
                output.WriteLine(Indent(await new KubeDiscovery(insecure).GetRawAsync("api", cancellationToken)));
            }

            output.WriteLine();
            output.WriteLine("$ curl $APISERVER/api --header \"Authorization: Bearer $TOKEN\"   # neither --cacert nor --insecure");
            await using (var untrusted = new KubeConnectionFactory().Create(new KubeEndpoint { Server = apiserver, Credentials = credentials }))
            {
                try
                {
                    await new KubeDiscovery(untrusted).GetRawAsync("api", cancellationToken);
                    output.WriteLine("unexpected: the self-signed cluster CA was trusted without --cacert");
                    return 1;
                }
                catch (KubeConnectionException e)
                {
                    output.WriteLine($"error: {e.Message}");
                }
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Indent(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(doc.RootElement, new JsonSerializerOptions { WriteIndented = true });
    }
}
