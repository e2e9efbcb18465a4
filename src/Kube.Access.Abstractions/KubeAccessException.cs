namespace Kube.Access;

/// <summary>
/// The base of every error that Kube.Access raises on purpose. Catch this type to handle any
/// failure of the SDK; catch a subclass (<c>KubeconfigException</c>, <c>PortForwardException</c>,
/// <c>ExecException</c>, ...) for the specific facts it carries.
/// </summary>
public class KubeAccessException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    public KubeAccessException(string message) : base(message) { }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    public KubeAccessException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A credential could not be obtained (missing token file, failed exec plugin, ...).</summary>
public class KubeCredentialException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    public KubeCredentialException(string message, Exception? innerException = null) : base(message, innerException) { }
}
