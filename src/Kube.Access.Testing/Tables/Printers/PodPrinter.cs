using System.Globalization;
using System.Text.Json.Nodes;
using Kube.Access.Testing.Internal;

namespace Kube.Access.Testing.Tables.Printers;

/// <summary>
/// Pods as <c>printPod</c> prints them (kubectl 1.32's server): NAME READY STATUS RESTARTS AGE | IP NODE
/// NOMINATED NODE READINESS GATES. STATUS is the phase, overridden by init-container progress and
/// container waiting/terminated reasons, or <c>Terminating</c>; RESTARTS adds "(5m ago)" after the
/// last termination.
/// </summary>
internal sealed class PodPrinter : TablePrinter
{
    private static readonly TableColumn[] Definitions =
    [
        TableColumn.NameColumn,
        new("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
        new("Status", "string", "The aggregate status of the containers in this pod."),
        new("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        TableColumn.Age,
        new("IP", "string", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
        new("Node", "string", "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename", 1),
        new("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.", 1),
        new("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates", 1),
    ];

    public override IReadOnlyList<TableColumn> Columns => Definitions;

    public override object[] Cells(JsonObject pod, DateTimeOffset now)
    {
        var spec = pod["spec"] as JsonObject;
        var status = pod["status"] as JsonObject;
        var conditions = Objects(status?["conditions"]).ToList();
        var restarts = 0L;
        var restartableInitRestarts = 0L;
        var totalContainers = Objects(spec?["containers"]).Count();
        var readyContainers = 0;
        DateTimeOffset? lastRestart = null;
        DateTimeOffset? lastRestartableInitRestart = null;

        var phase = Str(status?["phase"]);
        var reason = phase;
        if (Str(status?["reason"]) is { Length: > 0 } statusReason)
        {
            reason = statusReason;
        }
        if (conditions.Any(c => Str(c["type"]) == "PodScheduled" && Str(c["reason"]) == "SchedulingGated"))
        {
            reason = "SchedulingGated";
        }

        var initSpecs = Objects(spec?["initContainers"]).ToList();
        var restartable = initSpecs.Where(c => Str(c["restartPolicy"]) == "Always").Select(c => Str(c["name"])).ToHashSet(StringComparer.Ordinal);
        totalContainers += restartable.Count;

        var initializing = false;
        var initStatuses = Objects(status?["initContainerStatuses"]).ToList();
        for (var i = 0; i < initStatuses.Count; i++)
        {
            var c = initStatuses[i];
            var isRestartable = restartable.Contains(Str(c["name"]));
            restarts += Long(c["restartCount"]);
            Later(ref lastRestart, c["lastState"]?["terminated"]?["finishedAt"]);
            if (isRestartable)
            {
                restartableInitRestarts += Long(c["restartCount"]);
                Later(ref lastRestartableInitRestart, c["lastState"]?["terminated"]?["finishedAt"]);
            }
            var terminated = c["state"]?["terminated"] as JsonObject;
            var waiting = c["state"]?["waiting"] as JsonObject;
            if (terminated is not null && Long(terminated["exitCode"]) == 0)
            {
                continue;
            }
            if (isRestartable && JsonUtil.Bool(c["started"]) == true)
            {
                if (JsonUtil.Bool(c["ready"]) == true)
                {
                    readyContainers++;
                }
                continue;
            }
            if (terminated is not null)
            {
                reason = Str(terminated["reason"]) is { Length: > 0 } r ? "Init:" + r
                    : Long(terminated["signal"]) != 0 ? "Init:Signal:" + Itoa(Long(terminated["signal"]))
                    : "Init:ExitCode:" + Itoa(Long(terminated["exitCode"]));
            }
            else if (waiting is not null && Str(waiting["reason"]) is { Length: > 0 } wr && wr != "PodInitializing")
            {
                reason = "Init:" + wr;
            }
            else
            {
                reason = "Init:" + Itoa(i) + "/" + Itoa(initSpecs.Count);
            }
            initializing = true;
            break;
        }

        if (!initializing || conditions.Any(c => Str(c["type"]) == "Initialized" && Str(c["status"]) == "True"))
        {
            restarts = restartableInitRestarts;
            lastRestart = lastRestartableInitRestart;
            var hasRunning = false;
            var statuses = Objects(status?["containerStatuses"]).ToList();
            for (var i = statuses.Count - 1; i >= 0; i--)
            {
                var c = statuses[i];
                restarts += Long(c["restartCount"]);
                Later(ref lastRestart, c["lastState"]?["terminated"]?["finishedAt"]);
                var waiting = c["state"]?["waiting"] as JsonObject;
                var terminated = c["state"]?["terminated"] as JsonObject;
                if (waiting is not null && Str(waiting["reason"]).Length > 0)
                {
                    reason = Str(waiting["reason"]);
                }
                else if (terminated is not null && Str(terminated["reason"]).Length > 0)
                {
                    reason = Str(terminated["reason"]);
                }
                else if (terminated is not null)
                {
                    reason = Long(terminated["signal"]) != 0 ? "Signal:" + Itoa(Long(terminated["signal"])) : "ExitCode:" + Itoa(Long(terminated["exitCode"]));
                }
                else if (JsonUtil.Bool(c["ready"]) == true && c["state"]?["running"] is JsonObject)
                {
                    hasRunning = true;
                    readyContainers++;
                }
            }
            if (reason == "Completed" && hasRunning)
            {
                reason = conditions.Any(c => Str(c["type"]) == "Ready" && Str(c["status"]) == "True") ? "Running" : "NotReady";
            }
        }

        var deleting = pod["metadata"]?["deletionTimestamp"] is not null;
        if (deleting && Str(status?["reason"]) == "NodeLost")
        {
            reason = "Unknown";
        }
        else if (deleting && phase is not ("Succeeded" or "Failed"))
        {
            reason = "Terminating";
        }

        var restartsText = Itoa(restarts);
        if (restarts != 0 && lastRestart is { } last)
        {
            restartsText = Itoa(restarts) + " (" + HumanDuration.Format(now - last) + " ago)";
        }

        var podIp = Objects(status?["podIPs"]).Select(p => Str(p["ip"])).FirstOrDefault() ?? "";
        var nodeName = Str(spec?["nodeName"]);
        var nominated = Str(status?["nominatedNodeName"]);
        var readinessGates = "<none>";
        var gates = Objects(spec?["readinessGates"]).ToList();
        if (gates.Count > 0)
        {
            var trueConditions = gates.Count(g => conditions.FirstOrDefault(c => Str(c["type"]) == Str(g["conditionType"])) is { } c && Str(c["status"]) == "True");
            readinessGates = Itoa(trueConditions) + "/" + Itoa(gates.Count);
        }
        return
        [
            Name(pod),
            Itoa(readyContainers) + "/" + Itoa(totalContainers),
            reason,
            restartsText,
            Age(pod, now),
            podIp.Length == 0 ? "<none>" : podIp,
            nodeName.Length == 0 ? "<none>" : nodeName,
            nominated.Length == 0 ? "<none>" : nominated,
            readinessGates,
        ];
    }

    private static void Later(ref DateTimeOffset? latest, JsonNode? timestamp)
    {
        if (JsonUtil.Str(timestamp) is string s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) && (latest is null || t > latest))
        {
            latest = t;
        }
    }
}
