namespace Kube.Access.Images;

/// <summary>
/// A JSONPath template could not be parsed, or failed while it was evaluated (for example an index out
/// of bounds, or a filter comparing a number with a string). Carries the template and the position.
/// </summary>
public class JsonPathException : KubeAccessException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong, in kubectl's words where kubectl has words for it.</param>
    /// <param name="template">The template text.</param>
    /// <param name="position">Zero-based character offset in <paramref name="template"/> where the problem was found.</param>
    /// <param name="isParseError"><see langword="true"/> for a syntax error, <see langword="false"/> for an evaluation error.</param>
    public JsonPathException(string message, string template, int position, bool isParseError)
        : base(FormattableString.Invariant($"{(isParseError ? "error parsing" : "error executing")} jsonpath {template} at position {position}: {message}"))
    {
        Reason = message;
        Template = template;
        Position = position;
        IsParseError = isParseError;
    }

    /// <summary>The bare reason (for example <c>unterminated array</c> or <c>array index out of bounds: index 3, length 2</c>).</summary>
    public string Reason { get; }

    /// <summary>The template text.</summary>
    public string Template { get; }

    /// <summary>Zero-based character offset in <see cref="Template"/> where the problem was found.</summary>
    public int Position { get; }

    /// <summary><see langword="true"/> when the template is malformed; <see langword="false"/> when evaluation failed on a document.</summary>
    public bool IsParseError { get; }
}
