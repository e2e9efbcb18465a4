namespace Kube.Access.Kubeconfig;

/// <summary>
/// The edits of <c>kubectl config</c>, written back the way kubectl writes them: each change goes to
/// the file its entry came from, new entries and current-context to the file kubectl picks; all
/// files of the loading rules are locked with <c>&lt;file&gt;.lock</c>; every file is replaced
/// atomically (temporary file, flush, rename; mode 0600 for new files); unknown fields survive.
/// </summary>
public interface IKubeconfigEditor
{
    /// <summary><c>kubectl config set-cluster NAME</c>.</summary>
    Task<KubeconfigEditResult> SetClusterAsync(string name, KubeconfigClusterSettings settings, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config set-credentials NAME</c>.</summary>
    Task<KubeconfigEditResult> SetCredentialsAsync(string name, KubeconfigCredentialSettings settings, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config set-context NAME</c>, or with <paramref name="name"/> null the current context (<c>--current</c>).</summary>
    Task<KubeconfigEditResult> SetContextAsync(string? name, KubeconfigContextSettings settings, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config use-context NAME</c>.</summary>
    Task<KubeconfigEditResult> UseContextAsync(string name, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config set PROPERTY VALUE</c> (for example <c>contexts.dev.namespace</c>); <c>*-data</c> values are base64 unless <paramref name="rawBytes"/>.</summary>
    Task<KubeconfigEditResult> SetAsync(string property, string value, bool rawBytes = false, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config unset PROPERTY</c> (for example <c>users.developer</c> or <c>contexts.dev.namespace</c>).</summary>
    Task<KubeconfigEditResult> UnsetAsync(string property, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config delete-context NAME</c>.</summary>
    Task<KubeconfigEditResult> DeleteContextAsync(string name, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config delete-cluster NAME</c>.</summary>
    Task<KubeconfigEditResult> DeleteClusterAsync(string name, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config delete-user NAME</c>.</summary>
    Task<KubeconfigEditResult> DeleteUserAsync(string name, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary><c>kubectl config rename-context OLD NEW</c>.</summary>
    Task<KubeconfigEditResult> RenameContextAsync(string oldName, string newName, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);

    /// <summary>Any edit of the merged configuration, written back with the same rules (client-go's ModifyConfig).</summary>
    Task<KubeconfigEditResult> ModifyAsync(Func<Kubeconfig, Kubeconfig> edit, bool relativizePaths = true, KubeconfigLoadingOptions? files = null, CancellationToken cancellationToken = default);
}
