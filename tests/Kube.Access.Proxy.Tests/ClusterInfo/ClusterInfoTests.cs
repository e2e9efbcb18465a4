using System.Text.RegularExpressions;
using FluentAssertions;
using Kube.Access.Proxy.Tests.Support;
using Kube.Access.TestSupport;
using Xunit;

namespace Kube.Access.Proxy.Tests.ClusterInfoTests;

public sealed class ClusterInfoTests
{
    private static string StripAnsi(string text) => Regex.Replace(text, "\u001b\\[[0-9;?]*[A-Za-z=]", string.Empty).Replace("\r", string.Empty, StringComparison.Ordinal);

    [Fact]
    public async Task Prints_the_same_lines_as_kubectl_cluster_info_including_https_trailing_colon_and_load_balancer_forms()
    {
        await using var host = await EmulatorHost.StartAsync();
        // Every rule of kubectl's: a named https port, an unnamed 443 port (https:name:), no ports, a load balancer with two ports.
        host.Api.CreateObject("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"secure-ui","namespace":"kube-system","labels":{"kubernetes.io/cluster-service":"true"}},"spec":{"ports":[{"port":443,"targetPort":8443}],"selector":{"app":"x"}}}""");
        host.Api.CreateObject("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"no-ports","namespace":"kube-system","labels":{"kubernetes.io/cluster-service":"true","kubernetes.io/name":"Headless-Thing"}},"spec":{"clusterIP":"None","selector":{"app":"y"}}}""");
        host.Api.CreateObject("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"edge","namespace":"kube-system","labels":{"kubernetes.io/cluster-service":"true"}},"spec":{"type":"LoadBalancer","ports":[{"name":"http","port":80},{"name":"https","port":443}],"selector":{"app":"z"}}}""");
        host.Api.CreateObject("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"not-a-cluster-service","namespace":"kube-system"},"spec":{"ports":[{"port":80}]}}""");
        await WaitForLoadBalancerAsync(host);

        var kubectl = await KubectlTool.RunAsync(["--kubeconfig", host.Kubeconfig, "cluster-info"]);
        var ours = await new ClusterInfo().GetAsync(host.Connection);

        kubectl.ExitCode.Should().Be(0, kubectl.Stderr);
        ours.ToKubectlText().Should().Be(StripAnsi(kubectl.Stdout));
        StripAnsi(ours.ToKubectlText(colors: true)).Should().Be(ours.ToKubectlText());
        ours.Services.Should().Contain(s => s.ServiceName == "secure-ui" && s.Link.EndsWith("/services/https:secure-ui:/proxy", StringComparison.Ordinal));
        ours.Services.Single(s => s.ServiceName == "edge").Urls.Should().HaveCount(2);
        ours.Services.Should().NotContain(s => s.ServiceName == "not-a-cluster-service");
        ours.Services.Single(s => s.ServiceName == "secure-ui").ProxyUrl!.Scheme.Should().Be("https");
    }

    [Fact]
    public async Task Another_namespace_like_kubectl_n()
    {
        await using var host = await EmulatorHost.StartAsync();
        host.Api.CreateObject("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default","labels":{"kubernetes.io/cluster-service":"true"}},"spec":{"ports":[{"name":"web","port":8080}]}}""");

        var kubectl = await KubectlTool.RunAsync(["--kubeconfig", host.Kubeconfig, "cluster-info", "-n", "default"]);
        var ours = await new ClusterInfo().GetAsync(host.Connection, "default");

        ours.ToKubectlText().Should().Be(StripAnsi(kubectl.Stdout));
        ours.Services.Should().ContainSingle().Which.Link.Should().EndWith("/api/v1/namespaces/default/services/web:web/proxy");
    }

    private static async Task WaitForLoadBalancerAsync(EmulatorSession host)
    {
        for (var i = 0; i < 200; i++)
        {
            var edge = host.Api.GetObject("services", "kube-system", "edge");
            if (edge?["status"]?["loadBalancer"]?["ingress"] is System.Text.Json.Nodes.JsonArray { Count: > 0 })
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the emulator gave the LoadBalancer service no ingress");
    }
}
