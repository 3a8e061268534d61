using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Session;

/// <summary>The three COPY data formats (PostgreSQL docs: COPY, "File Formats").</summary>
public enum CopyFormat
{
    Text,
    Csv,
    Binary,
}

/// <summary>
/// COPY ... FROM STDIN: receives CopyData payloads, then parses the rows (text, csv or binary), converts them to the column
/// types and inserts them in one transaction (the open one, or an implicit one committed durably before the tag is sent).
/// </summary>
public sealed class CopyInOperation
{
    private readonly ArrayBufferWriter<byte> _data = new(1 << 16);
    private readonly Func<IReadOnlyList<object?[]>, CancellationToken, ValueTask<long>> _insert;

    internal CopyInOperation(CopyFormat format, IReadOnlyList<ColumnInfo> columns, char delimiter, string nullText, bool header,
        Func<IReadOnlyList<object?[]>, CancellationToken, ValueTask<long>> insert)
    {
        Format = format;
        Columns = columns;
        Delimiter = delimiter;
        NullText = nullText;
        Header = header;
        _insert = insert;
    }

    /// <summary>The binary COPY signature: "PGCOPY\n\377\r\n\0".</summary>
    internal static ReadOnlySpan<byte> Signature => [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00];

    public CopyFormat Format { get; }

    public IReadOnlyList<ColumnInfo> Columns { get; }

    public char Delimiter { get; }

    public string NullText { get; }

    public bool Header { get; }

    /// <summary>Appends one CopyData payload.</summary>
    public void Write(ReadOnlySpan<byte> data) => _data.Write(data);

    /// <summary>Parses all received data, inserts the rows and returns the tag <c>COPY n</c>.</summary>
    public async ValueTask<string> CompleteAsync(CancellationToken ct)
    {
        var rows = Format == CopyFormat.Binary ? ParseBinary(_data.WrittenSpan) : ParseText(Encoding.UTF8.GetString(_data.WrittenSpan));
        long n = await _insert(rows, ct);
        return "COPY " + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private List<object?[]> ParseBinary(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> signature = Signature;
        var rows = new List<object?[]>();
        if (data.Length < 19 || !data[..11].SequenceEqual(signature))
        {
            throw new SqlException(SqlState.BadCopyFileFormat, "COPY file signature not recognized");
        }

        int pos = 11 + 4;
        int ext = BinaryPrimitives.ReadInt32BigEndian(data[pos..]);
        pos += 4 + ext;
        int line = 0;
        while (true)
        {
            line++;
            if (pos + 2 > data.Length)
            {
                throw new SqlException(SqlState.BadCopyFileFormat, "unexpected EOF in COPY data");
            }

            short fields = BinaryPrimitives.ReadInt16BigEndian(data[pos..]);
            pos += 2;
            if (fields == -1)
            {
                break;
            }

            if (fields != Columns.Count)
            {
                throw new SqlException(SqlState.BadCopyFileFormat, $"row field count is {fields}, expected {Columns.Count}");
            }

            var row = new object?[fields];
            for (int i = 0; i < fields; i++)
            {
                if (pos + 4 > data.Length)
                {
                    throw new SqlException(SqlState.BadCopyFileFormat, "unexpected EOF in COPY data");
                }

                int len = BinaryPrimitives.ReadInt32BigEndian(data[pos..]);
                pos += 4;
                if (len < 0)
                {
                    continue;
                }

                if (pos + len > data.Length)
                {
                    throw new SqlException(SqlState.BadCopyFileFormat, "unexpected EOF in COPY data");
                }

                row[i] = Casts.ApplyModifier(TypeIO.ReceiveBinary(data.Slice(pos, len), Columns[i].Type)!, Columns[i].Type);
                pos += len;
            }

            rows.Add(row);
        }

        return rows;
    }

    private List<object?[]> ParseText(string text)
    {
        var rows = new List<object?[]>();
        var lines = Format == CopyFormat.Csv ? CsvRecords(text) : TextRecords(text);
        bool first = true;
        foreach (var fields in lines)
        {
            if (first && Header)
            {
                first = false;
                continue;
            }

            first = false;
            if (fields.Count != Columns.Count)
            {
                throw new SqlException(SqlState.BadCopyFileFormat, fields.Count < Columns.Count
                    ? $"missing data for column \"{Columns[fields.Count].Name}\""
                    : "extra data after last expected column");
            }

            var row = new object?[fields.Count];
            for (int i = 0; i < fields.Count; i++)
            {
                row[i] = fields[i] is null ? null : TypeIO.ParseText(fields[i], Columns[i].Type);
            }

            rows.Add(row);
        }

        return rows;
    }

    private IEnumerable<List<string?>> TextRecords(string text)
    {
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.EndsWith('\r') ? rawLine[..^1] : rawLine;
            if (line == "\\.")
            {
                yield break;
            }

            if (line.Length == 0)
            {
                continue;
            }

            var fields = new List<string?>();
            var sb = new StringBuilder();
            bool escapedAny = false;
            for (int i = 0; i <= line.Length; i++)
            {
                if (i == line.Length || line[i] == Delimiter)
                {
                    string value = sb.ToString();
                    fields.Add(!escapedAny && value == NullText ? null : value);
                    sb.Clear();
                    escapedAny = false;
                    continue;
                }

                char c = line[i];
                if (c == '\\' && i + 1 < line.Length)
                {
                    char n = line[++i];
                    if (n == 'N' && NullText == "\\N")
                    {
                        sb.Append("\\N");
                        continue;
                    }

                    escapedAny = true;
                    sb.Append(n switch { 'n' => '\n', 't' => '\t', 'r' => '\r', 'b' => '\b', 'f' => '\f', 'v' => '\v', _ => n });
                    continue;
                }

                sb.Append(c);
            }

            yield return fields;
        }
    }

