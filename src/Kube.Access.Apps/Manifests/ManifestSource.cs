namespace Kube.Access.Manifests;

/// <summary>Where manifests come from: a file, a directory, an http(s) URL, a stream (stdin) or text.</summary>
public abstract record ManifestSource
{
    private protected ManifestSource() { }

    /// <summary>A YAML or JSON file.</summary>
    public static ManifestSource FromFile(string path) => new FileSource(path);

    /// <summary>Every <c>.yaml</c>, <c>.yml</c> and <c>.json</c> file of a directory, by name (sub-directories too when <paramref name="recursive"/>).</summary>
    public static ManifestSource FromDirectory(string path, bool recursive = false) => new DirectorySource(path, recursive);

    /// <summary>An http or https URL (redirects followed).</summary>
    public static ManifestSource FromUrl(Uri url) => new UrlSource(url);

    /// <summary>A stream read to its end (not disposed); <paramref name="name"/> names it in results and errors.</summary>
    public static ManifestSource FromStream(System.IO.Stream stream, string name = "STDIN") => new StreamSource(stream, name);

    /// <summary>Manifest text held in memory.</summary>
    public static ManifestSource FromText(string text, string name = "<text>") => new TextSource(text, name);

    /// <summary>
    /// What <c>kubectl apply -f ARG</c> means by <paramref name="argument"/>: <c>-</c> is standard input, an
    /// <c>http://</c> or <c>https://</c> URL is downloaded, a directory is read file by file, anything else is a file.
    /// </summary>
    public static ManifestSource Parse(string argument, bool recursive = false, Func<System.IO.Stream>? stdin = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(argument);
        if (argument == "-") return new StreamSource((stdin ?? Console.OpenStandardInput)(), "STDIN");
        if ((argument.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || argument.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            && Uri.TryCreate(argument, UriKind.Absolute, out var url))
            return new UrlSource(url);
        return System.IO.Directory.Exists(argument) ? new DirectorySource(argument, recursive) : new FileSource(argument);
    }

    /// <summary>The name used in results and errors.</summary>
    public abstract string Name { get; }

    /// <summary>A file source.</summary>
    public sealed record FileSource(string Path) : ManifestSource
    {
        /// <inheritdoc />
        public override string Name => Path;
    }

    /// <summary>A directory source.</summary>
    public sealed record DirectorySource(string Path, bool Recursive) : ManifestSource
    {
        /// <inheritdoc />
        public override string Name => Path;
    }

    /// <summary>A URL source.</summary>
    public sealed record UrlSource(Uri Url) : ManifestSource
    {
        /// <inheritdoc />
        public override string Name => Url.ToString();
    }

    /// <summary>A stream source.</summary>
    public sealed record StreamSource(System.IO.Stream Content, string StreamName) : ManifestSource
    {
        /// <inheritdoc />
        public override string Name => StreamName;
    }

    /// <summary>An in-memory text source.</summary>
    public sealed record TextSource(string Content, string TextName) : ManifestSource
    {
        /// <inheritdoc />
        public override string Name => TextName;
    }
}
