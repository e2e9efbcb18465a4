using Kube.Access.Deploy;
using Kube.Access.Manifests;
using Kube.Access.Proxy;

namespace Kube.Access.Cli.Tour;

/// <summary>
/// Guide chapter 1 ("Deploy and Access the Kubernetes Dashboard"): the dashboard's deploy wizard as an API (a spec
/// that breaks the form's rules, then a valid one deployed), "upload a YAML or JSON file" through
/// <see cref="IManifestApplier"/>, then the dashboard reached through our local API proxy (what <c>kubectl proxy</c>
/// is) with the sample admin user's login token.
/// </summary>
internal sealed class DashboardChapter : ITourChapter
{
    /// <summary>The application the wizard deploys.</summary>
    public const string WizardApp = "hello-dashboard";

    /// <summary>The application the uploaded YAML creates.</summary>
    public const string UploadedApp = "uploaded-nginx";

    public string Title => "Deploy and access the Kubernetes Dashboard (deploy wizard, upload YAML, proxy, login token)";

    public async Task RunAsync(TourContext context, CancellationToken cancellationToken)
    {
        await using var connection = TourConnection.Create(context.Emulator);
        var dashboard = new DashboardAccess();

        context.Command("kubectl apply -f https://raw.githubusercontent.com/kubernetes/dashboard/v2.2.0/aio/deploy/recommended.yaml");
        var url = await dashboard.GetUrlAsync(connection, cancellationToken: cancellationToken);
        context.Line(url.ServiceFound
            ? "service/kubernetes-dashboard is deployed in namespace kubernetes-dashboard (the emulator's guide scenario)"
            : "service/kubernetes-dashboard is missing: deploy the dashboard first");
        context.Line();

        // Deploy a containerized application with the wizard: first a spec that breaks the form's rules.
        var wizard = new DeployWizard(connection);
        var bad = new AppDeploymentSpec
        {
            Name = "Hello_Dashboard",
            Image = "nginx:1.27",
            Replicas = 0,
            Service = AppServiceKind.External,
            PortMappings = [new AppPortMapping(80, 70000)],
            Namespace = "12345",
        };
        context.Command("kube-access deploy Hello_Dashboard --image nginx:1.27 --replicas 0 --service external --port 80:70000 -n 12345");
        var problems = await wizard.ValidateAsync(bad, cancellationToken);
        context.Line($"The wizard refuses the form: {problems.Count} problem(s)");
        foreach (var problem in problems)
        {
            context.Line("  error: " + problem);
        }
        context.Line();

        var good = new AppDeploymentSpec
        {
            Name = "  " + WizardApp + " ",
            Image = "nginx:1.27",
            Replicas = 2,
            Service = AppServiceKind.External,
            PortMappings = [new AppPortMapping(80, 80)],
            Description = "deployed by the tour through the deploy wizard API",
            Labels = [new AppLabel("tier", "frontend"), new AppLabel("environment", "tour")],
            EnvironmentVariables = [new AppEnvironmentVariable("GREETING", "hello"), new AppEnvironmentVariable("MESSAGE", "$(GREETING) from the dashboard")],
        };
        context.Command($"kube-access deploy {WizardApp} --image nginx:1.27 --replicas 2 --service external --port 80:80 --label tier=frontend --label environment=tour");
        var stillWrong = await wizard.ValidateAsync(good, cancellationToken);
        context.Line(stillWrong.Count == 0 ? "The form is valid; it creates:" : $"Unexpected problems: {string.Join("; ", stillWrong)}");
        var manifests = good.BuildManifests();
        context.Table(["KIND", "NAMESPACE", "NAME", "DETAILS"], manifests.All.Select(o => (IReadOnlyList<string>)
            [o.Kind, o.Metadata.NamespaceProperty ?? "", o.Metadata.Name, Details(o)]));
        var result = await wizard.DeployAsync(good, cancellationToken);
        context.Line($"deployment.apps/{result.Name} created ({result.Deployment.Spec.Replicas} replicas, labels {string.Join(",", result.Deployment.Metadata.Labels.Select(l => l.Key + "=" + l.Value))})");
        if (result.Service is not null)
        {
            context.Line($"service/{result.Name} created (type {result.Service.Spec.Type}, cluster IP {result.Service.Spec.ClusterIP}, {result.ServiceDnsName})");
        }
        context.Line();

        // Upload a YAML file: the "+" button's "Create from input" is kubectl apply of that text.
        var yaml = $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{UploadedApp}}
              labels: {app: {{UploadedApp}} }
            spec:
              replicas: 1
              selector:
                matchLabels: {app: {{UploadedApp}} }
              template:
                metadata:
                  labels: {app: {{UploadedApp}} }
                spec:
                  containers:
                  - name: nginx
                    image: nginx:1.27
                    ports:
                    - containerPort: 80
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: {{UploadedApp}}
            spec:
              selector: {app: {{UploadedApp}} }
              ports:
              - port: 80
                targetPort: 80
            """;
        context.Command("kubectl apply -f uploaded.yaml   # the dashboard's \"Upload a YAML or JSON file\"");
        using (var applier = new ManifestApplier(connection))
        {
            var applied = await applier.ApplyAsync([ManifestSource.FromText(yaml, "uploaded.yaml")], cancellationToken: cancellationToken);
            foreach (var o in applied.Objects)
            {
                context.Line(o.ToString());
            }
        }
        context.Line();

        // The sample user and its login token.
        context.Command("kubectl apply -f dashboard-adminuser.yaml && kubectl -n kubernetes-dashboard create token admin-user");
        var admin = await dashboard.CreateAdminUserAsync(connection, cancellationToken: cancellationToken);
        context.Line($"serviceaccount/{admin.ServiceAccount} {(admin.CreatedServiceAccount ? "created" : "unchanged")}");
        context.Line($"clusterrolebinding.rbac.authorization.k8s.io/{admin.ClusterRoleBinding} {(admin.CreatedClusterRoleBinding ? "created" : "unchanged")}");
        context.Line("Login token (TokenRequest): " + admin.Token);
        if (admin.ExpiresAt is { } expires)
        {
            context.Line($"Token expires: {expires:u}");
        }
        context.Line();

        // kubectl proxy, embedded: our LocalApiProxy on a free loopback port.
        context.Command("kubectl proxy");
        await using var proxy = await new LocalApiProxy().StartAsync(connection, new LocalApiProxyOptions { Port = 0 }, cancellationToken);
        context.Line(proxy.StartingLine);
        var proxyBase = new Uri($"http://localhost:{proxy.Port}/");
        context.Line("Dashboard: " + url.Through(proxyBase));

        // Prove the proxy serves the API: read the dashboard's service through it, without credentials of our own.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Port}/"), Timeout = TimeSpan.FromSeconds(60) };
        using var response = await http.GetAsync("api/v1/namespaces/kubernetes-dashboard/services/kubernetes-dashboard", cancellationToken);
        var service = k8s.KubernetesJson.Deserialize<k8s.Models.V1Service>(await response.Content.ReadAsStringAsync(cancellationToken));
        context.Line($"GET /api/v1/namespaces/kubernetes-dashboard/services/kubernetes-dashboard through the proxy: {(int)response.StatusCode} (cluster IP {service?.Spec?.ClusterIP})");
    }

    private static string Details(k8s.IKubernetesObject<k8s.Models.V1ObjectMeta> o) => o switch
    {
        k8s.Models.V1Deployment d => $"replicas={d.Spec.Replicas} image={d.Spec.Template.Spec.Containers[0].Image}",
        k8s.Models.V1Service s => $"type={s.Spec.Type} ports={string.Join(",", s.Spec.Ports.Select(p => $"{p.Port}->{p.TargetPort}/{p.Protocol}"))}",
        _ => "",
    };
}
