using System.Globalization;
using k8s.Models;
using Kube.Access.Manifests;

namespace Kube.Access.Pods;

/// <summary>
/// Builds a multi-container pod whose containers share <c>emptyDir</c> volumes (the guide's "communicate between
/// containers in the same pod using a shared volume"). Every name is checked as the API server checks it, and
/// <see cref="Build"/> returns nothing unless the whole pod is valid.
/// </summary>
/// <example>
/// <code>
/// V1Pod pod = new PodBuilder("two-containers")
///     .WithRestartPolicy("Never")
///     .WithEmptyDir("shared-data")
///     .AddContainer("nginx-container", "nginx", mount: "/usr/share/nginx/html")
///     .AddContainer("debian-container", "debian", mount: "/pod-data",
///         command: ["/bin/sh"], args: ["-c", "echo Hello from the debian container > /pod-data/index.html"])
///     .Build();
/// </code>
/// </example>
public sealed class PodBuilder
{
    private readonly List<(string Name, string? Medium)> _volumes = [];
    private readonly List<ContainerBuilder> _containers = [];
    private readonly List<KeyValuePair<string, string>> _labels = [];
    private string? _namespace;
    private string? _restartPolicy;

    /// <summary>Starts a pod named <paramref name="name"/> (a DNS-1123 subdomain).</summary>
    public PodBuilder(string name) => Name = name;

    /// <summary>The pod's name.</summary>
    public string Name { get; }

    /// <summary>Sets the pod's namespace (a DNS-1123 label); without it the pod has none and lands in the client's.</summary>
    public PodBuilder WithNamespace(string @namespace)
    {
        _namespace = @namespace;
        return this;
    }

    /// <summary>Adds a label (a qualified-name key and a label value).</summary>
    public PodBuilder WithLabel(string key, string value)
    {
        _labels.Add(new(key, value));
        return this;
    }

    /// <summary>Sets <c>spec.restartPolicy</c>: <c>Always</c>, <c>OnFailure</c> or <c>Never</c>.</summary>
    public PodBuilder WithRestartPolicy(string restartPolicy)
    {
        _restartPolicy = restartPolicy;
        return this;
    }

    /// <summary>
    /// Adds an <c>emptyDir</c> volume named <paramref name="name"/> (a DNS-1123 label, unique in the pod) that
    /// containers share; <paramref name="medium"/> is <c>Memory</c> for a tmpfs, else the node's disk.
    /// </summary>
    public PodBuilder WithEmptyDir(string name, string? medium = null)
    {
        _volumes.Add((name, medium));
        return this;
    }

    /// <summary>
    /// Adds a container. <paramref name="mount"/> mounts a volume at that path: the volume named
    /// <paramref name="volume"/>, or the pod's only volume when <paramref name="volume"/> is omitted.
    /// </summary>
    public PodBuilder AddContainer(
        string name,
        string image,
        string? mount = null,
        string? volume = null,
        IReadOnlyList<string>? command = null,
        IReadOnlyList<string>? args = null,
        bool readOnly = false)
    {
        var container = new ContainerBuilder(name, image);
        if (mount is not null)
        {
            container.Mount(volume, mount, readOnly);
        }
        if (command is not null)
        {
            container.Command([.. command]);
        }
        if (args is not null)
        {
            container.Args([.. args]);
        }
        _containers.Add(container);
        return this;
    }

    /// <summary>Adds a container and configures it further (several mounts, ports, environment).</summary>
    public PodBuilder AddContainer(string name, string image, Action<ContainerBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var container = new ContainerBuilder(name, image);
        configure(container);
        _containers.Add(container);
        return this;
    }

    /// <summary>Every problem with the pod as built so far, each with its field path; empty when it is valid.</summary>
    public IReadOnlyList<PodProblem> Validate()
    {
        var problems = new List<PodProblem>();
        void Add(PodProblemKind kind, string field, string? value, string message) => problems.Add(new PodProblem(kind, field, value, message));

        if (KubeNames.CheckDns1123Subdomain(Name) is { } nameError)
        {
            Add(PodProblemKind.InvalidName, "metadata.name", Name, nameError);
        }
        if (_namespace is not null && KubeNames.CheckDns1123Label(_namespace) is { } nsError)
        {
            Add(PodProblemKind.InvalidName, "metadata.namespace", _namespace, nsError);
        }
        for (var i = 0; i < _labels.Count; i++)
        {
            var (key, value) = (_labels[i].Key, _labels[i].Value);
            if (KubeNames.CheckQualifiedName(key) is { } keyError)
            {
                Add(PodProblemKind.InvalidName, "metadata.labels", key, keyError);
            }
            else if (value is null || KubeNames.CheckLabelValue(value) is not null)
            {
                Add(PodProblemKind.InvalidValue, $"metadata.labels[{key}]", value, KubeNames.CheckLabelValue(value) ?? "must not be null");
            }
            if (_labels.Take(i).Any(l => l.Key == key))
            {
                Add(PodProblemKind.Duplicate, "metadata.labels", key, "duplicate label key");
            }
        }
        if (_restartPolicy is not null && _restartPolicy is not ("Always" or "OnFailure" or "Never"))
        {
            Add(PodProblemKind.InvalidValue, "spec.restartPolicy", _restartPolicy, "supported values: \"Always\", \"OnFailure\", \"Never\"");
        }

        var volumeNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < _volumes.Count; i++)
        {
            var (name, medium) = _volumes[i];
            var field = $"spec.volumes[{i}]";
            if (KubeNames.CheckDns1123Label(name) is { } error)
            {
                Add(PodProblemKind.InvalidName, field + ".name", name, error);
            }
            else if (!volumeNames.Add(name))
            {
                Add(PodProblemKind.Duplicate, field + ".name", name, "duplicate volume name");
            }
            if (medium is not (null or "" or "Memory"))
            {
                Add(PodProblemKind.InvalidValue, field + ".emptyDir.medium", medium, "supported values: \"\", \"Memory\"");
            }
        }

