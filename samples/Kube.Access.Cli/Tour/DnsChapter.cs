using k8s;
using Kube.Access.Dns;
using Kube.Access.Manifests;

namespace Kube.Access.Cli.Tour;

/// <summary>
/// Guide chapter 9 (DNS for services and pods, CoreDNS): service A and SRV names, a pod's A record, the names of pods
/// behind a headless service, the cluster domain, and the CoreDNS check (kube-dns service, coredns deployment, Corefile).
/// </summary>
internal sealed class DnsChapter : ITourChapter
{
    /// <summary>The headless service the chapter creates (the DNS documentation's example).</summary>
    public const string HeadlessService = "busybox-subdomain";

    public string Title => "DNS for services and pods (CoreDNS)";

    public async Task RunAsync(TourContext context, CancellationToken cancellationToken)
    {
        await using var connection = TourConnection.Create(context.Emulator);
        var dns = new ClusterDns(connection);

        context.Command("kubectl get service,deployment -n kube-system -l k8s-app=kube-dns && kubectl get configmap coredns -n kube-system -o yaml");
        var report = await dns.CheckAsync(cancellationToken);
        context.Line($"kube-dns service:  {report.ServiceIp ?? "<missing>"} ({string.Join(", ", report.ServicePorts)})");
        context.Line($"CoreDNS:           deployment/{report.DeploymentName ?? "<missing>"} {report.ReadyReplicas}/{report.DesiredReplicas} ready, image {report.Image}");
        context.Line($"Cluster domain:    {report.ClusterDomain} (from the Corefile's kubernetes plugin)");
        context.Line(report.Healthy ? "Cluster DNS looks healthy." : "Problems: " + string.Join("; ", report.Problems));
        context.Line("Corefile:");
        foreach (var line in (report.Corefile ?? "").TrimEnd('\n').Split('\n'))
        {
            context.Line("  " + line);
        }
        context.Line();

        // What a pod's /etc/resolv.conf says, and the cluster domain read back from it (as in-cluster code does).
        var resolvConf = $"search default.svc.{report.ClusterDomain} svc.{report.ClusterDomain} {report.ClusterDomain}\nnameserver {report.ServiceIp}\noptions ndots:5\n";
        context.Command("kubectl exec <pod> -- cat /etc/resolv.conf");
        context.Output.Write(resolvConf);
        context.Line($"Cluster domain from resolv.conf: {ClusterDomain.FromResolvConf(resolvConf) ?? "<none>"}");
        context.Line();

        context.Line("Service records (A for the cluster IP, SRV for each named port):");
        foreach (var (ns, name) in new[] { ("kube-system", "kube-dns"), ("default", "hello") })
        {
            foreach (var record in await dns.GetServiceRecordsAsync(ns, name, report.ClusterDomain, cancellationToken))
            {
                context.Line("  " + record);
            }
        }
        context.Line($"From a pod in namespace default, \"hello\" also resolves as: {string.Join(", ", KubeDnsNames.ServiceSearchNames("hello", "default"))}");
        context.Line();

        var pods = await connection.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=hello,tier=backend", cancellationToken: cancellationToken);
        var pod = pods.Items.FirstOrDefault(p => !string.IsNullOrEmpty(p.Status?.PodIP));
        if (pod is not null)
        {
            context.Line($"Pod A record: pod {pod.Metadata.Name} has IP {pod.Status.PodIP}:");
            context.Line($"  {KubeDnsNames.Pod(pod.Status.PodIP, "default", report.ClusterDomain)} A {pod.Status.PodIP}");
            context.Line();
        }

        // A headless service and pods with hostname + subdomain (the DNS documentation's busybox example).
        var yaml = $$"""
            apiVersion: v1
            kind: Service
            metadata:
              name: {{HeadlessService}}
            spec:
              selector: {name: busybox}
              clusterIP: None
              ports:
              - name: foo
                port: 1234
                targetPort: 1234
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: busybox1
              labels: {name: busybox}
            spec:
              hostname: busybox-1
              subdomain: {{HeadlessService}}
              containers:
              - image: busybox:1.28
                command: [sleep, "3600"]
                name: busybox
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: busybox2
              labels: {name: busybox}
            spec:
              hostname: busybox-2
              subdomain: {{HeadlessService}}
              containers:
              - image: busybox:1.28
                command: [sleep, "3600"]
                name: busybox
            """;
        context.Command("kubectl apply -f headless.yaml");
        using (var applier = new ManifestApplier(connection))
        {
            var applied = await applier.ApplyAsync([ManifestSource.FromText(yaml, "headless.yaml")], cancellationToken: cancellationToken);
            foreach (var o in applied.Objects)
            {
                context.Line(o.ToString());
            }
        }

        context.Line("Pods behind the headless service, by hostname and subdomain:");
        var busyboxes = await connection.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "name=busybox", cancellationToken: cancellationToken);
        foreach (var p in busyboxes.Items.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            if (p.Spec.Hostname is { Length: > 0 } host && p.Spec.Subdomain == HeadlessService && !string.IsNullOrEmpty(p.Status?.PodIP))
            {
                context.Line($"  {KubeDnsNames.HeadlessPod(host, HeadlessService, "default", report.ClusterDomain)} A {p.Status.PodIP}");
            }
        }
        context.Line("Records of the headless service (one A per ready endpoint, no cluster IP):");
        foreach (var record in await dns.GetServiceRecordsAsync("default", HeadlessService, report.ClusterDomain, cancellationToken))
        {
            context.Line("  " + record);
        }
    }
}
