using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kube.Access.Manifests;

namespace Kube.Access.Deploy;

/// <summary>The deploy wizard's rules, each reporting with the field path it applies to.</summary>
internal static partial class AppDeploymentRules
{
    /// <summary>The apiserver's limit on the total size of an object's annotations.</summary>
    internal const int AnnotationsMaxBytes = 256 * 1024;

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex AppNameRegex();

    public static IReadOnlyList<SpecProblem> Validate(AppDeploymentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = new List<SpecProblem>();
        void Add(string field, string? value, string message) => problems.Add(new SpecProblem(field, value, message));

        // Name
        var name = spec.EffectiveName;
        if (name.Length == 0) Add("name", spec.Name, "the application name is required");
        else
        {
            if (name.Length > AppDeploymentSpec.NameMaxLength)
                Add("name", name, $"must be no more than {AppDeploymentSpec.NameMaxLength} characters");
            if (!AppNameRegex().IsMatch(name))
                Add("name", name, "must start with a lowercase letter, end with a lowercase letter or digit, and contain only lowercase letters, digits and '-'");
        }

        // Image
        ImageReference? image = null;
        if (string.IsNullOrWhiteSpace(spec.Image)) Add("image", spec.Image, "the container image is required");
        else if (spec.Image != spec.Image.Trim()) Add("image", spec.Image, "must not have leading or trailing whitespace");
        else if (!ImageReference.TryParse(spec.Image, out image, out var imageError)) Add("image", spec.Image, imageError);

        // Replicas
        if (spec.Replicas < 1) Add("replicas", spec.Replicas.ToString(CultureInfo.InvariantCulture), "the number of pods must be a positive integer");

        // Service and port mappings
        if (!Enum.IsDefined(spec.Service)) Add("service", spec.Service.ToString(), "must be None, Internal or External");
        var mappings = spec.PortMappings ?? [];
        if (spec.Service is AppServiceKind.Internal or AppServiceKind.External && mappings.Count == 0)
            Add("portMappings", null, "a service needs at least one port mapping (port and target port)");
        if (spec.Service == AppServiceKind.None && mappings.Count > 0)
            Add("service", "None", "port mappings were given but no service was chosen (internal or external)");
        var seen = new HashSet<(int, AppPortProtocol)>();
        for (var i = 0; i < mappings.Count; i++)
        {
            var m = mappings[i];
            var path = $"portMappings[{i}]";
            if (m is null)
            {
                Add(path, null, "must not be null");
                continue;
            }
            if (m.Port is < 1 or > 65535) Add(path + ".port", m.Port.ToString(CultureInfo.InvariantCulture), "must be between 1 and 65535, inclusive");
            if (m.TargetPort is < 1 or > 65535) Add(path + ".targetPort", m.TargetPort.ToString(CultureInfo.InvariantCulture), "must be between 1 and 65535, inclusive");
            if (!Enum.IsDefined(m.Protocol)) Add(path + ".protocol", m.Protocol.ToString(), "supported values: \"TCP\", \"UDP\"");
            else if (m.Protocol == AppPortProtocol.Udp && spec.Service == AppServiceKind.External)
                Add(path + ".protocol", "UDP", "UDP is not supported for an external (LoadBalancer) service; use TCP or an internal service");
            if (!seen.Add((m.Port, m.Protocol)))
                Add(path, $"{m.Port}/{ProtocolName(m.Protocol)}", "duplicate port and protocol");
        }

        // Description (an annotation)
        if (spec.Description is { } description &&
            Encoding.UTF8.GetByteCount(description) + AppDeploymentSpec.DescriptionAnnotation.Length > AnnotationsMaxBytes)
            Add("description", null, $"annotations must have at most {AnnotationsMaxBytes} bytes");
        if (spec.Description is { } text && PrintableText.Check(text) is { } textError) Add("description", null, textError);

        // Labels
        var keys = new Dictionary<string, string>(StringComparer.Ordinal) { [AppDeploymentSpec.AppLabelKey] = "the application name" };
        if (spec.Version is { } version)
        {
            var versionError = KubeNames.CheckLabelValue(version);
            if (versionError is not null) Add("version", version, versionError);
        }
        if (spec.Version is not null || (image?.Tag is { } t && KubeNames.CheckLabelValue(t) is null))
            keys[AppDeploymentSpec.VersionLabelKey] = "the version (image tag)";
        var labels = spec.Labels ?? [];
        for (var i = 0; i < labels.Count; i++)
        {
            var label = labels[i];
            var path = $"labels[{i}]";
            if (label is null)
            {
                Add(path, null, "must not be null");
                continue;
            }
            var keyError = KubeNames.CheckQualifiedName(label.Key);
            if (keyError is not null) Add(path + ".key", label.Key, keyError);
            else if (keys.TryGetValue(label.Key, out var owner))
                Add(path + ".key", label.Key, label.Key is AppDeploymentSpec.AppLabelKey or AppDeploymentSpec.VersionLabelKey
                    ? $"the '{label.Key}' label is set by the wizard from {owner}"
                    : "duplicate label key");
            else keys[label.Key] = "an earlier label";
            var valueError = KubeNames.CheckLabelValue(label.Value);
            if (label.Value is null) Add(path + ".value", null, "must not be null");
            else if (valueError is not null) Add(path + ".value", label.Value, valueError);
        }

        // Namespace
        var ns = spec.Namespace;
        if (string.IsNullOrEmpty(ns)) Add("namespace", ns, "the namespace is required");
        else
        {
            if (ns.Length > KubeNames.DnsLabelMaxLength) Add("namespace", ns, $"must be no more than {KubeNames.DnsLabelMaxLength} characters");
            else if (KubeNames.CheckDns1123Label(ns) is { } nsError) Add("namespace", ns, nsError);
            if (ns.All(char.IsAsciiDigit)) Add("namespace", ns, "must not consist of digits only");
        }

        // Image pull secret
        if (spec.ImagePullSecret is { } secret)
        {
            if (KubeNames.CheckDns1123Subdomain(secret.Name) is { } secretError) Add("imagePullSecret.name", secret.Name, secretError);
            if (secret.DockerConfigBase64 is { } cfg)
            {
                var problem = CheckDockerCfg(cfg, out _);
                if (problem is not null) Add("imagePullSecret.dockerConfigBase64", null, problem);
            }
        }

        // Resources
        if (spec.CpuRequestCores is { } cpu)
        {
            if (cpu < 0) Add("cpuRequestCores", cpu.ToString(CultureInfo.InvariantCulture), "must be greater than or equal to 0");
            else if (decimal.Round(cpu, 3) != cpu) Add("cpuRequestCores", cpu.ToString(CultureInfo.InvariantCulture), "must be a whole number of millicores (at most 3 decimals)");
        }
        if (spec.MemoryRequestMiB is { } memory)
        {
            if (memory < 0) Add("memoryRequestMiB", memory.ToString(CultureInfo.InvariantCulture), "must be greater than or equal to 0");
            else if (memory > 1_000_000_000m) Add("memoryRequestMiB", memory.ToString(CultureInfo.InvariantCulture), "is larger than any node");
            else if (decimal.Truncate(memory * 1_048_576m) != memory * 1_048_576m) Add("memoryRequestMiB", memory.ToString(CultureInfo.InvariantCulture), "must be a whole number of bytes");
        }

        // Command and arguments
        CheckWords("command", spec.Command, Add);
        CheckWords("arguments", spec.Arguments, Add);

        // Environment variables
        var variables = spec.EnvironmentVariables ?? [];
        var defined = new HashSet<string>(StringComparer.Ordinal);
        var all = new HashSet<string>(variables.Where(v => v?.Name is not null).Select(v => v.Name), StringComparer.Ordinal);
        for (var i = 0; i < variables.Count; i++)
        {
            var v = variables[i];
            var path = $"environmentVariables[{i}]";
            if (v is null)
            {
                Add(path, null, "must not be null");
                continue;
            }
            if (!KubeNames.IsCIdentifier(v.Name)) Add(path + ".name", v.Name, "must be a C identifier: a letter or '_' first, then letters, digits or '_'");
            else if (defined.Contains(v.Name)) Add(path + ".name", v.Name, "duplicate variable name");
            if (v.Value is null) Add(path + ".value", null, "must not be null");
            else if (PrintableText.Check(v.Value) is { } valueText) Add(path + ".value", null, valueText);
            else
            {
                var references = VariableReferences.Find(v.Value, out var unclosed);
                foreach (var reference in references)
                {
                    if (!KubeNames.IsCIdentifier(reference.Name))
                        Add(path + ".value", v.Value, $"'$({reference.Name})' does not name a variable");
                    else if (!defined.Contains(reference.Name) && all.Contains(reference.Name))
                        Add(path + ".value", v.Value, $"'$({reference.Name})' refers to a variable defined at or after this one; only earlier variables are expanded");
                }
                if (unclosed >= 0) Add(path + ".value", v.Value, $"unclosed '$(' at offset {unclosed}");
            }
            if (v.Name is not null) defined.Add(v.Name);
        }

        return problems;
    }

