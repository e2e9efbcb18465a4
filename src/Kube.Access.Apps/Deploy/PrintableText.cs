using System.Globalization;

namespace Kube.Access.Deploy;

/// <summary>
/// The characters a YAML stream may carry (YAML 1.1/1.2 "printable": tab, line feed, carriage return, U+0020-U+007E,
/// U+0085, U+00A0-U+D7FF, U+E000-U+FFFD and the supplementary planes). The wizard's YAML (<see cref="AppManifests.ToYaml"/>)
/// is read back by kubectl and by our manifest parser, and neither reads anything else, so wizard text holding any
/// other character (NUL, other C0 and C1 controls, DEL, an unpaired surrogate, U+FFFE/U+FFFF) is refused.
/// </summary>
internal static class PrintableText
{
    /// <summary>The problem with <paramref name="text"/>, or <see langword="null"/> when YAML can carry it.</summary>
    public static string? Check(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (IsPrintable(c)) continue;
            return char.IsSurrogate(c)
                ? $"must not contain an unpaired surrogate (offset {i})"
                : string.Create(CultureInfo.InvariantCulture, $"must not contain the control character U+{(int)c:X4} (offset {i})");
        }
        return null;
    }

    private static bool IsPrintable(char c) => c switch
    {
        '\t' or '\n' or '\r' => true,
        < ' ' => false,
        <= '~' => true,
        '\u0085' => true,
        < '\u00A0' => false,
        <= '\uD7FF' => true,
        < '\uE000' => false,
        <= '\uFFFD' => true,
        _ => false,
    };
}
