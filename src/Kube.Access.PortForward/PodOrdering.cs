using k8s.Models;

namespace Kube.Access.PortForward;

/// <summary>
/// kubectl's choice of "the" pod of a selector (attachablePodForObject -> GetFirstPod sorted by
/// <c>sort.Reverse(podutils.ActivePods)</c>): assigned before unassigned, Running before Unknown before
/// Pending, ready before not ready, ready longer before ready shorter, fewer restarts before more, older
/// before newer.
/// </summary>
internal static class PodOrdering
{
    public static IReadOnlyList<V1Pod> SortLikeKubectl(IEnumerable<V1Pod> pods)
    {
        var list = pods.ToList();
        // Stable sort so that ties keep the server's order, as Go's sort does not promise but usually keeps.
        var ordered = list.Select((p, i) => (p, i)).OrderBy(x => x.p, Comparer).ThenBy(x => x.i).Select(x => x.p).ToList();
        return ordered;
    }

    /// <summary>Orders the pod kubectl would pick first.</summary>
    public static readonly IComparer<V1Pod> Comparer = Comparer<V1Pod>.Create(Compare);

    private static int Compare(V1Pod a, V1Pod b)
    {
        if (ActiveLess(a, b))
        {
            return 1; // a is "less active": after b.
        }

        if (ActiveLess(b, a))
        {
            return -1;
        }

        return 0;
    }

    /// <summary>podutils.ActivePods.Less: true when <paramref name="a"/> is less active than <paramref name="b"/>.</summary>
    private static bool ActiveLess(V1Pod a, V1Pod b)
    {
        // 1. Unassigned < assigned.
        var aAssigned = !string.IsNullOrEmpty(a.Spec?.NodeName);
        var bAssigned = !string.IsNullOrEmpty(b.Spec?.NodeName);
        if (aAssigned != bAssigned)
        {
            return !aAssigned;
        }

        // 2. Pending < Unknown < Running.
        var aPhase = PhaseRank(a.Status?.Phase);
        var bPhase = PhaseRank(b.Status?.Phase);
        if (aPhase != bPhase)
        {
            return aPhase < bPhase;
        }

        // 3. Not ready < ready.
        var aReady = IsReady(a);
        var bReady = IsReady(b);
        if (aReady != bReady)
        {
            return !aReady;
        }

        // 4. Been ready for empty time < less time < more time.
        if (aReady && bReady)
        {
            var aTime = ReadySince(a);
            var bTime = ReadySince(b);
            if (aTime != bTime)
            {
                return AfterOrZero(aTime, bTime);
            }
        }

        // 5. Higher restart counts < lower restart counts.
        var aRestarts = MaxRestarts(a);
        var bRestarts = MaxRestarts(b);
        if (aRestarts != bRestarts)
        {
            return aRestarts > bRestarts;
        }

        // 6. Empty creation time < newer < older.
        var aCreated = a.Metadata?.CreationTimestamp;
        var bCreated = b.Metadata?.CreationTimestamp;
        if (aCreated != bCreated)
        {
            return AfterOrZero(aCreated, bCreated);
        }

        return false;
    }

    private static bool AfterOrZero(DateTime? t1, DateTime? t2)
    {
        if (t1 is null || t2 is null)
        {
            return t1 is null;
        }

        return t1.Value > t2.Value;
    }

    private static int PhaseRank(string? phase) => phase switch
    {
        "Pending" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 0, // Go's map lookup: any other phase counts as 0.
    };

    public static bool IsReady(V1Pod pod) =>
        pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    public static bool IsRunning(V1Pod pod) => pod.Status?.Phase == "Running" && pod.Metadata?.DeletionTimestamp is null;

    private static DateTime? ReadySince(V1Pod pod) =>
        pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready" && c.Status == "True")?.LastTransitionTime;

    private static int MaxRestarts(V1Pod pod) =>
        pod.Status?.ContainerStatuses is { Count: > 0 } statuses ? statuses.Max(s => s.RestartCount) : 0;
}
