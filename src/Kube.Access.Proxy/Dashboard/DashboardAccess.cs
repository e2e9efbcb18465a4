using System.Net;
using k8s;
using k8s.Models;

namespace Kube.Access.Proxy;

/// <summary>
/// Chapter 1 of the guide: the Kubernetes Dashboard's URL through a local proxy
/// (<c>/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/</c>) and its sample
/// admin user (a ServiceAccount bound to <c>cluster-admin</c>, with a token from the TokenRequest API).
/// </summary>
public interface IDashboardAccess
{
    /// <summary>
    /// The dashboard's proxy URL. The scheme and port follow the dashboard service when it exists (https when its
    /// first port is named <c>https</c> or is 443, as in the recommended deployment); otherwise the guide's URL.
    /// </summary>
    /// <param name="connection">The API server connection.</param>
    /// <param name="options">Where the dashboard is; <c>null</c> for the guide's defaults.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <exception cref="KubeApiException">The API server refused the lookup (other than not found).</exception>
    /// <exception cref="KubeConnectionException">The API server could not be reached.</exception>
    Task<DashboardUrl> GetUrlAsync(IKubeConnection connection, DashboardOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates (or keeps, when they exist) the guide's sample user: ServiceAccount <c>admin-user</c> in the dashboard
    /// namespace and ClusterRoleBinding <c>admin-user</c> to <c>cluster-admin</c>; then asks for a token
    /// (what <c>kubectl -n kubernetes-dashboard create token admin-user</c> does).
    /// </summary>
    /// <param name="connection">The API server connection.</param>
    /// <param name="options">Where the dashboard is and the user's name; <c>null</c> for the guide's defaults.</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <exception cref="KubeApiException">The API server refused a step; the message names it.</exception>
    /// <exception cref="KubeConnectionException">The API server could not be reached.</exception>
    Task<DashboardAdminUser> CreateAdminUserAsync(IKubeConnection connection, DashboardOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>Where the dashboard runs and who its sample admin user is.</summary>
public sealed record DashboardOptions
{
    /// <summary>The dashboard's namespace (default <c>kubernetes-dashboard</c>).</summary>
    public string Namespace { get; init; } = "kubernetes-dashboard";

    /// <summary>The dashboard's service (default <c>kubernetes-dashboard</c>).</summary>
    public string Service { get; init; } = "kubernetes-dashboard";

    /// <summary>The sample user's ServiceAccount and ClusterRoleBinding name (default <c>admin-user</c>).</summary>
    public string AdminUser { get; init; } = "admin-user";

    /// <summary>The ClusterRole bound to the sample user (default <c>cluster-admin</c>).</summary>
    public string ClusterRole { get; init; } = "cluster-admin";

    /// <summary>Requested token lifetime; <c>null</c> for the server's default (one hour).</summary>
    public TimeSpan? TokenDuration { get; init; }
}

/// <summary>The dashboard's proxy URL.</summary>
/// <param name="ProxyUrl">The parts (service, scheme, port, path <c>/</c>).</param>
/// <param name="ServiceFound">Whether the dashboard service exists (when not, <paramref name="ProxyUrl"/> is the guide's).</param>
public sealed record DashboardUrl(ProxyUrl ProxyUrl, bool ServiceFound)
{
    /// <summary>The URL through a local proxy at <paramref name="proxyBase"/> (for example <c>http://localhost:8001/</c>).</summary>
    /// <param name="proxyBase">The local proxy's base URL.</param>
    public Uri Through(Uri proxyBase) => ProxyUrlBuilder.Instance.BuildUri(ProxyUrl, proxyBase);
}

/// <summary>The sample admin user and its token.</summary>
/// <param name="Namespace">The ServiceAccount's namespace.</param>
/// <param name="ServiceAccount">The ServiceAccount's name.</param>
/// <param name="ClusterRoleBinding">The ClusterRoleBinding's name.</param>
/// <param name="CreatedServiceAccount">Whether the ServiceAccount was created now (false: it existed).</param>
/// <param name="CreatedClusterRoleBinding">Whether the binding was created now (false: it existed).</param>
/// <param name="Token">The bearer token to log in to the dashboard with.</param>
/// <param name="ExpiresAt">When the token expires, when the server said.</param>
public sealed record DashboardAdminUser(string Namespace, string ServiceAccount, string ClusterRoleBinding, bool CreatedServiceAccount, bool CreatedClusterRoleBinding, string Token, DateTimeOffset? ExpiresAt)
{
    /// <inheritdoc />
    public override string ToString() => $"DashboardAdminUser {{ {Namespace}/{ServiceAccount}, binding {ClusterRoleBinding}, token (redacted), expires {ExpiresAt:O} }}";
}

/// <summary>The <see cref="IDashboardAccess"/>, through the connection's KubernetesClient.</summary>
public sealed class DashboardAccess : IDashboardAccess
{
    /// <inheritdoc />
    public async Task<DashboardUrl> GetUrlAsync(IKubeConnection connection, DashboardOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var o = options ?? new DashboardOptions();
        V1Service? service;
        try
        {
            service = await KubeApiErrors.Call(connection, () => connection.Client.CoreV1.ReadNamespacedServiceAsync(o.Service, o.Namespace, cancellationToken: cancellationToken), $"get service {o.Namespace}/{o.Service}").ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.StatusCode == (int)HttpStatusCode.NotFound)
        {
            service = null;
        }

        string? scheme = "https";
        string? port = null;
        if (service?.Spec?.Ports is { Count: > 0 } ports)
        {
            var first = ports[0];
            scheme = first.Name == "https" || first.Port == 443 ? "https" : null;
            port = string.IsNullOrEmpty(first.Name) ? null : first.Name;
        }

        return new DashboardUrl(ProxyUrl.ForService(o.Namespace, o.Service, port, scheme, "/"), service is not null);
    }

    /// <inheritdoc />
    public async Task<DashboardAdminUser> CreateAdminUserAsync(IKubeConnection connection, DashboardOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var o = options ?? new DashboardOptions();
        var client = connection.Client;

        var createdAccount = true;
        try
        {
            await KubeApiErrors.Call(
                connection,
                () => client.CoreV1.CreateNamespacedServiceAccountAsync(
                    new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = o.AdminUser, NamespaceProperty = o.Namespace } },
                    o.Namespace,
                    cancellationToken: cancellationToken),
                $"create ServiceAccount {o.Namespace}/{o.AdminUser}").ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.StatusCode == (int)HttpStatusCode.Conflict)
        {
            createdAccount = false;
        }

        var createdBinding = true;
        try
        {
            await KubeApiErrors.Call(
                connection,
                () => client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(
                    new V1ClusterRoleBinding
                    {
                        Metadata = new V1ObjectMeta { Name = o.AdminUser },
                        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = o.ClusterRole },
                        Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = o.AdminUser, NamespaceProperty = o.Namespace }],
                    },
                    cancellationToken: cancellationToken),
                $"create ClusterRoleBinding {o.AdminUser} to {o.ClusterRole}").ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.StatusCode == (int)HttpStatusCode.Conflict)
        {
            createdBinding = false;
        }

        var token = await KubeApiErrors.Call(
            connection,
            () => client.CoreV1.CreateNamespacedServiceAccountTokenAsync(
                new Authenticationv1TokenRequest
                {
                    ApiVersion = "authentication.k8s.io/v1",
                    Kind = "TokenRequest",
                    Spec = new V1TokenRequestSpec
                    {
                        Audiences = [],
                        ExpirationSeconds = o.TokenDuration is { } d ? (long)d.TotalSeconds : null,
                    },
                },
                o.AdminUser,
                o.Namespace,
                cancellationToken: cancellationToken),
            $"request a token for ServiceAccount {o.Namespace}/{o.AdminUser}").ConfigureAwait(false);

        var value = token.Status?.Token;
        if (string.IsNullOrEmpty(value))
        {
            throw new KubeApiException($"The TokenRequest for ServiceAccount {o.Namespace}/{o.AdminUser} returned no token.", 200);
        }

        DateTimeOffset? expires = token.Status?.ExpirationTimestamp is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
        return new DashboardAdminUser(o.Namespace, o.AdminUser, o.AdminUser, createdAccount, createdBinding, value, expires);
    }
}