    private IEnumerable<List<string?>> CsvRecords(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            var fields = new List<string?>();
            var sb = new StringBuilder();
            bool quoted = false, wasQuoted = false;
            while (i < text.Length)
            {
                char c = text[i];
                if (quoted)
                {
                    if (c == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            sb.Append('"');
                            i += 2;
                            continue;
                        }

                        quoted = false;
                        i++;
                        continue;
                    }

                    sb.Append(c);
                    i++;
                    continue;
                }

                if (c == '"')
                {
                    quoted = wasQuoted = true;
                    i++;
                    continue;
                }

                if (c == Delimiter || c == '\n' || c == '\r')
                {
                    string v = sb.ToString();
                    fields.Add(!wasQuoted && v == NullText ? null : v);
                    sb.Clear();
                    wasQuoted = false;
                    i++;
                    if (c == '\r' && i < text.Length && text[i] == '\n')
                    {
                        i++;
                    }

                    if (c != Delimiter)
                    {
                        break;
                    }

                    continue;
                }

                sb.Append(c);
                i++;
            }

            if (i >= text.Length && (sb.Length > 0 || wasQuoted))
            {
                fields.Add(sb.ToString());
            }

            if (fields.Count == 1 && fields[0] == "\\.")
            {
                yield break;
            }

            if (fields.Count > 0 && !(fields.Count == 1 && fields[0] is null && Columns.Count > 1))
            {
                yield return fields;
            }
        }
    }
}

/// <summary>COPY ... TO STDOUT: the rows to send and their encoding in the chosen format.</summary>
public sealed class CopyOutOperation(CopyFormat format, IReadOnlyList<OutputColumn> columns, IEnumerable<object?[]> rows, char delimiter, string nullText, bool header)
{
    public CopyFormat Format { get; } = format;

    public IReadOnlyList<OutputColumn> Columns { get; } = columns;

    public IEnumerable<object?[]> Rows { get; } = rows;

    /// <summary>The binary header (signature, flags, extension length) or the CSV header line; empty otherwise.</summary>
    public byte[] Prologue()
    {
        if (Format == CopyFormat.Binary)
        {
            var b = new byte[19];
            CopyInOperation.Signature.CopyTo(b);
            return b;
        }

        return header ? Encoding.UTF8.GetBytes(string.Join(delimiter, Columns.Select(c => c.Name)) + "\n") : [];
    }

    public byte[] Epilogue() => Format == CopyFormat.Binary ? [0xff, 0xff] : [];

    /// <summary>Encodes one row as one CopyData payload.</summary>
    public void EncodeRow(object?[] row, IBufferWriter<byte> output)
    {
        if (Format == CopyFormat.Binary)
        {
            BinaryPrimitives.WriteInt16BigEndian(output.GetSpan(2), (short)row.Length);
            output.Advance(2);
            var field = new ArrayBufferWriter<byte>();
            for (int i = 0; i < row.Length; i++)
            {
                if (row[i] is null)
                {
                    BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), -1);
                    output.Advance(4);
                    continue;
                }

                field.ResetWrittenCount();
                TypeIO.SendBinary(row[i]!, Columns[i].Type, field);
                BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), field.WrittenCount);
                output.Advance(4);
                output.Write(field.WrittenSpan);
            }

            return;
        }

        var sb = new StringBuilder();
        for (int i = 0; i < row.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(delimiter);
            }

            if (row[i] is null)
            {
                sb.Append(nullText);
                continue;
            }

            string text = TypeIO.FormatText(row[i]!, Columns[i].Type);
            if (Format == CopyFormat.Csv)
            {
                bool quote = text.Contains(delimiter) || text.Contains('"') || text.Contains('\n') || text.Contains('\r') || text.Length == 0 || text == nullText;
                sb.Append(quote ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text);
            }
            else
            {
                foreach (char c in text)
                {
                    // A delimiter inside a value is escaped too, so DELIMITER ',' reads back.
                    sb.Append(c switch { '\\' => "\\\\", '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ when c == delimiter => "\\" + c, _ => c.ToString() });
                }
            }
        }

        sb.Append('\n');
        output.Write(Encoding.UTF8.GetBytes(sb.ToString()));
    }
}
