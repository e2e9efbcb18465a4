namespace Kube.Access.Images.JsonPathInternals;

/// <summary>
/// The deepest input a template is evaluated on: 1,000 nested arrays and objects (kubectl's decoder stops at 10,000, but
/// System.Text.Json, which reads and writes our input, stops at 1,000 and the evaluator recurses per level).
/// </summary>
internal static class JsonPathLimits
{
    public const int MaxInputDepth = 1_000;

    /// <summary>Thrown where the evaluator recurses into the input; <see cref="JsonPathTemplate"/> turns it into a <see cref="JsonPathException"/>.</summary>
    /// <param name="depth">0 for the input itself.</param>
    public static void CheckDepth(int depth)
    {
        if (depth >= MaxInputDepth) throw new InputTooDeepException();
    }

    public static string Message => $"the input is nested deeper than {MaxInputDepth} levels";
}

/// <summary>The input is nested deeper than <see cref="JsonPathLimits.MaxInputDepth"/> (internal; surfaces as <see cref="JsonPathException"/>).</summary>
internal sealed class InputTooDeepException : Exception
{
    public InputTooDeepException()
        : base(JsonPathLimits.Message)
    {
    }
}
