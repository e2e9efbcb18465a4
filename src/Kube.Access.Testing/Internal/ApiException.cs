using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Internal;

/// <summary>A failure answered as a Kubernetes <c>Status</c> object.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(int code, string reason, string message, JsonObject? details = null) : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public int Code { get; }
    public string Reason { get; }
    public JsonObject? Details { get; }

    public byte[] ToStatusJson() => StatusJson(Code, Reason, Message, Details);

    public static byte[] StatusJson(int code, string reason, string message, JsonObject? details)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details.DeepClone();
        }
        status["code"] = code;
        return JsonSerializer.SerializeToUtf8Bytes(status, JsonUtil.Options);
    }

    private static JsonObject Details_(ResourceDef def, string? name)
    {
        var d = new JsonObject();
        if (name is not null)
        {
            d["name"] = name;
        }
        if (def.Group.Length > 0)
        {
            d["group"] = def.Group;
        }
        d["kind"] = def.Plural;
        return d;
    }

    public static ApiException NotFound(ResourceDef def, string name)
        => new(404, "NotFound", $"{def.QualifiedPlural} \"{name}\" not found", Details_(def, name));

    public static ApiException PathNotFound()
        => new(404, "NotFound", "the server could not find the requested resource", new JsonObject());

    public static ApiException AlreadyExists(ResourceDef def, string name)
        => new(409, "AlreadyExists", $"{def.QualifiedPlural} \"{name}\" already exists", Details_(def, name));

    public static ApiException Conflict(ResourceDef def, string name)
        => new(409, "Conflict", $"Operation cannot be fulfilled on {def.QualifiedPlural} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", Details_(def, name));

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>The apiserver's answer to a body over its limit (<c>NewRequestEntityTooLargeError</c>).</summary>
    public static ApiException RequestEntityTooLarge(long limit)
        => new(413, "RequestEntityTooLarge", "Request entity too large: limit is " + limit.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>An error of the emulator itself (the apiserver's <c>NewInternalError</c>); the message names no internals.</summary>
    public static ApiException Internal(string message) => new(500, "InternalError", "Internal error occurred: " + message);

    public static ApiException MethodNotAllowed(string message = "the server does not allow this method on the requested resource")
        => new(405, "MethodNotAllowed", message, new JsonObject());

    public static ApiException Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiException Gone(long requested, long oldest)
        => new(410, "Expired", $"too old resource version: {requested} ({oldest})");

    public static ApiException UnsupportedMediaType(string contentType)
        => new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {contentType})");

    public static ApiException Invalid(ResourceDef def, string name, IReadOnlyList<FieldError> errors)
    {
        var causes = new JsonArray();
        foreach (var e in errors)
        {
            causes.Add(new JsonObject { ["reason"] = e.Reason, ["message"] = e.CauseMessage, ["field"] = e.Field });
        }
        var details = new JsonObject { ["name"] = name };
        if (def.Group.Length > 0)
        {
            details["group"] = def.Group;
        }
        details["kind"] = def.Kind;
        details["causes"] = causes;
        var summary = errors.Count == 1
            ? errors[0].Field + ": " + errors[0].CauseMessage
            : "[" + string.Join(", ", errors.Select(e => e.Field + ": " + e.CauseMessage)) + "]";
        return new ApiException(422, "Invalid", $"{def.Kind} \"{name}\" is invalid: {summary}", details);
    }

    public static ApiException Forbidden(EmulatorAccessRequest a)
    {
        string message;
        if (a.Verb == "impersonate")
        {
            message = $"{a.Resource} \"{a.Name}\" is forbidden: User \"{a.User}\" cannot impersonate resource \"{a.Resource}\" in API group \"{a.Group}\" at the cluster scope";
        }
        else
        {
            var resource = a.Subresource is null ? a.Resource : a.Resource + "/" + a.Subresource;
            var subject = a.Group.Length == 0 ? a.Resource : a.Resource + "." + a.Group;
            var named = a.Name is null ? subject : $"{subject} \"{a.Name}\"";
            var scope = a.Namespace is null ? "at the cluster scope" : $"in the namespace \"{a.Namespace}\"";
            message = $"{named} is forbidden: User \"{a.User}\" cannot {a.Verb} resource \"{resource}\" in API group \"{a.Group}\" {scope}";
        }
        var details = new JsonObject();
        if (a.Name is not null)
        {
            details["name"] = a.Name;
        }
        if (a.Group.Length > 0)
        {
            details["group"] = a.Group;
        }
        details["kind"] = a.Resource;
        return new ApiException(403, "Forbidden", message, details);
    }
}

/// <summary>One field that failed validation.</summary>
internal sealed record FieldError(string Reason, string Field, string CauseMessage)
{
    public static FieldError Invalid(string field, string value, string detail)
        => new("FieldValueInvalid", field, $"Invalid value: \"{value}\": {detail}");

    public static FieldError Required(string field, string detail = "")
        => new("FieldValueRequired", field, detail.Length == 0 ? "Required value" : "Required value: " + detail);

    public static FieldError NotSupported(string field, string value, IEnumerable<string> supported)
        => new("FieldValueNotSupported", field, $"Unsupported value: \"{value}\": supported values: {string.Join(", ", supported.Select(s => "\"" + s + "\""))}");

    public static FieldError Duplicate(string field, string value)
        => new("FieldValueDuplicate", field, $"Duplicate value: \"{value}\"");
}
