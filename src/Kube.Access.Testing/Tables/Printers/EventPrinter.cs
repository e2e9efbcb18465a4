using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Tables.Printers;

/// <summary>
/// core/v1 Events: LAST SEEN TYPE REASON OBJECT MESSAGE | SUBOBJECT SOURCE FIRST SEEN COUNT NAME
/// (OBJECT is <c>kind/name</c> in lower case; a series' last observation and count win).
/// </summary>
internal sealed class EventPrinter : TablePrinter
{
    private static readonly TableColumn[] Definitions =
    [
        new("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
        new("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
        new("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
        new("Object", "string", "The object that this event is about."),
        new("Subobject", "string", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.", 1),
        new("Source", "string", "The component reporting this event. Should be a short machine understandable string.", 1),
        new("Message", "string", "A human-readable description of the status of this operation."),
        new("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1),
        new("Count", "string", "The number of times this event has occurred.", 1),
        new("Name", "string", TableColumn.NameColumn.Description, 1, "name"),
    ];

    public override IReadOnlyList<TableColumn> Columns => Definitions;

    public override object[] Cells(JsonObject ev, DateTimeOffset now)
    {
        var firstSeen = ev["firstTimestamp"] is null ? HumanDuration.Since(Str(ev["eventTime"]), now) : HumanDuration.Since(Str(ev["firstTimestamp"]), now);
        var lastSeen = ev["lastTimestamp"] is null ? firstSeen : HumanDuration.Since(Str(ev["lastTimestamp"]), now);
        var count = Long(ev["count"]);
        if (ev["series"] is JsonObject series)
        {
            lastSeen = HumanDuration.Since(Str(series["lastObservedTime"]), now);
            count = Long(series["count"]);
        }
        else if (count == 0)
        {
            count = 1;
        }
        var involved = ev["involvedObject"];
        var kind = Str(involved?["kind"]).ToLowerInvariant();
        var target = Str(involved?["name"]).Length > 0 ? kind + "/" + Str(involved?["name"]) : kind;
        var component = Str(ev["source"]?["component"]) is { Length: > 0 } c ? c : Str(ev["reportingComponent"]);
        var host = Str(ev["source"]?["host"]) is { Length: > 0 } h ? h : Str(ev["reportingInstance"]);
        var source = host.Length == 0 ? component : component + ", " + host;
        return [lastSeen, Str(ev["type"]), Str(ev["reason"]), target, Str(involved?["fieldPath"]), source, Str(ev["message"]).Trim(), firstSeen, count, Name(ev)];
    }
}
