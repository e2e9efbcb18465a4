namespace Kube.Access.Deploy;

/// <summary>Which service the wizard creates for the application.</summary>
public enum AppServiceKind
{
    /// <summary>No service.</summary>
    None = 0,

    /// <summary>An internal service (type <c>ClusterIP</c>), reachable inside the cluster only.</summary>
    Internal = 1,

    /// <summary>An external service (type <c>LoadBalancer</c>), reachable from outside the cluster.</summary>
    External = 2,
}

/// <summary>The protocols a wizard port mapping can use.</summary>
public enum AppPortProtocol
{
    /// <summary>TCP.</summary>
    Tcp = 0,

    /// <summary>UDP (internal services only, as the dashboard rules).</summary>
    Udp = 1,
}

/// <summary>One service port: the port the service listens on and the container's target port.</summary>
/// <param name="Port">The service port (1-65535).</param>
/// <param name="TargetPort">The port the container listens on (1-65535).</param>
/// <param name="Protocol">TCP or UDP.</param>
public sealed record AppPortMapping(int Port, int TargetPort, AppPortProtocol Protocol = AppPortProtocol.Tcp);

/// <summary>An extra label (release, environment, tier, partition, track, ...).</summary>
/// <param name="Key">The label key (optional DNS-subdomain prefix and '/', then a name of at most 63 characters).</param>
/// <param name="Value">The label value (at most 63 characters; may be empty).</param>
public sealed record AppLabel(string Key, string Value);

/// <summary>An environment variable of the container; its value may reference earlier variables as <c>$(VAR_NAME)</c>.</summary>
/// <param name="Name">The variable name (a C identifier, as the wizard requires).</param>
/// <param name="Value">The value; <c>$(NAME)</c> expands to an earlier variable, <c>$$</c> escapes a dollar.</param>
public sealed record AppEnvironmentVariable(string Name, string Value)
{
    // The record's printer without the value: environment values often carry passwords and tokens.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Name = {Name}, Value = {KubeRedaction.Secret(Value)}");
        return true;
    }
}

/// <summary>The image pull secret: an existing secret by name, or a new one from a base64 <c>.dockercfg</c>.</summary>
/// <param name="Name">The secret name (a DNS subdomain, at most 253 characters), e.g. <c>new.image-pull.secret</c>.</param>
/// <param name="DockerConfigBase64">
/// The base64-encoded content of a <c>.dockercfg</c> file to create the secret from (type
/// <c>kubernetes.io/dockercfg</c>); <see langword="null"/> to reference an existing secret.
/// </param>
public sealed record AppImagePullSecret(string Name, string? DockerConfigBase64 = null);

/// <summary>
/// The dashboard's deploy wizard ("Deploy a containerized application") as data: every field of the form,
/// checked by <see cref="Validate"/> against the wizard's rules and turned into Kubernetes objects by
/// <see cref="BuildManifests"/>. <see cref="IDeployWizard.DeployAsync"/> creates them.
/// </summary>
public sealed record AppDeploymentSpec
{
    /// <summary>Longest application name the wizard accepts.</summary>
    public const int NameMaxLength = 24;

    /// <summary>The annotation key the description is stored under (as the dashboard does).</summary>
    public const string DescriptionAnnotation = "description";

    /// <summary>The label key set to the application name.</summary>
    public const string AppLabelKey = "app";

    /// <summary>The label key set to the image tag (or <see cref="Version"/>).</summary>
    public const string VersionLabelKey = "version";

    /// <summary>
    /// The application name (required): lowercase letter first, lowercase letter or digit last, only lowercase
    /// letters, digits and '-', at most 24 characters; surrounding spaces are ignored. It names the deployment,
    /// the service, the container, and is the <c>app</c> label and the service's DNS name.
    /// </summary>
    public string Name { get; init; } = "";

    /// <summary>The container image (required), e.g. <c>gcr.io/google-samples/node-hello:1.0</c>.</summary>
    public string Image { get; init; } = "";

    /// <summary>The number of pods (a positive integer).</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>None, internal (ClusterIP) or external (LoadBalancer).</summary>
    public AppServiceKind Service { get; init; } = AppServiceKind.None;

