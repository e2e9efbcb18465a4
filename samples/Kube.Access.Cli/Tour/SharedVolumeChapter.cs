using System.Net;
using k8s;
using Kube.Access.Exec;
using Kube.Access.Manifests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Kube.Access.Cli.Tour;

/// <summary>
/// Guide chapter 8 ("Communicate between containers in the same pod using a shared volume"), plus the shell in a
/// pod that chapter 2 reaches the API from: apply the two-container pod from a URL that redirects (served here on
/// loopback, as k8s.io's example links redirect), show the debian container terminated and nginx running, then
/// exec <c>curl localhost</c> in nginx-container through <see cref="IPodExec"/>.
/// </summary>
internal sealed class SharedVolumeChapter : ITourChapter
{
    /// <summary>The guide's manifest (samples/manifests, embedded in the tool).</summary>
    public const string ManifestFile = "two-container-pod.yaml";

    public string Title => "Communicate between containers in the same pod using a shared volume";

    public async Task RunAsync(TourContext context, CancellationToken cancellationToken)
    {
        await using var connection = TourConnection.Create(context.Emulator);
        await using var server = await ManifestServer.StartAsync(TourManifests.Read(ManifestFile), cancellationToken);

        // 1. Apply from a URL, as the guide does with https://k8s.io/examples/pods/two-container-pod.yaml.
        var url = new Uri(server.BaseUrl, "examples/pods/two-container-pod.yaml");
        context.Command($"kubectl apply -f {TourManifests.GuideUrl(ManifestFile)}");
        context.Line($"# here from {url} on loopback, which redirects to {new Uri(server.BaseUrl, "pods/two-container-pod.yaml")} as k8s.io's links do");
        using (var applier = new ManifestApplier(connection))
        {
            var applied = await applier.ApplyAsync([ManifestSource.FromUrl(url)], cancellationToken: cancellationToken);
            foreach (var o in applied.Objects)
            {
                context.Line(o.ToString());
            }
        }

        context.Line();

        // 2. The debian container writes index.html into the shared volume and ends; nginx keeps running.
        context.Command("kubectl get pod two-containers --output=yaml   # status.containerStatuses");
        var pod = await WaitForDebianAsync(connection, cancellationToken);
        context.Table(["CONTAINER", "IMAGE", "STATE", "DETAIL"], (pod.Status?.ContainerStatuses ?? []).Select(s => (IReadOnlyList<string>)
        [
            s.Name,
            s.Image ?? "",
            s.State?.Terminated is not null ? "terminated" : s.State?.Running is not null ? "running" : "waiting",
            s.State?.Terminated is { } t ? $"exitCode: {t.ExitCode}, reason: {t.Reason}" : s.State?.Running is { } r ? $"startedAt: {r.StartedAt:yyyy-MM-ddTHH:mm:ssZ}" : s.State?.Waiting?.Reason ?? "",
        ]));
        context.Line();

        // 3. A shell in nginx-container: curl localhost serves what the debian container wrote.
        var exec = new PodExec(connection);
        context.Command("kubectl exec -it two-containers -c nginx-container -- /bin/bash");
        context.Line("root@two-containers:/# curl localhost");
        var curl = await exec.RunAsync("default", "two-containers", ["curl", "-s", "localhost"], "nginx-container", cancellationToken: cancellationToken);
        context.Output.Write(curl.StdoutText);
        context.Line($"# exit code {curl.ExitCode}");
        context.Line();

        // 4. Chapter 2's "shell inside a pod": the kubelet tells every container where the API server is.
        context.Command("kubectl exec two-containers -c nginx-container -- sh -c 'echo $HOSTNAME; echo https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT'");
        var shell = await exec.RunAsync("default", "two-containers", ["sh", "-c", "echo $HOSTNAME; echo https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"], "nginx-container", cancellationToken: cancellationToken);
        context.Output.Write(shell.StdoutText);
        context.Line("# from there a pod reaches the API with its service-account token (see the cluster access chapter)");
    }

    private static async Task<k8s.Models.V1Pod> WaitForDebianAsync(IKubeConnection connection, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        while (true)
        {
            var pod = await connection.Client.CoreV1.ReadNamespacedPodAsync("two-containers", "default", cancellationToken: timeout.Token);
            if (pod.Status?.ContainerStatuses?.Any(s => s.Name == "debian-container" && s.State?.Terminated is not null) == true)
            {
                return pod;
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    /// <summary>A loopback web server for the manifest: <c>/examples/...</c> redirects to <c>/pods/...</c>, like k8s.io.</summary>
    private sealed class ManifestServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private ManifestServer(WebApplication app, Uri baseUrl)
        {
            _app = app;
            BaseUrl = baseUrl;
        }

        public Uri BaseUrl { get; }

        public static async Task<ManifestServer> StartAsync(string manifest, CancellationToken cancellationToken)
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
            builder.Services.AddRoutingCore();
            builder.Logging.ClearProviders();
            // The CLI handles SIGINT/SIGTERM itself (CliSignals): no console lifetime here.
            builder.Services.Replace(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostLifetime, NoSignalLifetime>());
            var app = builder.Build();
            app.UseRouting();
            app.MapGet("/examples/pods/two-container-pod.yaml", () => Results.Redirect("/pods/two-container-pod.yaml", permanent: true));
            app.MapGet("/pods/two-container-pod.yaml", () => Results.Text(manifest, "text/plain; charset=utf-8"));
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new ManifestServer(app, new Uri(address.TrimEnd('/') + "/"));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

/// <summary>A host lifetime that leaves process signals to the CLI.</summary>
internal sealed class NoSignalLifetime : Microsoft.Extensions.Hosting.IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
