using System.Text;

namespace Kube.Access.Kubeconfig;

/// <summary>Writes record members as the compiler's printers do, for the records that redact a secret in theirs.</summary>
internal static class RecordPrinter
{
    /// <summary>Appends <c>Name = value</c>, with a comma when <paramref name="any"/> says something came before.</summary>
    public static void Member(StringBuilder builder, ref bool any, string name, object? value)
    {
        if (any)
        {
            builder.Append(", ");
        }

        builder.Append(name).Append(" = ").Append(value);
        any = true;
    }
}