    /// <summary>The service's port/target-port pairs (at least one when a service is chosen).</summary>
    public IReadOnlyList<AppPortMapping> PortMappings { get; init; } = [];

    /// <summary>A description, stored as the <c>description</c> annotation.</summary>
    public string? Description { get; init; }

    /// <summary>The <c>version</c> label; <see langword="null"/> takes the image tag (no label when the image has none).</summary>
    public string? Version { get; init; }

    /// <summary>Labels added beside <c>app</c> and <c>version</c> on the deployment, its pods and the service.</summary>
    public IReadOnlyList<AppLabel> Labels { get; init; } = [];

    /// <summary>The namespace (at most 63 characters, no uppercase, not only digits).</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>Create <see cref="Namespace"/> if it does not exist (the wizard's "Create a new namespace...").</summary>
    public bool CreateNamespace { get; init; }

    /// <summary>The image pull secret, when the image is private.</summary>
    public AppImagePullSecret? ImagePullSecret { get; init; }

    /// <summary>The CPU request in cores (e.g. 0.25); <see langword="null"/> for none.</summary>
    public decimal? CpuRequestCores { get; init; }

    /// <summary>The memory request in MiB; <see langword="null"/> for none.</summary>
    public decimal? MemoryRequestMiB { get; init; }

    /// <summary>The command run instead of the image's entrypoint; <see langword="null"/> keeps the entrypoint.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>The arguments of the command (or of the entrypoint).</summary>
    public IReadOnlyList<string>? Arguments { get; init; }

    /// <summary>Run the container privileged (processes equivalent to root on the host).</summary>
    public bool RunAsPrivileged { get; init; }

    /// <summary>Environment variables, in order; values may reference earlier ones as <c>$(VAR_NAME)</c>.</summary>
    public IReadOnlyList<AppEnvironmentVariable> EnvironmentVariables { get; init; } = [];

    /// <summary>The name after the wizard's trimming of surrounding spaces.</summary>
    public string EffectiveName => (Name ?? "").Trim();

    /// <summary>
    /// Checks every field against the wizard's rules (and the apiserver's, where stricter) and returns every
    /// problem found, each with its field path (<c>name</c>, <c>portMappings[1].targetPort</c>, ...); empty when valid.
    /// Uniqueness of the name in its namespace needs the cluster: <see cref="IDeployWizard.ValidateAsync"/> checks it.
    /// </summary>
    public IReadOnlyList<SpecProblem> Validate() => AppDeploymentRules.Validate(this);

    /// <summary>
    /// The objects the wizard creates: the deployment, the service (when chosen), the image pull secret (when
    /// created from a <c>.dockercfg</c>) and the namespace (when <see cref="CreateNamespace"/>).
    /// </summary>
    /// <exception cref="AppDeploymentValidationException">The spec breaks a rule; every problem is listed.</exception>
    public AppManifests BuildManifests() => AppManifestBuilder.Build(this);

    /// <summary>Splits a command line the way the wizard does (on whitespace), for <see cref="Command"/>/<see cref="Arguments"/>.</summary>
    public static IReadOnlyList<string> SplitArguments(string? commandLine) =>
        string.IsNullOrWhiteSpace(commandLine)
            ? []
            : commandLine.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>One problem with a field of a spec.</summary>
/// <param name="Field">The field path, e.g. <c>portMappings[0].port</c>.</param>
/// <param name="Value">The offending value as text, when there is one.</param>
/// <param name="Message">What is wrong.</param>
public sealed record SpecProblem(string Field, string? Value, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Value is null ? $"{Field}: {Message}" : $"{Field}: Invalid value \"{Value}\": {Message}";
}

/// <summary>A deployment spec broke the wizard's rules; <see cref="Problems"/> lists every one.</summary>
public sealed class AppDeploymentValidationException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    public AppDeploymentValidationException(IReadOnlyList<SpecProblem> problems)
        : base("The application deployment spec is invalid: " + string.Join("; ", problems))
    {
        Problems = problems;
    }

    /// <summary>Every problem, with its field path.</summary>
    public IReadOnlyList<SpecProblem> Problems { get; }
}
