namespace Kube.Access.Manifests;

/// <summary>A manifest could not be read or parsed; says which source, document and line.</summary>
public class ManifestException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    public ManifestException(string message, string source, int? line = null, int? column = null, int? documentIndex = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Source = source;
        Line = line;
        Column = column;
        DocumentIndex = documentIndex;
    }

    /// <summary>The file path, URL or stream name the manifest came from.</summary>
    public new string Source { get; }

    /// <summary>The 1-based line of the problem, when known.</summary>
    public int? Line { get; }

    /// <summary>The 1-based column of the problem, when known.</summary>
    public int? Column { get; }

    /// <summary>The 0-based index of the document in its source, when known.</summary>
    public int? DocumentIndex { get; }
}

/// <summary>A manifest URL could not be downloaded (HTTP error, timeout, size limit, network failure).</summary>
public sealed class ManifestDownloadException : ManifestException
{
    /// <summary>Creates the exception.</summary>
    public ManifestDownloadException(string message, Uri url, int? statusCode = null, Exception? innerException = null)
        : base(message, url.ToString(), innerException: innerException)
    {
        Url = url;
        StatusCode = statusCode;
    }

    /// <summary>The URL that was asked for (before redirects).</summary>
    public Uri Url { get; }

    /// <summary>The HTTP status of the final response, when there was one.</summary>
    public int? StatusCode { get; }
}
