using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kube.Access.Testing.Internal;

namespace Kube.Access.Testing.Tables;

/// <summary>
/// Writes <c>meta.k8s.io/v1</c> Tables: the opening (kind, apiVersion, column definitions or
/// <c>null</c> when a watch already sent them), one row per object with its cells and, by
/// <c>includeObject</c>, nothing, a <c>PartialObjectMetadata</c> or the whole object.
/// </summary>
internal static class TableWriter
{
    private static readonly byte[] OpeningBytes = "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\","u8.ToArray();

    /// <summary>Writes one row object.</summary>
    public static void WriteRow(IBufferWriter<byte> output, TableRequest table, StoredObject o, DateTimeOffset now, ref Utf8JsonWriter? writer)
    {
        var node = o.ToNode();
        writer = Reset(writer, output);
        writer.WriteStartObject();
        writer.WriteStartArray("cells");
        foreach (var cell in table.Printer.Cells(node, now))
        {
            switch (cell)
            {
                case long l:
                    writer.WriteNumberValue(l);
                    break;
                case int i:
                    writer.WriteNumberValue(i);
                    break;
                case bool b:
                    writer.WriteBooleanValue(b);
                    break;
                default:
                    writer.WriteStringValue(cell as string ?? "");
                    break;
            }
        }
        writer.WriteEndArray();
        switch (table.Include)
        {
            case IncludeObject.Object:
                writer.WritePropertyName("object");
                writer.WriteRawValue(o.GetJson(), skipInputValidation: true);
                break;
            case IncludeObject.Metadata:
                writer.WriteStartObject("object");
                writer.WriteString("kind", "PartialObjectMetadata");
                writer.WriteString("apiVersion", "meta.k8s.io/v1");
                writer.WritePropertyName("metadata");
                (node["metadata"] ?? new JsonObject()).WriteTo(writer);
                writer.WriteEndObject();
                break;
        }
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>A whole Table of one object (get, and each watch event), carrying the object's resourceVersion.</summary>
    public static void WriteSingle(IBufferWriter<byte> output, TableRequest table, StoredObject o, DateTimeOffset now, ref Utf8JsonWriter? writer)
    {
        WriteHead(output, table, ref writer);
        WriteRow(output, table, o, now, ref writer);
        Ascii(output, "],\"metadata\":{\"resourceVersion\":\"" + JsonUtil.Rv(o.ResourceVersion) + "\"}}");
    }

    /// <summary>Writes the Table's opening up to and including <c>"rows":[</c>, and marks the headers as sent.</summary>
    public static void WriteHead(IBufferWriter<byte> output, TableRequest table, ref Utf8JsonWriter? writer)
    {
        output.Write(OpeningBytes);
        Ascii(output, "\"columnDefinitions\":");
        if (table.HeadersPending)
        {
            writer = Reset(writer, output);
            writer.WriteStartArray();
            foreach (var c in table.Printer.Columns)
            {
                writer.WriteStartObject();
                writer.WriteString("name", c.Name);
                writer.WriteString("type", c.Type);
                writer.WriteString("format", c.Format);
                writer.WriteString("description", c.Description);
                writer.WriteNumber("priority", c.Priority);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.Flush();
            table.HeadersPending = false;
        }
        else
        {
            Ascii(output, "null");
        }
        Ascii(output, ",\"rows\":[");
    }

    public static void Ascii(IBufferWriter<byte> output, string s)
    {
        var span = output.GetSpan(s.Length);
        var n = System.Text.Encoding.UTF8.GetBytes(s, span);
        output.Advance(n);
    }

    private static Utf8JsonWriter Reset(Utf8JsonWriter? writer, IBufferWriter<byte> output)
    {
        if (writer is null)
        {
            return new Utf8JsonWriter(output, JsonUtil.WriterOptions);
        }
        writer.Reset(output);
        return writer;
    }
}
