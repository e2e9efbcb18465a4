using System.Globalization;
using k8s;
using k8s.Models;

namespace Kube.Access.Deploy;

/// <summary>The objects the deploy wizard creates, in KubernetesClient's model types.</summary>
/// <param name="Deployment">The deployment (always).</param>
/// <param name="Service">The service, when an internal or external service was chosen.</param>
/// <param name="Secret">The image pull secret, when it is created from a <c>.dockercfg</c>.</param>
/// <param name="Namespace">The namespace, when it is to be created.</param>
public sealed record AppManifests(V1Deployment Deployment, V1Service? Service, V1Secret? Secret, V1Namespace? Namespace)
{
    /// <summary>Every object in creation order: namespace, secret, deployment, service.</summary>
    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> All
    {
        get
        {
            var list = new List<IKubernetesObject<V1ObjectMeta>>(4);
            if (Namespace is not null) list.Add(Namespace);
            if (Secret is not null) list.Add(Secret);
            list.Add(Deployment);
            if (Service is not null) list.Add(Service);
            return list;
        }
    }

    /// <summary>The objects as one multi-document YAML stream (what <c>kubectl apply -f</c> takes).</summary>
    /// <remarks>
    /// An object whose YAML would not read back as the same object (KubernetesClient's emitter writes some strings, such
    /// as one starting with a tab, as plain scalars) is written as a JSON document instead, which YAML readers take as is.
    /// </remarks>
    public string ToYaml() => string.Join("---\n", All.Select(o => WizardYaml.Write(o).TrimEnd('\n') + "\n"));
}

/// <summary>Builds the wizard's objects the way the dashboard's backend does.</summary>
internal static class AppManifestBuilder
{
    public static AppManifests Build(AppDeploymentSpec spec)
    {
        var problems = AppDeploymentRules.Validate(spec);
        if (problems.Count > 0) throw new AppDeploymentValidationException(problems);

        var name = spec.EffectiveName;
        var ns = spec.Namespace;
        ImageReference.TryParse(spec.Image, out var image, out _);

        var labels = new Dictionary<string, string>(StringComparer.Ordinal) { [AppDeploymentSpec.AppLabelKey] = name };
        var version = spec.Version ?? (image?.Tag is { } tag && KubeNames.CheckLabelValue(tag) is null ? tag : null);
        if (!string.IsNullOrEmpty(version)) labels[AppDeploymentSpec.VersionLabelKey] = version;
        foreach (var label in spec.Labels ?? []) labels[label.Key] = label.Value;

        Dictionary<string, string>? annotations = string.IsNullOrEmpty(spec.Description)
            ? null
            : new Dictionary<string, string>(StringComparer.Ordinal) { [AppDeploymentSpec.DescriptionAnnotation] = spec.Description };

        V1ObjectMeta Meta() => new()
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal),
            Annotations = annotations is null ? null : new Dictionary<string, string>(annotations, StringComparer.Ordinal),
        };

        var container = new V1Container
        {
            Name = name,
            Image = spec.Image,
            SecurityContext = new V1SecurityContext { Privileged = spec.RunAsPrivileged },
        };
        if (spec.CpuRequestCores is not null || spec.MemoryRequestMiB is not null)
        {
            var requests = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
            if (spec.CpuRequestCores is { } cpu) requests["cpu"] = new ResourceQuantity(FormatCpu(cpu));
            if (spec.MemoryRequestMiB is { } memory) requests["memory"] = new ResourceQuantity(FormatMemory(memory));
            container.Resources = new V1ResourceRequirements { Requests = requests };
        }
        if (spec.Command is { Count: > 0 } command) container.Command = command.ToList();
        if (spec.Arguments is { Count: > 0 } args) container.Args = args.ToList();
        if (spec.EnvironmentVariables is { Count: > 0 } env)
            container.Env = env.Select(v => new V1EnvVar { Name = v.Name, Value = v.Value }).ToList();

        var podSpec = new V1PodSpec { Containers = [container] };
        if (spec.ImagePullSecret is { } pullSecret)
            podSpec.ImagePullSecrets = [new V1LocalObjectReference { Name = pullSecret.Name }];

        var templateMeta = new V1ObjectMeta
        {
            Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal),
            Annotations = annotations is null ? null : new Dictionary<string, string>(annotations, StringComparer.Ordinal),
        };
        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Meta(),
            Spec = new V1DeploymentSpec
            {
                Replicas = spec.Replicas,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(labels, StringComparer.Ordinal) },
                Template = new V1PodTemplateSpec { Metadata = templateMeta, Spec = podSpec },
            },
        };

        V1Service? service = null;
        if (spec.Service != AppServiceKind.None)
        {
            service = new V1Service
            {
                ApiVersion = "v1",
                Kind = "Service",
                Metadata = Meta(),
                Spec = new V1ServiceSpec
                {
                    Type = spec.Service == AppServiceKind.External ? "LoadBalancer" : "ClusterIP",
                    Selector = new Dictionary<string, string>(labels, StringComparer.Ordinal),
                    Ports = spec.PortMappings.Select(m => new V1ServicePort
                    {
                        Name = PortName(m),
                        Protocol = AppDeploymentRules.ProtocolName(m.Protocol),
                        Port = m.Port,
                        TargetPort = m.TargetPort,
                    }).ToList(),
                },
            };
        }

        V1Secret? secret = null;
        if (spec.ImagePullSecret is { DockerConfigBase64: { } cfg } s)
        {
            AppDeploymentRules.CheckDockerCfg(cfg, out var bytes);
            secret = new V1Secret
            {
                ApiVersion = "v1",
                Kind = "Secret",
                Metadata = new V1ObjectMeta { Name = s.Name, NamespaceProperty = ns },
                Type = "kubernetes.io/dockercfg",
                Data = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [".dockercfg"] = bytes },
            };
        }

        var nsObject = spec.CreateNamespace
            ? new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = ns } }
            : null;

        return new AppManifests(deployment, service, secret, nsObject);
    }

    /// <summary>The service port name: protocol, port and target port (the dashboard adds a random suffix; ours is stable).</summary>
    internal static string PortName(AppPortMapping m) =>
        string.Create(CultureInfo.InvariantCulture, $"{AppDeploymentRules.ProtocolName(m.Protocol).ToLowerInvariant()}-{m.Port}-{m.TargetPort}");

    internal static string FormatCpu(decimal cores)
    {
        if (decimal.Truncate(cores) == cores) return decimal.Truncate(cores).ToString(CultureInfo.InvariantCulture);
        return decimal.Truncate(cores * 1000m).ToString(CultureInfo.InvariantCulture) + "m";
    }

    internal static string FormatMemory(decimal mib)
    {
        if (decimal.Truncate(mib) == mib) return decimal.Truncate(mib).ToString(CultureInfo.InvariantCulture) + "Mi";
        return decimal.Truncate(mib * 1_048_576m).ToString(CultureInfo.InvariantCulture);
    }
}
