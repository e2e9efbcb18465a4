using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace Kube.Access.Testing.Streaming;

/// <summary>The apiserver's checks before a pod's streaming subresource is upgraded.</summary>
internal static class PodGate
{
    /// <summary>
    /// Writes a 400 and returns true when the pod cannot stream: no node assigned (the apiserver's
    /// <c>pod X does not have a host assigned</c>) or not in phase Running.
    /// </summary>
    public static async Task<bool> RejectUnlessRunningAsync(HttpContext context, V1Pod pod)
    {
        var name = pod.Metadata?.Name ?? string.Empty;
        var phase = pod.Status?.Phase;
        if (string.IsNullOrEmpty(pod.Spec?.NodeName) && phase != "Running")
        {
            await StatusResponses.BadRequestAsync(context, $"pod {name} does not have a host assigned").ConfigureAwait(false);
            return true;
        }

        if (phase != "Running")
        {
            await StatusResponses.BadRequestAsync(context, $"pod {name} is not running; current phase is {phase ?? "Unknown"}").ConfigureAwait(false);
            return true;
        }

        return false;
    }
}
