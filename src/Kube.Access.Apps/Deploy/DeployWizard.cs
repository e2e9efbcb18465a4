using k8s;
using k8s.Models;
using Kube.Access.Manifests;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kube.Access.Deploy;

/// <summary>What the deploy wizard created.</summary>
/// <param name="Namespace">The namespace the application lives in.</param>
/// <param name="Name">The application name (deployment, service and container name).</param>
/// <param name="Deployment">The deployment as the API server returned it.</param>
/// <param name="Service">The service as returned, when one was created.</param>
/// <param name="Secret">The image pull secret as returned, when one was created.</param>
/// <param name="NamespaceCreated">Whether the namespace was created by this call.</param>
public sealed record AppDeploymentResult(
    string Namespace,
    string Name,
    V1Deployment Deployment,
    V1Service? Service,
    V1Secret? Secret,
    bool NamespaceCreated)
{
    /// <summary>The service's in-cluster DNS name (<c>name.namespace.svc</c>), when a service was created.</summary>
    public string? ServiceDnsName => Service is null ? null : $"{Name}.{Namespace}.svc";
}

/// <summary>The dashboard's deploy wizard as an API: checks a spec and creates its objects.</summary>
public interface IDeployWizard
{
    /// <summary>
    /// Every problem with <paramref name="spec"/>: the rules of <see cref="AppDeploymentSpec.Validate"/> plus the ones
    /// that need the cluster (the name must be unique in its namespace: no deployment or service has it).
    /// </summary>
    Task<IReadOnlyList<SpecProblem>> ValidateAsync(AppDeploymentSpec spec, CancellationToken cancellationToken = default);

    /// <summary>
    /// Validates <paramref name="spec"/> and creates the namespace (when asked and absent), the image pull secret,
    /// the deployment and the service. On a failure, objects created by this call are deleted again.
    /// </summary>
    /// <exception cref="AppDeploymentValidationException">The spec breaks a rule (nothing was created).</exception>
    /// <exception cref="KubeApiException">The API server refused an object (what this call created was removed).</exception>
    Task<AppDeploymentResult> DeployAsync(AppDeploymentSpec spec, CancellationToken cancellationToken = default);
}

/// <summary>The deploy wizard over an <see cref="IKubeConnection"/>.</summary>
public sealed class DeployWizard : IDeployWizard
{
    private readonly ConnectionSource _connection;
    private readonly ILogger<DeployWizard> _logger;

    /// <summary>Creates the wizard over <paramref name="connection"/> (not owned).</summary>
    public DeployWizard(IKubeConnection connection, ILogger<DeployWizard>? logger = null)
    {
        _connection = new ConnectionSource(connection);
        _logger = logger ?? NullLogger<DeployWizard>.Instance;
    }

    /// <summary>Creates the wizard over the container's default connection.</summary>
    public DeployWizard(IKubeDefaultConnection connection, ILogger<DeployWizard>? logger = null)
    {
        _connection = new ConnectionSource(connection);
        _logger = logger ?? NullLogger<DeployWizard>.Instance;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SpecProblem>> ValidateAsync(AppDeploymentSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = new List<SpecProblem>(spec.Validate());
        if (problems.Any(p => p.Field is "name" or "namespace")) return problems;
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var client = connection.Client;
        var name = spec.EffectiveName;
        if (await ExistsAsync(connection, () => client.AppsV1.ReadNamespacedDeploymentAsync(name, spec.Namespace, cancellationToken: cancellationToken), $"get deployment {spec.Namespace}/{name}").ConfigureAwait(false))
            problems.Add(new SpecProblem("name", name, $"a deployment named \"{name}\" already exists in namespace \"{spec.Namespace}\""));
        if (await ExistsAsync(connection, () => client.CoreV1.ReadNamespacedServiceAsync(name, spec.Namespace, cancellationToken: cancellationToken), $"get service {spec.Namespace}/{name}").ConfigureAwait(false))
            problems.Add(new SpecProblem("name", name, $"a service named \"{name}\" already exists in namespace \"{spec.Namespace}\""));
        return problems;
    }

    /// <inheritdoc />
    public async Task<AppDeploymentResult> DeployAsync(AppDeploymentSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = await ValidateAsync(spec, cancellationToken).ConfigureAwait(false);
        if (problems.Count > 0) throw new AppDeploymentValidationException(problems);
        var manifests = spec.BuildManifests();
        var connection = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        var client = connection.Client;
        var ns = spec.Namespace;
        var name = spec.EffectiveName;
        _logger.LogInformation("Deploying {Name} application into {Namespace} namespace", name, ns);

        var undo = new Stack<Func<Task>>();
        var namespaceCreated = false;
        try
        {
            if (manifests.Namespace is { } nsObject &&
                !await ExistsAsync(connection, () => client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: cancellationToken), $"get namespace {ns}").ConfigureAwait(false))
            {
                await KubeApiErrors.Call(connection, () => client.CoreV1.CreateNamespaceAsync(nsObject, cancellationToken: cancellationToken), $"create namespace {ns}").ConfigureAwait(false);
                namespaceCreated = true;
                undo.Push(() => client.CoreV1.DeleteNamespaceAsync(ns));
            }
            V1Secret? secret = null;
            if (manifests.Secret is { } secretObject)
            {
                secret = await KubeApiErrors.Call(connection, () => client.CoreV1.CreateNamespacedSecretAsync(secretObject, ns, cancellationToken: cancellationToken), $"create secret {ns}/{secretObject.Metadata.Name}").ConfigureAwait(false);
                undo.Push(() => client.CoreV1.DeleteNamespacedSecretAsync(secretObject.Metadata.Name, ns));
            }
            var deployment = await KubeApiErrors.Call(connection, () => client.AppsV1.CreateNamespacedDeploymentAsync(manifests.Deployment, ns, cancellationToken: cancellationToken), $"create deployment {ns}/{name}").ConfigureAwait(false);
            undo.Push(() => client.AppsV1.DeleteNamespacedDeploymentAsync(name, ns));
            V1Service? service = null;
            if (manifests.Service is { } serviceObject)
            {
                service = await KubeApiErrors.Call(connection, () => client.CoreV1.CreateNamespacedServiceAsync(serviceObject, ns, cancellationToken: cancellationToken), $"create service {ns}/{name}").ConfigureAwait(false);
            }
            return new AppDeploymentResult(ns, name, deployment, service, secret, namespaceCreated);
        }
        catch (Exception ex) when (ex is KubeAccessException or OperationCanceledException)
        {
            while (undo.Count > 0)
            {
                var step = undo.Pop();
                try
                {
                    await step().ConfigureAwait(false);
                }
                catch (Exception cleanup) when (cleanup is not OutOfMemoryException)
                {
                    _logger.LogWarning(cleanup, "Could not roll back an object created while deploying {Name}", name);
                }
            }
            throw;
        }
    }

    private static async Task<bool> ExistsAsync<T>(IKubeConnection connection, Func<Task<T>> read, string what)
    {
        try
        {
            await KubeApiErrors.Call(connection, read, what).ConfigureAwait(false);
            return true;
        }
        catch (KubeApiException ex) when (ex.StatusCode == 404)
        {
            return false;
        }
    }
}
