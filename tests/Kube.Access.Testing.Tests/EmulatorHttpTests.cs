using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace Kube.Access.Testing.Tests;

/// <summary>The emulator's API over real loopback HTTP.</summary>
public class EmulatorHttpTests
{
    private static HttpClient Client(KubeApiEmulator api)
    {
        var http = new HttpClient { BaseAddress = api.Url, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", api.DefaultToken);
        return http;
    }

    private static async Task<JsonObject> GetJson(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private static async Task<(HttpStatusCode Code, JsonObject Body)> Send(HttpClient http, HttpMethod method, string path, string? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }
        using var response = await http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    [Fact]
    public async Task Synthetic_pods_page_with_continue_and_remaining_count()
    {
        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { SyntheticPods = 3000, SyntheticNamespaces = 7 });
        using var http = Client(api);
        var names = new List<string>();
        string? cont = null;
        var pages = 0;
        do
        {
            var page = await GetJson(http, "/api/v1/pods?limit=400" + (cont is null ? "" : "&continue=" + cont));
            var items = page["items"]!.AsArray();
            names.AddRange(items.Select(i => i!["metadata"]!["namespace"] + "/" + i["metadata"]!["name"]));
            cont = (string?)page["metadata"]!["continue"];
            if (cont is not null)
            {
                ((int)page["metadata"]!["remainingItemCount"]!).Should().Be(3000 - names.Count);
            }
            pages++;
        }
        while (cont is not null);
        pages.Should().Be(8);
        names.Should().HaveCount(3000).And.OnlyHaveUniqueItems();
        names.Select(n => n.Split('/')[0]).Distinct().Should().HaveCount(7);
        var images = new HashSet<string>();
        var one = await GetJson(http, "/api/v1/namespaces/team-03/pods");
        foreach (var pod in one["items"]!.AsArray())
        {
            ((string)pod!["metadata"]!["namespace"]!).Should().Be("team-03");
            ((string)pod["status"]!["phase"]!).Should().Be("Running");
            foreach (var c in pod["spec"]!["containers"]!.AsArray())
            {
                images.Add((string)c!["image"]!);
            }
        }
        images.Should().HaveCountGreaterThan(3);
    }

    [Fact]
    public async Task Watch_resumes_from_a_resource_version_and_answers_gone_when_too_old()
    {
        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { WatchHistory = 16 });
        using var http = Client(api);
        var list = await GetJson(http, "/api/v1/namespaces/default/configmaps");
        var rv = (string)list["metadata"]!["resourceVersion"]!;
        for (var i = 0; i < 3; i++)
        {
            (await Send(http, HttpMethod.Post, "/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"cm" + i + "\"},\"data\":{\"i\":\"" + i + "\"}}")).Code.Should().Be(HttpStatusCode.Created);
        }
        using (var response = await http.GetAsync($"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}&timeoutSeconds=1", HttpCompletionOption.ResponseHeadersRead))
        {
            var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            lines.Select(l => (string)JsonNode.Parse(l)!["type"]! + " " + (string)JsonNode.Parse(l)!["object"]!["metadata"]!["name"]!)
                .Should().Equal("ADDED cm0", "ADDED cm1", "ADDED cm2");
        }
        for (var i = 0; i < 20; i++)
        {
            (await Send(http, HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/cm0", "{\"data\":{\"n\":\"" + i + "\"}}", "application/merge-patch+json")).Code.Should().Be(HttpStatusCode.OK);
        }
        using (var response = await http.GetAsync($"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}&timeoutSeconds=1", HttpCompletionOption.ResponseHeadersRead))
        {
            var first = JsonNode.Parse((await response.Content.ReadAsStringAsync()).Split('\n')[0])!;
            ((string)first["type"]!).Should().Be("ERROR");
            ((int)first["object"]!["code"]!).Should().Be(410);
            ((string)first["object"]!["reason"]!).Should().Be("Expired");
        }
    }

    [Fact]
    public async Task Label_selector_watch_turns_a_relabel_into_deleted()
    {
        await using var api = await KubeApiEmulator.StartAsync();
        using var http = Client(api);
        (await Send(http, HttpMethod.Post, "/api/v1/namespaces/default/configmaps", """{"metadata":{"name":"x","labels":{"keep":"yes"}}}""")).Code.Should().Be(HttpStatusCode.Created);
        var rv = (string)(await GetJson(http, "/api/v1/namespaces/default/configmaps"))["metadata"]!["resourceVersion"]!;
        (await Send(http, HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/x", """{"metadata":{"labels":{"keep":"no"}}}""", "application/strategic-merge-patch+json")).Code.Should().Be(HttpStatusCode.OK);
        using var response = await http.GetAsync($"/api/v1/namespaces/default/configmaps?watch=true&labelSelector=keep%3Dyes&resourceVersion={rv}&timeoutSeconds=1", HttpCompletionOption.ResponseHeadersRead);
        var events = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (string)JsonNode.Parse(l)!["type"]!).ToList();
        events.Should().Equal("DELETED");
    }

    [Fact]
    public async Task Update_with_stale_resource_version_conflicts_and_spec_change_bumps_generation()
    {
        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Scenario = EmulatorScenario.Guide });
        using var http = Client(api);
        var dep = await GetJson(http, "/apis/apps/v1/namespaces/default/deployments/hello-world");
        ((long)dep["metadata"]!["generation"]!).Should().Be(1);
        var stale = dep.DeepClone().AsObject();
        dep["spec"]!["replicas"] = 3;
        var (code, updated) = await Send(http, HttpMethod.Put, "/apis/apps/v1/namespaces/default/deployments/hello-world", dep.ToJsonString());
        code.Should().Be(HttpStatusCode.OK);
        ((long)updated["metadata"]!["generation"]!).Should().Be(2);
        api.ListNames("pods", "default").Count(n => n.StartsWith("hello-world-", StringComparison.Ordinal)).Should().Be(3);
        var after = await GetJson(http, "/apis/apps/v1/namespaces/default/deployments/hello-world");
        ((int)after["status"]!["readyReplicas"]!).Should().Be(3);

        var (conflict, status) = await Send(http, HttpMethod.Put, "/apis/apps/v1/namespaces/default/deployments/hello-world", stale.ToJsonString());
        conflict.Should().Be(HttpStatusCode.Conflict);
        ((string)status["reason"]!).Should().Be("Conflict");
        ((string)status["message"]!).Should().Be("Operation cannot be fulfilled on deployments.apps \"hello-world\": the object has been modified; please apply your changes to the latest version and try again");

        var (scaleCode, scale) = await Send(http, HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/hello-world/scale", """{"spec":{"replicas":1}}""", "application/merge-patch+json");
        scaleCode.Should().Be(HttpStatusCode.OK);
        ((int)scale["spec"]!["replicas"]!).Should().Be(1);
        api.ListNames("pods", "default").Count(n => n.StartsWith("hello-world-", StringComparison.Ordinal)).Should().Be(1);
    }

    [Fact]
    public async Task Load_balancer_gets_an_ingress_ip_after_the_delay_seen_by_a_watch()
    {
        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { LoadBalancerDelay = TimeSpan.FromMilliseconds(300) });
        using var http = Client(api);
        var (code, svc) = await Send(http, HttpMethod.Post, "/api/v1/namespaces/default/services", """{"metadata":{"name":"front"},"spec":{"type":"LoadBalancer","selector":{"app":"f"},"ports":[{"port":80}]}}""");
        code.Should().Be(HttpStatusCode.Created);
        svc["status"]!["loadBalancer"]!["ingress"].Should().BeNull();
        ((int)svc["spec"]!["ports"]![0]!["nodePort"]!).Should().BeInRange(30000, 32767);
        var rv = (string)svc["metadata"]!["resourceVersion"]!;
        using var response = await http.GetAsync($"/api/v1/namespaces/default/services?watch=1&fieldSelector=metadata.name%3Dfront&resourceVersion={rv}", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var evt = JsonNode.Parse(line!)!;
        ((string)evt["type"]!).Should().Be("MODIFIED");
        ((string)evt["object"]!["status"]!["loadBalancer"]!["ingress"]![0]!["ip"]!).Should().StartWith("203.0.113.");
    }

    [Fact]
    public async Task Token_request_issues_an_accepted_service_account_token()
    {
        await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Https = false, AllowAnonymous = false });
        using var http = Client(api);
        var (code, tr) = await Send(http, HttpMethod.Post, "/api/v1/namespaces/default/serviceaccounts/default/token", """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":3600}}""");
        code.Should().Be(HttpStatusCode.Created);
        var token = (string)tr["status"]!["token"]!;
        token.Split('.').Should().HaveCount(3);
        var seen = api.Requests.Count;
        using var asSa = new HttpClient { BaseAddress = api.Url };
        asSa.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        (await asSa.GetAsync("/api/v1/namespaces/default/pods")).StatusCode.Should().Be(HttpStatusCode.OK);
        api.Requests.Skip(seen).Should().Contain(r => r.User == "system:serviceaccount:default:default");
        using var anonymous = new HttpClient { BaseAddress = api.Url };
        (await anonymous.GetAsync("/api/v1/namespaces")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Namespaces_get_default_service_account_and_their_deletion_cascades()
    {
        await using var api = await KubeApiEmulator.StartAsync();
        using var http = Client(api);
        (await Send(http, HttpMethod.Post, "/api/v1/namespaces", """{"metadata":{"name":"team"}}""")).Code.Should().Be(HttpStatusCode.Created);
        api.ListNames("serviceaccounts", "team").Should().Equal("default");
        api.ListNames("configmaps", "team").Should().Equal("kube-root-ca.crt");
        (await Send(http, HttpMethod.Post, "/api/v1/namespaces/team/pods", """{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}""")).Code.Should().Be(HttpStatusCode.Created);
        ((string)(await GetJson(http, "/api/v1/namespaces/team/pods/p"))["spec"]!["containers"]![0]!["imagePullPolicy"]!).Should().Be("Always");
        (await Send(http, HttpMethod.Delete, "/api/v1/namespaces/team")).Code.Should().Be(HttpStatusCode.OK);
        api.ListNames("pods", "team").Should().BeEmpty();
        var (missing, status) = await Send(http, HttpMethod.Post, "/api/v1/namespaces/team/pods", """{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}""");
        missing.Should().Be(HttpStatusCode.NotFound);
        ((string)status["message"]!).Should().Be("namespaces \"team\" not found");
    }

    [Fact]
    public async Task Invalid_service_lists_every_cause()
    {
        await using var api = await KubeApiEmulator.StartAsync();
        using var http = Client(api);
        var (code, status) = await Send(http, HttpMethod.Post, "/api/v1/namespaces/default/services", """{"metadata":{"name":"1svc"},"spec":{"ports":[{"port":70000}]}}""");
        code.Should().Be((HttpStatusCode)422);
        var causes = status["details"]!["causes"]!.AsArray().Select(c => (string)c!["field"]!).ToList();
        causes.Should().Equal("metadata.name", "spec.ports[0].port");
        ((string)status["message"]!).Should().StartWith("Service \"1svc\" is invalid: [metadata.name: Invalid value: \"1svc\": a DNS-1035 label must consist of");
    }

    [Fact]
    public async Task Options_and_bindings_are_checked_with_typed_errors()
    {
        var badPort = () => KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Port = 70000 });
        await badPort.Should().ThrowAsync<KubeApiEmulatorException>();
        await using var api = await KubeApiEmulator.StartAsync();
        var notLoopback = () => api.BindPodPort("default", "p", 80, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 80));
        notLoopback.Should().Throw<KubeApiEmulatorException>();
        var port0 = () => api.BindPodPort("default", "p", 0, PodBackend.Echo);
        port0.Should().Throw<KubeApiEmulatorException>();
        api.BindPodPort("default", "p", 8080, PodBackend.HelloHttp);
        api.TryGetPodPortBinding("default", "p", 8080, out var binding).Should().BeTrue();
        binding.Backend.Should().Be(PodBackend.HelloHttp);
        var cert = () => api.WriteKubeconfig(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")), EmulatorAuth.ClientCertificate);
        cert.Should().Throw<KubeApiEmulatorException>();
    }
}
