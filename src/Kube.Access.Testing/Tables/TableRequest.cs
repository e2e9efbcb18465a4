using System.Globalization;
using Kube.Access.Testing.Internal;
using Microsoft.AspNetCore.Http;

namespace Kube.Access.Testing.Tables;

/// <summary>What a row carries besides its cells (the <c>includeObject</c> table option).</summary>
internal enum IncludeObject { None, Metadata, Object }

/// <summary>
/// A request answered with a <c>meta.k8s.io/v1</c> Table: the printer of the resource and the
/// <c>includeObject</c> option. <see cref="Negotiate"/> reads the Accept header as the apiserver does
/// (clauses by q, then by specificity, then in order; the first acceptable one wins).
/// </summary>
internal sealed class TableRequest
{
    private TableRequest(TablePrinter printer, IncludeObject include)
    {
        Printer = printer;
        Include = include;
    }

    public TablePrinter Printer { get; }

    public IncludeObject Include { get; }

    /// <summary>Whether the next Table written still has to carry the column definitions (a watch sends them once).</summary>
    public bool HeadersPending { get; set; } = true;

    /// <summary>The table request of <paramref name="request"/>, or null when the client prefers the plain object.</summary>
    /// <exception cref="ApiException">400 for an <c>includeObject</c> the apiserver does not know.</exception>
    public static TableRequest? Negotiate(HttpRequest request, ResourceDef def)
    {
        if (!PrefersTable(request.Headers.Accept.ToString()))
        {
            return null;
        }
        var include = request.Query["includeObject"].ToString() switch
        {
            "" or "Metadata" => IncludeObject.Metadata,
            "None" => IncludeObject.None,
            "Object" => IncludeObject.Object,
            var other => throw ApiException.BadRequest($"includeObject: Unsupported value: \"{other}\": supported values: \"Metadata\", \"None\", \"Object\""),
        };
        return new TableRequest(TablePrinters.For(def), include);
    }

    /// <summary>True when the most preferred acceptable clause of <paramref name="accept"/> is <c>application/json;as=Table;v=v1;g=meta.k8s.io</c>.</summary>
    public static bool PrefersTable(string? accept)
    {
        if (string.IsNullOrWhiteSpace(accept))
        {
            return false;
        }
        var clauses = new List<(string Type, string SubType, double Q, int Order, Dictionary<string, string> Params)>();
        var order = 0;
        foreach (var raw in accept.Split(','))
        {
            var parts = raw.Split(';');
            var range = parts[0].Trim().ToLowerInvariant();
            var slash = range.IndexOf('/');
            if (slash <= 0 || slash == range.Length - 1)
            {
                continue;
            }
            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in parts.Skip(1))
            {
                var eq = p.IndexOf('=');
                if (eq > 0)
                {
                    parameters[p[..eq].Trim()] = p[(eq + 1)..].Trim().Trim('"');
                }
            }
            var q = 1.0;
            if (parameters.Remove("q", out var qText) && !double.TryParse(qText, NumberStyles.Float, CultureInfo.InvariantCulture, out q))
            {
                q = 0;
            }
            if (q > 0)
            {
                clauses.Add((range[..slash], range[(slash + 1)..], q, order++, parameters));
            }
        }
        var sorted = clauses
            .OrderByDescending(c => c.Q)
            .ThenBy(c => c.Type == "*" ? 1 : 0)
            .ThenBy(c => c.SubType == "*" ? 1 : 0)
            .ThenBy(c => c.Order);
        foreach (var c in sorted)
        {
            var json = (c.Type, c.SubType) is ("application", "json") or ("application", "*") or ("*", "*");
            if (!json)
            {
                continue; // protobuf, yaml, cbor: not served here, try the next clause
            }
            if (!c.Params.TryGetValue("as", out var kind))
            {
                return false; // the plain object
            }
            if (kind == "Table" && c.Params.GetValueOrDefault("g") == "meta.k8s.io" && c.Params.GetValueOrDefault("v") == "v1")
            {
                return true;
            }
            // Another conversion (PartialObjectMetadata, discovery documents, Table v1beta1): not offered here.
        }
        return false;
    }
}