        if (_containers.Count == 0)
        {
            Add(PodProblemKind.Missing, "spec.containers", null, "a pod needs at least one container");
        }
        var containerNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < _containers.Count; i++)
        {
            _containers[i].Validate($"spec.containers[{i}]", volumeNames, _volumes.Count == 1 ? _volumes[0].Name : null, containerNames, problems);
        }
        return problems;
    }

    /// <summary>The pod (<c>v1</c> <c>Pod</c>), volumes and containers in the order they were added.</summary>
    /// <exception cref="PodSpecException">The pod breaks a rule; <see cref="PodSpecException.Problems"/> lists every one.</exception>
    public V1Pod Build()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new PodSpecException(Name, problems);
        }
        var onlyVolume = _volumes.Count == 1 ? _volumes[0].Name : null;
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = Name,
                NamespaceProperty = _namespace,
                Labels = _labels.Count == 0 ? null : _labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal),
            },
            Spec = new V1PodSpec
            {
                RestartPolicy = _restartPolicy,
                Volumes = _volumes.Count == 0 ? null : _volumes
                    .Select(v => new V1Volume { Name = v.Name, EmptyDir = new V1EmptyDirVolumeSource { Medium = string.IsNullOrEmpty(v.Medium) ? null : v.Medium } })
                    .ToList(),
                Containers = _containers.Select(c => c.Build(onlyVolume)).ToList(),
            },
        };
    }
}

/// <summary>One container of a <see cref="PodBuilder"/> pod: image, command, mounts, ports and environment.</summary>
public sealed class ContainerBuilder
{
    private readonly List<(string? Volume, string Path, bool ReadOnly)> _mounts = [];
    private readonly List<(int Port, string? Name, string Protocol)> _ports = [];
    private readonly List<KeyValuePair<string, string>> _env = [];
    private List<string>? _command;
    private List<string>? _args;

    internal ContainerBuilder(string name, string image)
    {
        Name = name;
        Image = image;
    }

    /// <summary>The container's name (a DNS-1123 label, unique in the pod).</summary>
    public string Name { get; }

    /// <summary>The container's image.</summary>
    public string Image { get; }

    /// <summary>Mounts <paramref name="volume"/> (the pod's only volume when null) at <paramref name="mountPath"/>.</summary>
    public ContainerBuilder Mount(string? volume, string mountPath, bool readOnly = false)
    {
        _mounts.Add((volume, mountPath, readOnly));
        return this;
    }

    /// <summary>Sets the entrypoint (<c>command</c>).</summary>
    public ContainerBuilder Command(params string[] command)
    {
        _command = command is null ? null : [.. command];
        return this;
    }

    /// <summary>Sets the arguments (<c>args</c>).</summary>
    public ContainerBuilder Args(params string[] args)
    {
        _args = args is null ? null : [.. args];
        return this;
    }

    /// <summary>Declares a container port (1-65535; an optional IANA port name; TCP, UDP or SCTP).</summary>
    public ContainerBuilder Port(int containerPort, string? name = null, string protocol = "TCP")
    {
        _ports.Add((containerPort, name, protocol));
        return this;
    }

    /// <summary>Sets an environment variable.</summary>
    public ContainerBuilder Env(string name, string value)
    {
        _env.Add(new(name, value));
        return this;
    }

