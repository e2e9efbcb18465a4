using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace Kube.Access.Testing.Tests;

/// <summary>The endpoints controller publishes a pod's hostname when the pod's subdomain names the (headless) service.</summary>
public class EndpointsHostnameTests
{
    [Fact]
    public async Task A_pod_whose_subdomain_is_the_service_has_its_hostname_in_the_endpoints()
    {
        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions());
        using var http = new HttpClient { BaseAddress = api.Url, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", api.DefaultToken);

        await Create(http, "/api/v1/namespaces/default/services", """{"apiVersion":"v1","kind":"Service","metadata":{"name":"sub"},"spec":{"clusterIP":"None","selector":{"app":"b"},"ports":[{"name":"foo","port":1234}]}}""");
        await Create(http, "/api/v1/namespaces/default/pods", """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"named","labels":{"app":"b"}},"spec":{"hostname":"box-1","subdomain":"sub","containers":[{"name":"c","image":"busybox"}]}}""");
        await Create(http, "/api/v1/namespaces/default/pods", """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"other","labels":{"app":"b"}},"spec":{"hostname":"box-2","subdomain":"elsewhere","containers":[{"name":"c","image":"busybox"}]}}""");

        JsonArray addresses = [];
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (addresses.Count < 2)
        {
            await Task.Delay(50, deadline.Token);
            using var response = await http.GetAsync("/api/v1/namespaces/default/endpoints/sub", deadline.Token);
            if (response.StatusCode != HttpStatusCode.OK) continue;
            var endpoints = JsonNode.Parse(await response.Content.ReadAsStringAsync(deadline.Token))!;
            addresses = endpoints["subsets"]?[0]?["addresses"]?.AsArray() ?? [];
        }

        var byPod = addresses.ToDictionary(a => a!["targetRef"]!["name"]!.GetValue<string>(), a => a!["hostname"]?.GetValue<string>());
        byPod["named"].Should().Be("box-1");
        byPod["other"].Should().BeNull("its subdomain names another service");
    }

    private static async Task Create(HttpClient http, string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content);
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }
}
