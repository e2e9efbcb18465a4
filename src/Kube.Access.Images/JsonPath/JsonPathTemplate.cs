using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using Kube.Access.Images.JsonPathInternals;

namespace Kube.Access.Images;

/// <summary>
/// A compiled kubectl JSONPath template (the dialect of <c>kubectl get -o jsonpath=...</c>, from
/// k8s.io/client-go/util/jsonpath): text with <c>{...}</c> actions holding fields, <c>['quoted']</c> keys,
/// escaped dots, <c>*</c>, <c>..</c>, indexes and slices, unions, filters <c>?(@.x == "y")</c>,
/// <c>{range}</c>/<c>{end}</c> and string literals. Results of one action are joined by spaces; maps and
/// lists print as JSON; a missing key prints nothing, as kubectl's default
/// <c>--allow-missing-template-keys=true</c> does. Parse once, evaluate many times: a template is immutable
/// and thread-safe, and evaluation into an <see cref="IBufferWriter{T}"/> does not allocate in steady state.
/// </summary>
public sealed class JsonPathTemplate
{
    private readonly JpNode[] _nodes;

    private JsonPathTemplate(string text, JpNode[] nodes, bool allowMissingKeys)
    {
        Text = text;
        _nodes = nodes;
        AllowMissingKeys = allowMissingKeys;
    }

    /// <summary>The template text.</summary>
    public string Text { get; }

    /// <summary>
    /// Whether a missing field gives an empty result (kubectl's default) rather than a
    /// <see cref="JsonPathException"/> (<c>--allow-missing-template-keys=false</c>).
    /// </summary>
    public bool AllowMissingKeys { get; }

    /// <summary>Whether the template is exactly one action with no literal text and no <c>range</c>.</summary>
    public bool IsSingleAction => _nodes.Length == 1 && _nodes[0] is ListNode list && !list.Nodes.Any(n => n is IdentifierNode);

    /// <summary>Parses <paramref name="template"/>.</summary>
    /// <param name="template">The template, for example <c>{range .items[*]}{.metadata.name}{"\n"}{end}</c>.</param>
    /// <param name="allowMissingKeys">See <see cref="AllowMissingKeys"/>; kubectl's default is <see langword="true"/>.</param>
    /// <exception cref="JsonPathException">The template is malformed; <see cref="JsonPathException.Position"/> says where.</exception>
    public static JsonPathTemplate Parse(string template, bool allowMissingKeys = true)
    {
        ArgumentNullException.ThrowIfNull(template);
        var root = Parser.Parse(template);
        return new JsonPathTemplate(template, root.Nodes, allowMissingKeys);
    }

    /// <summary>Evaluates the template on <paramref name="data"/>, appending UTF-8 output to <paramref name="output"/>.</summary>
    /// <remarks>Nothing is written when evaluation fails.</remarks>
    /// <exception cref="JsonPathException">Evaluation failed (index out of bounds, incomparable filter operands, unknown keyword...).</exception>
    public void Evaluate(JsonElement data, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var evaluator = Evaluator.Rent();
        try
        {
            var error = Execute(evaluator, data);
            if (error is not null)
            {
                throw new JsonPathException(error.Message, Text, error.Position, isParseError: false);
            }

            output.Write(evaluator.Output);
        }
        finally
        {
            Evaluator.Return(evaluator);
        }
    }

    /// <summary>Evaluates the template on <paramref name="data"/> and returns the output text.</summary>
    /// <exception cref="JsonPathException">Evaluation failed.</exception>
    public string Evaluate(JsonElement data)
    {
        var evaluator = Evaluator.Rent();
        try
        {
            var error = Execute(evaluator, data);
            if (error is not null)
            {
                throw new JsonPathException(error.Message, Text, error.Position, isParseError: false);
            }

            return Encoding.UTF8.GetString(evaluator.Output);
        }
        finally
        {
            Evaluator.Return(evaluator);
        }
    }

    /// <summary>Evaluates the template on a System.Text.Json node (<see langword="null"/> is JSON <c>null</c>).</summary>
    /// <exception cref="JsonPathException">Evaluation failed, or the node is nested deeper than 1,000 levels.</exception>
    public string Evaluate(JsonNode? data)
    {
        var depth = new JsonSerializerOptions { MaxDepth = JsonPathLimits.MaxInputDepth };
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(data is null ? "null" : data.ToJsonString(depth), new JsonDocumentOptions { MaxDepth = JsonPathLimits.MaxInputDepth });
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // The writer and the reader refuse input nested deeper than MaxDepth.
            throw new JsonPathException(JsonPathLimits.Message, Text, 0, isParseError: false);
        }
        using (document)
        {
            return Evaluate(document.RootElement);
        }
    }

    private EvalError? Execute(Evaluator evaluator, JsonElement data)
    {
        try
        {
            return evaluator.Execute(_nodes, JpValue.Of(data), AllowMissingKeys);
        }
        catch (InputTooDeepException ex)
        {
            throw new JsonPathException(ex.Message, Text, 0, isParseError: false);
        }
    }

    /// <summary>
    /// Evaluates the template on a KubernetesClient model object (a <c>V1Pod</c>, a <c>V1PodList</c>, ...),
    /// serialized the way the API server would send it (<see cref="KubernetesJson"/>).
    /// </summary>
    /// <exception cref="JsonPathException">Evaluation failed.</exception>
    public string Evaluate(IKubernetesObject data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var document = JsonDocument.Parse(KubernetesJson.Serialize(data));
        return Evaluate(document.RootElement);
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}