    private static void CheckWords(string field, IReadOnlyList<string>? words, Action<string, string?, string> add)
    {
        if (words is null) return;
        for (var i = 0; i < words.Count; i++)
        {
            var w = words[i];
            if (w is null) add($"{field}[{i}]", null, "must not be null");
            else if (field == "command" && w.Length == 0) add($"{field}[{i}]", w, "must not be empty");
            else if (PrintableText.Check(w) is { } wordError) add($"{field}[{i}]", null, wordError);
            else
            {
                VariableReferences.Find(w, out var unclosed);
                if (unclosed >= 0) add($"{field}[{i}]", w, $"unclosed '$(' at offset {unclosed}");
            }
        }
    }

    /// <summary>Checks a base64 <c>.dockercfg</c>: valid base64 of a JSON object, as the apiserver requires for kubernetes.io/dockercfg.</summary>
    internal static string? CheckDockerCfg(string base64, out byte[] decoded)
    {
        decoded = [];
        if (string.IsNullOrWhiteSpace(base64)) return "the .dockercfg content is required";
        try
        {
            decoded = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            return "must be base64-encoded";
        }
        try
        {
            using var doc = JsonDocument.Parse(decoded);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return "the decoded .dockercfg must be a JSON object";
        }
        catch (JsonException ex)
        {
            return "the decoded .dockercfg is not valid JSON: " + ex.Message;
        }
        return null;
    }

    internal static string ProtocolName(AppPortProtocol protocol) => protocol == AppPortProtocol.Udp ? "UDP" : "TCP";
}