    internal void Validate(string field, HashSet<string> volumes, string? onlyVolume, HashSet<string> containerNames, List<PodProblem> problems)
    {
        void Add(PodProblemKind kind, string f, string? value, string message) => problems.Add(new PodProblem(kind, f, value, message));

        if (KubeNames.CheckDns1123Label(Name) is { } nameError)
        {
            Add(PodProblemKind.InvalidName, field + ".name", Name, nameError);
        }
        else if (!containerNames.Add(Name))
        {
            Add(PodProblemKind.Duplicate, field + ".name", Name, "duplicate container name");
        }
        if (string.IsNullOrWhiteSpace(Image))
        {
            Add(PodProblemKind.Missing, field + ".image", Image, "the container image is required");
        }
        else if (Image != Image.Trim())
        {
            Add(PodProblemKind.InvalidValue, field + ".image", Image, "must not have leading or trailing whitespace");
        }

        var paths = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < _mounts.Count; i++)
        {
            var (volume, path, _) = _mounts[i];
            var f = $"{field}.volumeMounts[{i}]";
            var name = volume ?? onlyVolume;
            if (name is null)
            {
                Add(PodProblemKind.UnknownVolume, f + ".name", null,
                    volumes.Count == 0 ? "the pod has no volume to mount (add one with WithEmptyDir)" : "the pod has several volumes: name the one to mount");
            }
            else if (!volumes.Contains(name))
            {
                Add(PodProblemKind.UnknownVolume, f + ".name", name, "not found: the pod has no volume of that name");
            }
            if (string.IsNullOrEmpty(path))
            {
                Add(PodProblemKind.Missing, f + ".mountPath", path, "the mount path is required");
            }
            else if (path.Contains(':', StringComparison.Ordinal))
            {
                Add(PodProblemKind.InvalidValue, f + ".mountPath", path, "must not contain ':'");
            }
            else if (!paths.Add(path))
            {
                Add(PodProblemKind.Duplicate, f + ".mountPath", path, "must be unique");
            }
        }

        var ports = new HashSet<(int, string)>();
        for (var i = 0; i < _ports.Count; i++)
        {
            var (port, name, protocol) = _ports[i];
            var f = $"{field}.ports[{i}]";
            if (port is < 1 or > 65535)
            {
                Add(PodProblemKind.InvalidValue, f + ".containerPort", port.ToString(CultureInfo.InvariantCulture), "must be between 1 and 65535, inclusive");
            }
            if (name is not null && KubeNames.CheckPortName(name) is { } portNameError)
            {
                Add(PodProblemKind.InvalidName, f + ".name", name, portNameError);
            }
            if (protocol is not ("TCP" or "UDP" or "SCTP"))
            {
                Add(PodProblemKind.InvalidValue, f + ".protocol", protocol, "supported values: \"SCTP\", \"TCP\", \"UDP\"");
            }
            else if (!ports.Add((port, protocol)))
            {
                Add(PodProblemKind.Duplicate, f, $"{port}/{protocol}", "duplicate container port and protocol");
            }
        }

        for (var i = 0; i < _env.Count; i++)
        {
            if (KubeNames.CheckEnvVarName(_env[i].Key) is { } envError)
            {
                Add(PodProblemKind.InvalidName, $"{field}.env[{i}].name", _env[i].Key, envError);
            }
        }
    }

    internal V1Container Build(string? onlyVolume) => new()
    {
        Name = Name,
        Image = Image,
        Command = _command,
        Args = _args,
        Ports = _ports.Count == 0 ? null : _ports.Select(p => new V1ContainerPort { ContainerPort = p.Port, Name = p.Name, Protocol = p.Protocol }).ToList(),
        Env = _env.Count == 0 ? null : _env.Select(e => new V1EnvVar { Name = e.Key, Value = e.Value }).ToList(),
        VolumeMounts = _mounts.Count == 0 ? null : _mounts
            .Select(m => new V1VolumeMount { Name = m.Volume ?? onlyVolume, MountPath = m.Path, ReadOnlyProperty = m.ReadOnly ? true : null })
            .ToList(),
    };
}

/// <summary>What kind of rule a pod broke.</summary>
public enum PodProblemKind
{
    /// <summary>A name is not a valid DNS-1123 label/subdomain (or port, label or variable name).</summary>
    InvalidName,

    /// <summary>Two containers, volumes, mount paths, ports or labels share a name.</summary>
    Duplicate,

    /// <summary>A mount names a volume the pod does not have.</summary>
    UnknownVolume,

    /// <summary>Something required is missing (a container, an image, a mount path).</summary>
    Missing,

    /// <summary>A value is out of range or not one of the allowed values.</summary>
    InvalidValue,
}

/// <summary>One broken rule of a pod: its kind, the field path (<c>spec.containers[1].name</c>), the value and why.</summary>
/// <param name="Kind">Which rule.</param>
/// <param name="Field">The field path, as the API server names it.</param>
/// <param name="Value">The offending value, when there is one.</param>
/// <param name="Message">What is wrong.</param>
public sealed record PodProblem(PodProblemKind Kind, string Field, string? Value, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Value is null ? $"{Field}: {Message}" : $"{Field}: Invalid value \"{Value}\": {Message}";
}

/// <summary>A <see cref="PodBuilder"/> pod broke a rule; <see cref="Problems"/> lists every one.</summary>
public sealed class PodSpecException : KubeAccessException
{
    /// <summary>Creates the exception for pod <paramref name="pod"/>.</summary>
    public PodSpecException(string pod, IReadOnlyList<PodProblem> problems)
        : base($"Pod \"{pod}\" is invalid: " + string.Join("; ", problems))
    {
        Pod = pod;
        Problems = problems;
    }

    /// <summary>The pod's name.</summary>
    public string Pod { get; }

    /// <summary>Every problem, with its field path.</summary>
    public IReadOnlyList<PodProblem> Problems { get; }
}
