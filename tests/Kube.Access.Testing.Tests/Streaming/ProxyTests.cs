using System.Net;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using k8s.Models;
using Kube.Access.Testing.Streaming;
using Xunit;

namespace Kube.Access.Testing.Tests.Streaming;

public sealed class ProxyTests : IAsyncLifetime
{
    private KubeApiEmulator _host = null!;
    private HttpClient _http = null!;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    public async Task InitializeAsync()
    {
        _host = await KubeApiEmulator.StartAsync();
        _http = new HttpClient { BaseAddress = _host.Url };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    private void AddHelloBackend()
    {
        var labels = new Dictionary<string, string> { ["app"] = "hello", ["tier"] = "backend" };
        foreach (var name in new[] { "hello-a", "hello-b" })
        {
            _host.AddPod("default", name, labels, "Running", new V1Container
            {
                Name = "hello",
                Image = "gcr.io/google-samples/hello-go-gke:1.0",
                Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080 }],
            });
            _host.BindPodPort("default", name, 8080, PodBackend.HelloHttp);
        }

        _host.AddService(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "hello", NamespaceProperty = "default" },
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["app"] = "hello", ["tier"] = "backend" },
                Ports = [new V1ServicePort { Name = "web", Port = 80, TargetPort = "http", Protocol = "TCP" }],
            },
        });
    }

    [Theory]
    [InlineData("/api/v1/namespaces/default/services/hello:80/proxy/")]
    [InlineData("/api/v1/namespaces/default/services/hello:web/proxy/")]
    [InlineData("/api/v1/namespaces/default/services/http:hello:web/proxy/")]
    [InlineData("/api/v1/namespaces/default/pods/hello-a:8080/proxy/")]
    [InlineData("/api/v1/namespaces/default/pods/hello-b/proxy/")]
    public async Task Proxy_paths_reach_the_hello_backend(string path)
    {
        AddHelloBackend();
        var response = await _http.GetAsync(path, Timeout);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("Hello Kubernetes!");
    }

    [Fact]
    public async Task Method_path_query_headers_and_body_are_forwarded_and_the_answer_streamed_back()
    {
        _host.AddPod("default", "api");
        _host.Streaming.Ports.BindHttp("default", "api", 9090, request =>
        {
            var text = $"{request.Method} {request.Target} x-test={request.Headers.GetValueOrDefault("x-test")} length={request.Headers.GetValueOrDefault("content-length")} auth={request.Headers.ContainsKey("authorization")}";
            return new PodHttpResponse(201, "Created", "text/plain", Encoding.UTF8.GetBytes(text));
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/namespaces/default/pods/api:9090/proxy/items/7?verbose=1&x=a%20b")
        {
            Content = new ByteArrayContent(new byte[12345]),
        };
        request.Headers.Add("X-Test", "yes");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _host.DefaultToken);

        var response = await _http.SendAsync(request, Timeout);

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        (await response.Content.ReadAsStringAsync()).Should().Be("POST /items/7?verbose=1&x=a%20b x-test=yes length=12345 auth=False");
    }

    [Fact]
    public async Task An_unbound_pod_port_is_a_503_Status_naming_the_dial()
    {
        _host.AddPod("default", "quiet");
        var response = await _http.GetAsync("/api/v1/namespaces/default/pods/quiet:81/proxy/", Timeout);
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        status.GetProperty("reason").GetString().Should().Be("ServiceUnavailable");
        status.GetProperty("message").GetString().Should().Be($"error trying to reach service: dial tcp {_host.GetPod("default", "quiet").Status.PodIP}:81: connect: connection refused");
    }

    [Fact]
    public async Task Service_errors_read_like_the_apiserver()
    {
        AddHelloBackend();
        var missing = await _http.GetAsync("/api/v1/namespaces/default/services/nope:80/proxy/", Timeout);
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString().Should().Be("services \"nope\" not found");

        var badPort = await _http.GetAsync("/api/v1/namespaces/default/services/hello:81/proxy/", Timeout);
        badPort.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        JsonDocument.Parse(await badPort.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString().Should().Be("no service port 81 found for service \"hello\"");

        _host.AddService(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "lonely", NamespaceProperty = "default" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "none" }, Ports = [new V1ServicePort { Port = 80 }] },
        });
        var noEndpoints = await _http.GetAsync("/api/v1/namespaces/default/services/lonely/proxy/", Timeout);
        noEndpoints.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        JsonDocument.Parse(await noEndpoints.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString().Should().Be("no endpoints available for service \"lonely\"");
    }

    [Fact]
    public async Task Node_proxy_reaches_the_kubelet_stub_or_a_bound_node_port()
    {
        _host.AddNode("worker-1");
        var healthz = await _http.GetAsync("/api/v1/nodes/worker-1/proxy/healthz", Timeout);
        healthz.StatusCode.Should().Be(HttpStatusCode.OK);
        (await healthz.Content.ReadAsStringAsync()).Should().Be("ok");

        _host.Streaming.Ports.Bind(string.Empty, "worker-1", 9100, PodBackend.HelloHttp);
        var bound = await _http.GetAsync("/api/v1/nodes/worker-1:9100/proxy/metrics", Timeout);
        (await bound.Content.ReadAsStringAsync()).Should().Be("Hello Kubernetes!");

        (await _http.GetAsync("/api/v1/nodes/ghost/proxy/healthz", Timeout)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_large_response_is_streamed_through()
    {
        _host.AddPod("default", "big");
        var payload = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(payload);
        _host.Streaming.Ports.BindHttp("default", "big", 80, _ => new PodHttpResponse(200, "OK", "application/octet-stream", payload));
        var body = await _http.GetByteArrayAsync("/api/v1/namespaces/default/pods/big/proxy/blob", Timeout);
        body.Should().Equal(payload);
    }

    [Theory]
    [InlineData("hello", "", "hello", "")]
    [InlineData("hello:80", "", "hello", "80")]
    [InlineData("https:hello:443", "https", "hello", "443")]
    [InlineData("https:hello:", "https", "hello", "")]
    public void Targets_parse_as_scheme_name_port(string text, string scheme, string name, string port) =>
        ProxyHandler.ParseTarget(text).Should().Be(new ProxyHandler.ProxyTarget(scheme, name, port));
}
