using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Kube.Access.Manifests;

/// <summary>
/// A subset of the apiserver's object validation (k8s.io/kubernetes pkg/apis/*/validation) for the kinds the
/// SDK builds: Namespace, Secret, Deployment, Service, Pod. Each problem names its field path like the apiserver.
/// </summary>
internal static class ApiServerRules
{
    public static IReadOnlyList<string> Check(IKubernetesObject<V1ObjectMeta> obj)
    {
        var p = new List<string>();
        switch (obj)
        {
            case V1Namespace ns:
                Meta(ns.Metadata, namespaced: false, KubeNames.CheckDns1123Label, p);
                break;
            case V1Secret secret:
                Meta(secret.Metadata, namespaced: true, KubeNames.CheckDns1123Subdomain, p);
                if (secret.Type == "kubernetes.io/dockercfg")
                {
                    if (secret.Data is null || !secret.Data.TryGetValue(".dockercfg", out var cfg)) p.Add("data[.dockercfg]: Required value");
                    else
                    {
                        try
                        {
                            using var doc = JsonDocument.Parse(cfg);
                            if (doc.RootElement.ValueKind != JsonValueKind.Object) p.Add("data[.dockercfg]: Invalid value: not a JSON object");
                        }
                        catch (JsonException) { p.Add("data[.dockercfg]: Invalid value: invalid JSON"); }
                    }
                }
                foreach (var key in secret.Data?.Keys ?? Array.Empty<string>())
                    if (key.Length == 0 || key.Length > 253 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                        p.Add($"data[{key}]: Invalid value: a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
                break;
            case V1Deployment d:
                Meta(d.Metadata, namespaced: true, KubeNames.CheckDns1123Subdomain, p);
                if (d.Spec is null) { p.Add("spec: Required value"); break; }
                if (d.Spec.Replicas is < 0) p.Add("spec.replicas: Invalid value: must be greater than or equal to 0");
                if (d.Spec.Selector?.MatchLabels is not { Count: > 0 } && d.Spec.Selector?.MatchExpressions is not { Count: > 0 })
                    p.Add("spec.selector: Invalid value: empty selector is invalid for deployment");
                Labels("spec.selector.matchLabels", d.Spec.Selector?.MatchLabels, p);
                var templateLabels = d.Spec.Template?.Metadata?.Labels ?? new Dictionary<string, string>();
                foreach (var (k, v) in d.Spec.Selector?.MatchLabels ?? new Dictionary<string, string>())
                    if (!templateLabels.TryGetValue(k, out var tv) || tv != v)
                        p.Add("spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`");
                Labels("spec.template.metadata.labels", d.Spec.Template?.Metadata?.Labels, p);
                Annotations("spec.template.metadata.annotations", d.Spec.Template?.Metadata?.Annotations, p);
                PodSpec("spec.template.spec", d.Spec.Template?.Spec, p);
                break;
            case V1Pod pod:
                Meta(pod.Metadata, namespaced: true, KubeNames.CheckDns1123Subdomain, p);
                PodSpec("spec", pod.Spec, p);
                break;
            case V1Service s:
                Meta(s.Metadata, namespaced: true, KubeNames.CheckDns1035Label, p);
                if (s.Spec is null) { p.Add("spec: Required value"); break; }
                if (s.Spec.Type is not (null or "ClusterIP" or "NodePort" or "LoadBalancer" or "ExternalName"))
                    p.Add($"spec.type: Unsupported value: \"{s.Spec.Type}\"");
                if (s.Spec.Type != "ExternalName" && s.Spec.Ports is not { Count: > 0 } && s.Spec.ClusterIP != "None")
                    p.Add("spec.ports: Required value");
                Labels("spec.selector", s.Spec.Selector, p);
                var names = new HashSet<string>();
                var keys = new HashSet<(int, string)>();
                for (var i = 0; i < (s.Spec.Ports?.Count ?? 0); i++)
                {
                    var port = s.Spec.Ports![i];
                    var path = $"spec.ports[{i}]";
                    if (s.Spec.Ports.Count > 1 && string.IsNullOrEmpty(port.Name)) p.Add(path + ".name: Required value");
                    if (!string.IsNullOrEmpty(port.Name))
                    {
                        if (KubeNames.CheckDns1123Label(port.Name) is { } e) p.Add($"{path}.name: Invalid value: \"{port.Name}\": {e}");
                        if (!names.Add(port.Name)) p.Add($"{path}.name: Duplicate value: \"{port.Name}\"");
                    }
                    if (port.Port is < 1 or > 65535) p.Add($"{path}.port: Invalid value: {port.Port}: must be between 1 and 65535, inclusive");
                    var protocol = port.Protocol ?? "TCP";
                    if (protocol is not ("TCP" or "UDP" or "SCTP")) p.Add($"{path}.protocol: Unsupported value: \"{protocol}\"");
                    if (!keys.Add((port.Port, protocol))) p.Add($"{path}: Duplicate value: {port.Port}/{protocol}");
                    if (port.TargetPort is { } tp)
                    {
                        if (int.TryParse(tp.Value, out var n))
                        {
                            if (n is < 1 or > 65535) p.Add($"{path}.targetPort: Invalid value: {n}: must be between 1 and 65535, inclusive");
                        }
                        else if (KubeNames.CheckPortName(tp.Value) is { } e) p.Add($"{path}.targetPort: Invalid value: \"{tp.Value}\": {e}");
                    }
                    if (port.NodePort is { } np && s.Spec.Type is not ("NodePort" or "LoadBalancer"))
                        p.Add($"{path}.nodePort: Forbidden: may not be used when `type` is '{s.Spec.Type ?? "ClusterIP"}'");
                }
                break;
        }
        return p;
    }

    private static void Meta(V1ObjectMeta? meta, bool namespaced, Func<string?, string?> nameRule, List<string> p)
    {
        if (meta is null) { p.Add("metadata: Required value"); return; }
        if (string.IsNullOrEmpty(meta.Name) && string.IsNullOrEmpty(meta.GenerateName)) p.Add("metadata.name: Required value: name or generateName is required");
        else if (!string.IsNullOrEmpty(meta.Name) && nameRule(meta.Name) is { } e) p.Add($"metadata.name: Invalid value: \"{meta.Name}\": {e}");
        if (namespaced && meta.NamespaceProperty is { Length: > 0 } ns && KubeNames.CheckDns1123Label(ns) is { } nsError)
            p.Add($"metadata.namespace: Invalid value: \"{ns}\": {nsError}");
        Labels("metadata.labels", meta.Labels, p);
        Annotations("metadata.annotations", meta.Annotations, p);
    }

    private static void Labels(string path, IDictionary<string, string>? labels, List<string> p)
    {
        foreach (var (k, v) in labels ?? new Dictionary<string, string>())
        {
            if (KubeNames.CheckQualifiedName(k) is { } ke) p.Add($"{path}: Invalid value: \"{k}\": {ke}");
            if (KubeNames.CheckLabelValue(v) is { } ve) p.Add($"{path}: Invalid value: \"{v}\": {ve}");
        }
    }

    private static void Annotations(string path, IDictionary<string, string>? annotations, List<string> p)
    {
        long total = 0;
        foreach (var (k, v) in annotations ?? new Dictionary<string, string>())
        {
            if (KubeNames.CheckQualifiedName(k.ToLowerInvariant()) is { } ke) p.Add($"{path}: Invalid value: \"{k}\": {ke}");
            total += k.Length + Encoding.UTF8.GetByteCount(v ?? "");
        }
        if (total > 256 * 1024) p.Add($"{path}: Too long: must have at most 262144 bytes");
    }

    private static void PodSpec(string path, V1PodSpec? spec, List<string> p)
    {
        if (spec is null) { p.Add(path + ": Required value"); return; }
        if (spec.Containers is not { Count: > 0 }) p.Add(path + ".containers: Required value");
        var names = new HashSet<string>();
        var volumes = new HashSet<string>();
        for (var i = 0; i < (spec.Volumes?.Count ?? 0); i++)
        {
            var v = spec.Volumes![i];
            if (KubeNames.CheckDns1123Label(v.Name) is { } e) p.Add($"{path}.volumes[{i}].name: Invalid value: \"{v.Name}\": {e}");
            else if (!volumes.Add(v.Name)) p.Add($"{path}.volumes[{i}].name: Duplicate value: \"{v.Name}\"");
        }
        for (var i = 0; i < (spec.Containers?.Count ?? 0); i++)
        {
            var c = spec.Containers![i];
            var cp = $"{path}.containers[{i}]";
            if (KubeNames.CheckDns1123Label(c.Name) is { } e) p.Add($"{cp}.name: Invalid value: \"{c.Name}\": {e}");
            else if (!names.Add(c.Name)) p.Add($"{cp}.name: Duplicate value: \"{c.Name}\"");
            if (string.IsNullOrEmpty(c.Image)) p.Add($"{cp}.image: Required value");
            else if (c.Image.Trim() != c.Image) p.Add($"{cp}.image: Invalid value: must not have leading or trailing whitespace");
            for (var j = 0; j < (c.Env?.Count ?? 0); j++)
                if (KubeNames.CheckEnvVarName(c.Env![j].Name) is { } ee) p.Add($"{cp}.env[{j}].name: Invalid value: \"{c.Env[j].Name}\": {ee}");
            var portNames = new HashSet<string>();
            for (var j = 0; j < (c.Ports?.Count ?? 0); j++)
            {
                var port = c.Ports![j];
                if (port.ContainerPort is < 1 or > 65535) p.Add($"{cp}.ports[{j}].containerPort: Invalid value: {port.ContainerPort}: must be between 1 and 65535, inclusive");
                if (!string.IsNullOrEmpty(port.Name))
                {
                    if (KubeNames.CheckPortName(port.Name) is { } pe) p.Add($"{cp}.ports[{j}].name: Invalid value: \"{port.Name}\": {pe}");
                    else if (!portNames.Add(port.Name)) p.Add($"{cp}.ports[{j}].name: Duplicate value: \"{port.Name}\"");
                }
            }
            for (var j = 0; j < (c.VolumeMounts?.Count ?? 0); j++)
            {
                var m = c.VolumeMounts![j];
                if (!volumes.Contains(m.Name)) p.Add($"{cp}.volumeMounts[{j}].name: Not found: \"{m.Name}\"");
                if (string.IsNullOrEmpty(m.MountPath)) p.Add($"{cp}.volumeMounts[{j}].mountPath: Required value");
            }
            foreach (var (name, q) in c.Resources?.Requests ?? new Dictionary<string, ResourceQuantity>())
            {
                if (name is not ("cpu" or "memory" or "ephemeral-storage") && !name.Contains('/')) p.Add($"{cp}.resources.requests[{name}]: Invalid value: must be a standard resource type or fully qualified");
                try
                {
                    if (q.ToDecimal() < 0) p.Add($"{cp}.resources.requests[{name}]: Invalid value: must be greater than or equal to 0");
                }
                catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException)
                {
                    p.Add($"{cp}.resources.requests[{name}]: Invalid value: \"{q}\": quantities must match the regular expression");
                }
            }
        }
        foreach (var s in spec.ImagePullSecrets ?? [])
            if (string.IsNullOrEmpty(s.Name)) p.Add($"{path}.imagePullSecrets: Required value");
    }
}
