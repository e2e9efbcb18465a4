using System.Globalization;

namespace Kube.Access.Testing.Tables;

/// <summary>
/// The apiserver's <c>duration.HumanDuration</c> (k8s.io/apimachinery/pkg/util/duration) and the
/// printers' <c>translateTimestampSince</c>: the AGE cells kubectl shows, computed by the server.
/// </summary>
internal static class HumanDuration
{
    /// <summary>The age of <paramref name="timestamp"/> at <paramref name="now"/>; <c>&lt;unknown&gt;</c> without a timestamp.</summary>
    public static string Since(string? timestamp, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(timestamp) || !DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            return "<unknown>";
        }
        return Format(now - t);
    }

    /// <summary>Formats a duration as kubectl shows ages: <c>45s</c>, <c>5m3s</c>, <c>3h12m</c>, <c>2d5h</c>, <c>400d</c>, <c>3y20d</c>.</summary>
    public static string Format(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds; // truncates toward zero, as Go's int(d.Seconds())
        if (seconds < -1)
        {
            return "<invalid>";
        }
        if (seconds < 0)
        {
            return "0s";
        }
        if (seconds < 60 * 2)
        {
            return I(seconds) + "s";
        }
        var minutes = seconds / 60;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? I(minutes) + "m" : I(minutes) + "m" + I(s) + "s";
        }
        if (minutes < 60 * 3)
        {
            return I(minutes) + "m";
        }
        var hours = seconds / 3600;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? I(hours) + "h" : I(hours) + "h" + I(m) + "m";
        }
        if (hours < 48)
        {
            return I(hours) + "h";
        }
        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? I(hours / 24) + "d" : I(hours / 24) + "d" + I(h) + "h";
        }
        if (hours < 24 * 365 * 2)
        {
            return I(hours / 24) + "d";
        }
        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? I(hours / 24 / 365) + "y" : I(hours / 24 / 365) + "y" + I(dy) + "d";
        }
        return I(hours / 24 / 365) + "y";
    }

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
}
