using System.Text;

namespace Kube.Access.FuzzTests;

/// <summary>Structure-aware mutations of parser input: nesting, aliases, merge keys, huge scalars, control characters, truncation, random bytes.</summary>
internal static class Mutators
{
    private static readonly string[] YamlTokens =
    [
        "[", "]", "{", "}", "&a ", "*a", "&b ", "*b", "<<: ", "<<: *a", "---\n", "...\n", ": ", "- ", "? ", "!!str ", "!!binary ",
        "!!map ", "!!null", "%YAML 1.1\n", "%TAG ! tag:x:\n", "\"", "'", "\\u", "\\x", "|\n", ">-\n", "#", "\t", "\n", "  ", ",", "~",
        "0x", "0b", "1e999", ".inf", "-.nan", "0o17", "2001-12-14", "\uFEFF", "\u0085", "\u2028", "\0", "\u0001", "\u007f", "\ud800",
    ];

    private static readonly string[] JsonTokens = ["{", "}", "[", "]", ",", ":", "\"", "\\u0000", "\\ud800", "1e99999", "-0", "null", "true", "/*", "*/", "//", "\n"];

    public static string Mutate(string seed, Random random, bool json)
    {
        var text = seed;
        var rounds = 1 + random.Next(4);
        for (var r = 0; r < rounds; r++)
        {
            text = random.Next(10) switch
            {
                0 => InsertAt(text, random, Nesting(random, json)),
                1 => json ? InsertAt(text, random, JsonTokens[random.Next(JsonTokens.Length)]) : AliasBomb(random),
                2 => json ? text : MergeBomb(random),
                3 => InsertAt(text, random, new string((char)('a' + random.Next(26)), random.Next(1, 200_000))),
                4 => InsertAt(text, random, ((char)random.Next(0, 0x20)).ToString()),
                5 => text.Length == 0 ? text : text[..random.Next(text.Length)],
                6 => RandomBytes(random),
                7 => InsertAt(text, random, (json ? JsonTokens[random.Next(JsonTokens.Length)] : YamlTokens[random.Next(YamlTokens.Length)])),
                8 => text.Length < 2 ? text : text.Remove(random.Next(text.Length), 1),
                _ => Duplicate(text, random),
            };
        }
        return text;
    }

    /// <summary>Brackets or braces nested to a random depth, sometimes past every limit.</summary>
    public static string Nesting(Random random, bool json)
    {
        var depth = random.Next(4) switch { 0 => random.Next(1, 100), 1 => random.Next(900, 1100), 2 => random.Next(1000, 7000), _ => random.Next(10_000, 40_000) };
        var open = random.Next(2) == 0 ? "[" : json ? "{\"a\":" : "{a: ";
        var close = open == "[" ? "]" : "}";
        var closed = random.Next(3) != 0;
        return string.Concat(Enumerable.Repeat(open, depth)) + (open == "[" ? "" : "1") + (closed ? string.Concat(Enumerable.Repeat(close, depth)) : "");
    }

    /// <summary>The billion-laughs document: each anchor a list of <paramref name="fanOut"/> aliases of the previous one.</summary>
    public static string AliasBomb(int levels, int fanOut)
    {
        var sb = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  l0: &l0 [\"lol\"]\n");
        for (var i = 1; i <= levels; i++)
            sb.Append($"  l{i}: &l{i} [").AppendJoin(", ", Enumerable.Repeat($"*l{i - 1}", fanOut)).Append("]\n");
        return sb.ToString();
    }

    /// <summary>The same with merge keys: each anchor a mapping of <paramref name="fanOut"/> keys aliasing the previous one, merged at the end.</summary>
    public static string MergeBomb(int levels, int fanOut)
    {
        var sb = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\nx:\n  m0: &m0 {k: lol}\n");
        for (var i = 1; i <= levels; i++)
            sb.Append($"  m{i}: &m{i} {{").AppendJoin(", ", Enumerable.Range(0, fanOut).Select(j => $"k{j}: *m{i - 1}")).Append("}\n");
        sb.Append($"  z:\n    <<: [*m{levels}, *m{Math.Max(0, levels - 1)}]\n");
        return sb.ToString();
    }

    private static string AliasBomb(Random random) => AliasBomb(random.Next(1, 12), random.Next(2, 12));

    private static string MergeBomb(Random random) => MergeBomb(random.Next(1, 12), random.Next(2, 12));

    private static string RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 512)];
        random.NextBytes(bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    private static string Duplicate(string text, Random random)
    {
        if (text.Length == 0) return text;
        var start = random.Next(text.Length);
        var length = random.Next(Math.Min(200, text.Length - start) + 1);
        return text.Insert(random.Next(text.Length), text.Substring(start, length));
    }

    private static string InsertAt(string text, Random random, string piece) => text.Insert(random.Next(text.Length + 1), piece);
}
