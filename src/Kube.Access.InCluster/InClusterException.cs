namespace Kube.Access.InCluster;

/// <summary>The in-cluster configuration is missing or invalid: names the variable or file at fault.</summary>
public sealed class InClusterException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    public InClusterException(string message, string? path = null, string? variable = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
        Variable = variable;
    }

    /// <summary>The file at fault, if a file.</summary>
    public string? Path { get; }

    /// <summary>The environment variable at fault, if a variable.</summary>
    public string? Variable { get; }
}
