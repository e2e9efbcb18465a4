using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using FluentAssertions;
using k8s;
using k8s.Autorest;
using Kube.Access.Cli.Tour;
using Kube.Access.Dns;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Tour.Tests;

public sealed class TourChapterTests
{
    [Fact]
    public async Task Dashboard_chapter_refuses_a_bad_form_deploys_a_good_one_uploads_yaml_and_serves_the_dashboard_with_a_working_token()
    {
        await using var s = await TourSession.StartAsync();
        var lines = await s.RunAsync(new DashboardChapter());
        var text = string.Join('\n', lines);

        // The bad form: every broken rule, named by field.
        lines.Should().Contain(l => l.StartsWith("  error: name: Invalid value \"Hello_Dashboard\"", StringComparison.Ordinal), text);
        lines.Should().Contain(l => l.StartsWith("  error: replicas: Invalid value \"0\"", StringComparison.Ordinal), text);
        lines.Should().Contain(l => l.StartsWith("  error: portMappings[0].targetPort: Invalid value \"70000\"", StringComparison.Ordinal), text);
        lines.Should().Contain(l => l.StartsWith("  error: namespace: Invalid value \"12345\"", StringComparison.Ordinal), text);
        (await s.Connection.Client.CoreV1.ListNamespaceAsync()).Items.Should().NotContain(n => n.Metadata.Name == "12345");

        // The good form: what the chapter says it created is what the cluster holds.
        var client = s.Connection.Client;
        var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync(DashboardChapter.WizardApp, "default");
        deployment.Spec.Replicas.Should().Be(2);
        deployment.Spec.Template.Spec.Containers.Single().Env.Select(e => e.Name).Should().Equal("GREETING", "MESSAGE");
        var service = await client.CoreV1.ReadNamespacedServiceAsync(DashboardChapter.WizardApp, "default");
        service.Spec.Type.Should().Be("LoadBalancer");
        lines.Should().Contain($"service/{DashboardChapter.WizardApp} created (type LoadBalancer, cluster IP {service.Spec.ClusterIP}, {DashboardChapter.WizardApp}.default.svc)");
        lines.Should().Contain(l => l.StartsWith("Deployment ", StringComparison.Ordinal) && l.Contains(DashboardChapter.WizardApp) && l.Contains("replicas=2"));

        // The uploaded YAML.
        lines.Should().ContainInOrder($"deployment.apps/{DashboardChapter.UploadedApp} created", $"service/{DashboardChapter.UploadedApp} created");
        (await client.AppsV1.ReadNamespacedDeploymentAsync(DashboardChapter.UploadedApp, "default")).Spec.Template.Spec.Containers.Single().Image.Should().Be("nginx:1.27");

        // The login token authenticates against the API server; a forged one does not.
        var token = lines.Single(l => l.StartsWith("Login token (TokenRequest): ", StringComparison.Ordinal))["Login token (TokenRequest): ".Length..];
        token.Should().NotBeNullOrWhiteSpace();
        (await client.RbacAuthorizationV1.ReadClusterRoleBindingAsync("admin-user")).RoleRef.Name.Should().Be("cluster-admin");
        await using (var asAdmin = WithToken(s, token))
        {
            (await asAdmin.Client.CoreV1.ReadNamespacedServiceAccountAsync("admin-user", "kubernetes-dashboard")).Metadata.Name.Should().Be("admin-user");
        }
        await using (var forged = WithToken(s, token[..^4] + "AAAA"))
        {
            var refused = async () => await forged.Client.CoreV1.ReadNamespacedServiceAccountAsync("admin-user", "kubernetes-dashboard");
            (await refused.Should().ThrowAsync<HttpOperationException>()).Which.Response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        // The dashboard URL through the proxy the chapter started, and a request it served.
        var url = lines.Select(l => Regex.Match(l, @"^Dashboard: http://localhost:(\d+)/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/$"))
            .Single(m => m.Success);
        var port = int.Parse(url.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        lines.Should().Contain($"Starting to serve on 127.0.0.1:{port}");
        var dashboard = await client.CoreV1.ReadNamespacedServiceAsync("kubernetes-dashboard", "kubernetes-dashboard");
        lines.Should().Contain($"GET /api/v1/namespaces/kubernetes-dashboard/services/kubernetes-dashboard through the proxy: 200 (cluster IP {dashboard.Spec.ClusterIP})");

        // The chapter stopped its proxy: nothing listens on that port any more.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var connect = async () => await socket.ConnectAsync(IPAddress.Loopback, port);
        await connect.Should().ThrowAsync<SocketException>();
    }

    [Fact]
    public async Task Frontend_backend_chapter_waits_for_the_external_ip_and_resolves_the_nginx_upstream_to_the_backend_service()
    {
        // The address comes 10 s after the service is created, so the watch sees it pending first even on a busy machine.
        await using var s = await TourSession.StartAsync(loadBalancerDelay: TimeSpan.FromSeconds(10));
        var lines = await s.RunAsync(new FrontendBackendChapter());
        var text = string.Join('\n', lines);
        var client = s.Connection.Client;

        lines.Should().Contain("deployment.apps/frontend created", text).And.Contain("service/frontend created");
        var frontend = await client.CoreV1.ReadNamespacedServiceAsync("frontend", "default");
        var ip = frontend.Status.LoadBalancer.Ingress.Single().Ip;
        ip.Should().StartWith("203.0.113.");
        lines.Should().Contain($"External IP of the frontend: {ip}");

        // The watch table: <pending> first, then the address.
        var pending = lines.ToList().FindIndex(l => Regex.IsMatch(l, $@"^frontend\s+LoadBalancer\s+{Regex.Escape(frontend.Spec.ClusterIP)}\s+<pending>\s"));
        var assigned = lines.ToList().FindIndex(l => Regex.IsMatch(l, $@"^frontend\s+LoadBalancer\s+{Regex.Escape(frontend.Spec.ClusterIP)}\s+{Regex.Escape(ip)}\s"));
        pending.Should().BeGreaterThan(-1, text);
        assigned.Should().BeGreaterThan(pending);

        // Access points: the load balancer and each node's ExternalIP with the NodePort.
        var nodePort = frontend.Spec.Ports.Single().NodePort;
        lines.Should().Contain(l => l.StartsWith("LoadBalancer ", StringComparison.Ordinal) && l.Contains($"http://{ip}/"));
        foreach (var node in (await client.CoreV1.ListNodeAsync()).Items)
        {
            var external = node.Status.Addresses.Single(a => a.Type == "ExternalIP").Address;
            lines.Should().Contain(l => l.StartsWith("NodePort ", StringComparison.Ordinal) && l.Contains($"http://{external}:{nodePort}/"));
        }

        // nginx's upstream "hello" is the backend service's A record.
        var hello = await client.CoreV1.ReadNamespacedServiceAsync("hello", "default");
        lines.Should().Contain($"  hello -> hello.default.svc.cluster.local A {hello.Spec.ClusterIP}");
        lines.Should().Contain($"The frontend answers at http://{ip}/ and proxies to http://hello.default.svc.cluster.local/");
    }

    [Fact]
    public async Task Dns_chapter_prints_the_records_the_cluster_objects_imply()
    {
        await using var s = await TourSession.StartAsync(https: false);
        var lines = await s.RunAsync(new DnsChapter());
        var text = string.Join('\n', lines);
        var client = s.Connection.Client;

        var kubeDns = await client.CoreV1.ReadNamespacedServiceAsync("kube-dns", "kube-system");
        lines.Should().Contain(l => l.StartsWith($"kube-dns service:  {kubeDns.Spec.ClusterIP} (dns 53/UDP, dns-tcp 53/TCP, metrics 9153/TCP)", StringComparison.Ordinal), text);
        var coredns = await client.AppsV1.ReadNamespacedDeploymentAsync("coredns", "kube-system");
        lines.Should().Contain($"CoreDNS:           deployment/coredns {coredns.Status.ReadyReplicas}/{coredns.Spec.Replicas} ready, image {coredns.Spec.Template.Spec.Containers[0].Image}");
        lines.Should().Contain("Cluster DNS looks healthy.");
        var corefile = (await client.CoreV1.ReadNamespacedConfigMapAsync("coredns", "kube-system")).Data["Corefile"];
        lines.Should().ContainInOrder(corefile.TrimEnd('\n').Split('\n').Select(l => "  " + l));
        lines.Should().Contain($"nameserver {kubeDns.Spec.ClusterIP}").And.Contain("Cluster domain from resolv.conf: cluster.local");

        lines.Should().Contain($"  kube-dns.kube-system.svc.cluster.local A {kubeDns.Spec.ClusterIP}");
        lines.Should().Contain("  _dns._udp.kube-dns.kube-system.svc.cluster.local SRV 0 100 53 kube-dns.kube-system.svc.cluster.local");
        lines.Should().Contain("  _metrics._tcp.kube-dns.kube-system.svc.cluster.local SRV 0 100 9153 kube-dns.kube-system.svc.cluster.local");

        // The pod A record names a real pod and its IP, dashed.
        var podLine = lines.Select(l => Regex.Match(l, @"^Pod A record: pod (\S+) has IP (\S+):$")).Single(m => m.Success);
        var pod = await client.CoreV1.ReadNamespacedPodAsync(podLine.Groups[1].Value, "default");
        pod.Status.PodIP.Should().Be(podLine.Groups[2].Value);
        lines.Should().Contain($"  {pod.Status.PodIP.Replace('.', '-')}.default.pod.cluster.local A {pod.Status.PodIP}");

        // Headless: each busybox pod by hostname.subdomain, from its spec and from the service's endpoints.
        foreach (var (name, host) in new[] { ("busybox1", "busybox-1"), ("busybox2", "busybox-2") })
        {
            var ip = (await client.CoreV1.ReadNamespacedPodAsync(name, "default")).Status.PodIP;
            var fqdn = $"{host}.{DnsChapter.HeadlessService}.default.svc.cluster.local";
            lines.Count(l => l == $"  {fqdn} A {ip}").Should().Be(2, text);
            lines.Should().Contain($"  {DnsChapter.HeadlessService}.default.svc.cluster.local A {ip}");
            lines.Should().Contain($"  _foo._tcp.{DnsChapter.HeadlessService}.default.svc.cluster.local SRV 0 100 1234 {fqdn}");
        }
        (await client.CoreV1.ReadNamespacedServiceAsync(DnsChapter.HeadlessService, "default")).Spec.ClusterIP.Should().Be("None");
        lines.Should().NotContain(l => l.StartsWith($"  {DnsChapter.HeadlessService}.default.svc.cluster.local A None", StringComparison.Ordinal));
    }

    private static KubeConnection WithToken(EmulatorSession s, string token) =>
        new(s.Endpoint with { Credentials = new StaticCredentialSource(KubeCredential.FromToken(token)) });
}
