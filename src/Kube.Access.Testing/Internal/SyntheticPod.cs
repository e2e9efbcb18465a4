using System.Globalization;
using System.Text.Json;

namespace Kube.Access.Testing.Internal;

/// <summary>
/// A seeded pod kept as a few numbers and shared strings (about 100 bytes each) and rendered to JSON
/// only when listed, so 150,000 of them stay light. Modifying one replaces it with a regular object.
/// </summary>
internal sealed class SyntheticPod
{
    /// <summary>An application of the image mix.</summary>
    internal sealed record App(string Name, string Image, int Port, string? Sidecar, int Weight);

    internal static readonly App[] Apps =
    [
        new("web", "nginx:1.25.3", 80, null, 14),
        new("api", "ghcr.io/acme/orders-api:2.14.1", 8080, "envoyproxy/envoy:v1.29.1", 12),
        new("cache", "redis:7.2.4", 6379, null, 8),
        new("db", "postgres:16.2", 5432, null, 5),
        new("worker", "python:3.12-slim", 8000, null, 9),
        new("frontend", "node:20-alpine", 3000, null, 8),
        new("dotnet-svc", "mcr.microsoft.com/dotnet/aspnet:8.0", 8080, "envoyproxy/envoy:v1.29.1", 9),
        new("metrics", "quay.io/prometheus/node-exporter:v1.7.0", 9100, null, 6),
        new("queue", "rabbitmq:3.13-management", 5672, null, 4),
        new("search", "docker.elastic.co/elasticsearch/elasticsearch:8.12.2", 9200, null, 3),
        new("hello", "gcr.io/google-samples/hello-app:2.0", 8080, null, 7),
        new("batch", "busybox:1.36", 8080, null, 5),
        new("gateway", "registry.k8s.io/ingress-nginx/controller:v1.10.0", 443, null, 3),
        new("logs", "fluent/fluent-bit:2.2.2", 2020, null, 4),
        new("mongo", "mongo:7.0", 27017, null, 3),
    ];


    public SyntheticPod(int index, byte app, byte ipSuffix, string hostIp, int createdUnix)
    {
        Index = index;
        AppIndex = app;
        IpSuffix = ipSuffix;
        HostIp = hostIp;
        CreatedUnix = createdUnix;
    }

    public int Index { get; }
    public byte AppIndex { get; }
    public byte IpSuffix { get; }
    public string HostIp { get; }
    public int CreatedUnix { get; }

    public string Uid => "5e1a0000-0000-4000-8000-" + Index.ToString("x12", CultureInfo.InvariantCulture);

    private static void WriteContainer(Utf8JsonWriter w, string name, string image, int port)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("image", image);
        w.WriteStartArray("ports");
        w.WriteStartObject();
        w.WriteNumber("containerPort", port);
        w.WriteString("protocol", "TCP");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("resources");
        w.WriteEndObject();
        w.WriteString("terminationMessagePath", "/dev/termination-log");
        w.WriteString("terminationMessagePolicy", "File");
        w.WriteString("imagePullPolicy", "IfNotPresent");
        w.WriteEndObject();
    }

    private void WriteContainerStatus(Utf8JsonWriter w, string name, string image, string started)
    {
        var normalized = Defaults.NormalizeImage(image);
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteStartObject("state");
        w.WriteStartObject("running");
        w.WriteString("startedAt", started);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("lastState");
        w.WriteEndObject();
        w.WriteBoolean("ready", true);
        w.WriteNumber("restartCount", 0);
        w.WriteString("image", normalized);
        w.WriteString("imageID", normalized.Split(':')[0] + "@sha256:" + ImageDigest(image));
        w.WriteString("containerID", "containerd://" + Index.ToString("x8", CultureInfo.InvariantCulture) + name.Length.ToString("x2", CultureInfo.InvariantCulture) + "0000000000000000000000000000000000000000000000000000d1ce");
        w.WriteBoolean("started", true);
        w.WriteEndObject();
    }

    private static readonly Dictionary<string, string> Digests = Apps.SelectMany(a => a.Sidecar is null ? new[] { a.Image } : new[] { a.Image, a.Sidecar })
        .Distinct().ToDictionary(i => i, Defaults.Hash64);

    private static string ImageDigest(string image) => Digests.TryGetValue(image, out var d) ? d : Defaults.Hash64(image);

    public void Write(Utf8JsonWriter w, StoredObject o)
    {
        var app = Apps[AppIndex];
        var created = JsonUtil.Timestamp(DateTimeOffset.FromUnixTimeSeconds(CreatedUnix));
        w.WriteStartObject();
        w.WriteString("kind", "Pod");
        w.WriteString("apiVersion", "v1");
        w.WriteStartObject("metadata");
        w.WriteString("name", o.Name);
        w.WriteString("namespace", o.Namespace);
        w.WriteString("uid", Uid);
        w.WriteString("resourceVersion", JsonUtil.Rv(o.ResourceVersion));
        w.WriteString("creationTimestamp", created);
        w.WriteStartObject("labels");
        foreach (var kv in o.Labels)
        {
            w.WriteString(kv.Key, kv.Value);
        }
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("spec");
        w.WriteStartArray("containers");
        WriteContainer(w, app.Name, app.Image, app.Port);
        if (app.Sidecar is not null)
        {
            WriteContainer(w, "envoy", app.Sidecar, 15001);
        }
        w.WriteEndArray();
        w.WriteString("restartPolicy", "Always");
        w.WriteNumber("terminationGracePeriodSeconds", 30);
        w.WriteString("dnsPolicy", "ClusterFirst");
        w.WriteString("serviceAccountName", "default");
        w.WriteString("serviceAccount", "default");
        w.WriteString("nodeName", o.NodeName);
        w.WriteStartObject("securityContext");
        w.WriteEndObject();
        w.WriteString("schedulerName", "default-scheduler");
        w.WriteBoolean("enableServiceLinks", true);
        w.WriteEndObject();
        w.WriteStartObject("status");
        w.WriteString("phase", "Running");
        w.WriteStartArray("conditions");
        foreach (var type in ConditionTypes)
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteString("status", "True");
            w.WriteNull("lastProbeTime");
            w.WriteString("lastTransitionTime", created);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("hostIP", HostIp);
        var podIp = "198.51.100." + IpSuffix.ToString(CultureInfo.InvariantCulture);
        w.WriteString("podIP", podIp);
        w.WriteStartArray("podIPs");
        w.WriteStartObject();
        w.WriteString("ip", podIp);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("startTime", created);
        w.WriteStartArray("containerStatuses");
        WriteContainerStatus(w, app.Name, app.Image, created);
        if (app.Sidecar is not null)
        {
            WriteContainerStatus(w, "envoy", app.Sidecar, created);
        }
        w.WriteEndArray();
        w.WriteString("qosClass", "BestEffort");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static readonly string[] ConditionTypes = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"];
}
