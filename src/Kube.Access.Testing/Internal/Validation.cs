using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Kube.Access.Testing.Internal;

/// <summary>The apiserver's validation rules the emulator enforces (names, labels, service ports).</summary>
internal static partial class Validation
{
    public const string Dns1123LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    public const string Dns1123SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    public const string Dns1035LabelMessage = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
    public const string LabelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    public const string QualifiedNameMessage = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedName();

    public static bool IsDns1123Label(string s) => s.Length <= 63 && Dns1123Label().IsMatch(s);
    public static bool IsDns1035Label(string s) => s.Length <= 63 && Dns1035Label().IsMatch(s);
    public static bool IsDns1123Subdomain(string s) => s.Length <= 253 && Dns1123Subdomain().IsMatch(s);

    /// <summary>Checks a name against a resource's naming rule; returns the messages (empty when valid).</summary>
    public static List<string> CheckName(NameRule rule, string name)
    {
        var errors = new List<string>();
        switch (rule)
        {
            case NameRule.Dns1123Label:
                if (name.Length > 63) errors.Add("must be no more than 63 characters");
                if (!Dns1123Label().IsMatch(name)) errors.Add(Dns1123LabelMessage);
                break;
            case NameRule.Dns1035Label:
                if (name.Length > 63) errors.Add("must be no more than 63 characters");
                if (!Dns1035Label().IsMatch(name)) errors.Add(Dns1035LabelMessage);
                break;
            case NameRule.Dns1123Subdomain:
                if (name.Length > 253) errors.Add("must be no more than 253 characters");
                if (!Dns1123Subdomain().IsMatch(name)) errors.Add(Dns1123SubdomainMessage);
                break;
            default:
                if (name is "." or "..") errors.Add($"may not be '{name}'");
                else if (name.Contains('/') || name.Contains('%')) errors.Add("may not contain '/' or '%'");
                break;
        }
        return errors;
    }

    /// <summary>Validates an object about to be stored; throws 422 Invalid with causes.</summary>
    public static void Validate(ResourceDef def, JsonObject obj, string name)
    {
        var errors = new List<FieldError>();
        foreach (var m in CheckName(def.NameRule, name))
        {
            errors.Add(FieldError.Invalid("metadata.name", name, m));
        }
        var meta = obj["metadata"] as JsonObject;
        if (meta?["labels"] is JsonObject labels)
        {
            foreach (var (k, v) in labels)
            {
                var value = v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : v?.ToJsonString() ?? "";
                CheckLabelKey(k, errors);
                if (value.Length > 63)
                {
                    errors.Add(FieldError.Invalid("metadata.labels", value, "must be no more than 63 characters"));
                }
                if (!LabelValue().IsMatch(value))
                {
                    errors.Add(FieldError.Invalid("metadata.labels", value, LabelValueMessage));
                }
            }
        }
        if (def.Kind == "Service")
        {
            ValidateService(obj, errors);
        }
        else if (def.Kind == "Pod")
        {
            ValidatePodSpec(obj["spec"] as JsonObject, "spec", errors);
        }
        else if (def.Kind is "Deployment" or "ReplicaSet" or "StatefulSet" or "DaemonSet")
        {
            ValidatePodSpec((obj["spec"]?["template"] as JsonObject)?["spec"] as JsonObject, "spec.template.spec", errors);
            var selector = obj["spec"]?["selector"] as JsonObject;
            if (selector is null || selector.Count == 0)
            {
                errors.Add(FieldError.Required("spec.selector"));
            }
            else if (def.Kind != "DaemonSet" && obj["spec"]?["template"]?["metadata"]?["labels"] is JsonObject templateLabels
                && selector["matchLabels"] is JsonObject ml
                && ml.Any(kv => JsonUtil.Str(templateLabels[kv.Key]) != JsonUtil.Str(kv.Value)))
            {
                errors.Add(FieldError.Invalid("spec.template.metadata.labels", templateLabels.ToJsonString(), "`selector` does not match template `labels`"));
            }
        }
        if (errors.Count > 0)
        {
            throw ApiException.Invalid(def, name, errors);
        }
    }

    private static void CheckLabelKey(string key, List<FieldError> errors)
    {
        var slash = key.IndexOf('/');
        var namePart = slash >= 0 ? key[(slash + 1)..] : key;
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (!IsDns1123Subdomain(prefix))
            {
                errors.Add(FieldError.Invalid("metadata.labels", key, "prefix part " + Dns1123SubdomainMessage));
            }
        }
        if (namePart.Length == 0 || namePart.Length > 63 || !QualifiedName().IsMatch(namePart))
        {
            errors.Add(FieldError.Invalid("metadata.labels", key, QualifiedNameMessage));
        }
    }

    private static void ValidatePodSpec(JsonObject? spec, string path, List<FieldError> errors)
    {
        if (spec?["containers"] is not JsonArray containers || containers.Count == 0)
        {
            errors.Add(FieldError.Required(path + ".containers"));
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i] as JsonObject;
            var cname = JsonUtil.Str(c?["name"]);
            if (string.IsNullOrEmpty(cname))
            {
                errors.Add(FieldError.Required($"{path}.containers[{i}].name"));
            }
            else
            {
                if (!IsDns1123Label(cname))
                {
                    errors.Add(FieldError.Invalid($"{path}.containers[{i}].name", cname, Dns1123LabelMessage));
                }
                if (!seen.Add(cname))
                {
                    errors.Add(FieldError.Duplicate($"{path}.containers[{i}].name", cname));
                }
            }
            if (string.IsNullOrEmpty(JsonUtil.Str(c?["image"])))
            {
                errors.Add(FieldError.Required($"{path}.containers[{i}].image"));
            }
        }
    }

    private static void ValidateService(JsonObject obj, List<FieldError> errors)
    {
        var spec = obj["spec"] as JsonObject;
        var type = JsonUtil.Str(spec?["type"]) ?? "ClusterIP";
        string[] types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
        if (!types.Contains(type))
        {
            errors.Add(FieldError.NotSupported("spec.type", type, types));
            return;
        }
        if (type == "ExternalName")
        {
            return;
        }
        var ports = spec?["ports"] as JsonArray;
        var headless = JsonUtil.Str(spec?["clusterIP"]) == "None";
        if (ports is null || ports.Count == 0)
        {
            if (!headless)
            {
                errors.Add(FieldError.Required("spec.ports"));
            }
            return;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            var p = ports[i] as JsonObject;
            var portNode = p?["port"];
            var port = portNode is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0;
            if (port < 1 || port > 65535)
            {
                errors.Add(FieldError.Invalid($"spec.ports[{i}].port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be between 1 and 65535, inclusive"));
            }
            var name = JsonUtil.Str(p?["name"]);
            if (ports.Count > 1 && string.IsNullOrEmpty(name))
            {
                errors.Add(FieldError.Required($"spec.ports[{i}].name"));
            }
            if (!string.IsNullOrEmpty(name))
            {
                if (!IsDns1123Label(name))
                {
                    errors.Add(FieldError.Invalid($"spec.ports[{i}].name", name, Dns1123LabelMessage));
                }
                if (!names.Add(name))
                {
                    errors.Add(FieldError.Duplicate($"spec.ports[{i}].name", name));
                }
            }
            if (p?["nodePort"] is JsonValue np && np.TryGetValue<int>(out var nodePort) && nodePort != 0 && (nodePort < 30000 || nodePort > 32767))
            {
                errors.Add(FieldError.Invalid($"spec.ports[{i}].nodePort", nodePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "provided port is not in the valid range. The range of valid ports is 30000-32767"));
            }
        }
    }
}
