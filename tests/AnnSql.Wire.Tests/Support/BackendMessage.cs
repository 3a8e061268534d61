using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using AnnSql.Wire.Handlers;

namespace AnnSql.Wire.Tests.Support;

/// <summary>A decoded backend message: the tag, its raw body, and a one-line text for assertions.</summary>
public sealed class BackendMessage
{
    public BackendMessage(char tag, byte[] body)
    {
        Tag = tag;
        Body = body;
        Text = Describe();
    }

    public char Tag { get; }

    public byte[] Body { get; }

    public string Text { get; }

    public override string ToString() => Text;

    public PgField[] RowDescription()
    {
        var r = new BodyReader(Body);
        var count = r.Int16();
        var fields = new PgField[count];
        for (var i = 0; i < count; i++)
        {
            fields[i] = new PgField(r.CString(), r.UInt32(), r.Int16(), r.UInt32(), r.Int16(), r.Int32(), r.Int16());
        }

        r.End();
        return fields;
    }

    public byte[]?[] DataRow()
    {
        var r = new BodyReader(Body);
        var count = r.Int16();
        var values = new byte[]?[count];
        for (var i = 0; i < count; i++)
        {
            var length = r.Int32();
            values[i] = length < 0 ? null : r.Bytes(length);
        }

        r.End();
        return values;
    }

    public List<(char Code, string Value)> ErrorFields()
    {
        var r = new BodyReader(Body);
        var fields = new List<(char, string)>();
        while (true)
        {
            var code = r.Byte();
            if (code == 0)
            {
                break;
            }

            fields.Add(((char)code, r.CString()));
        }

        r.End();
        return fields;
    }

    public string ErrorField(char code) => ErrorFields().First(f => f.Code == code).Value;

    public uint[] ParameterDescription()
    {
        var r = new BodyReader(Body);
        var oids = new uint[r.Int16()];
        for (var i = 0; i < oids.Length; i++)
        {
            oids[i] = r.UInt32();
        }

        r.End();
        return oids;
    }

    public (string Name, string Value) ParameterStatus()
    {
        var r = new BodyReader(Body);
        var result = (r.CString(), r.CString());
        r.End();
        return result;
    }

    public (int ProcessId, int SecretKey) BackendKeyData()
    {
        var r = new BodyReader(Body);
        var result = (r.Int32(), r.Int32());
        r.End();
        return result;
    }

    public (byte Format, short[] Columns) CopyResponse()
    {
        var r = new BodyReader(Body);
        var format = r.Byte();
        var columns = new short[r.Int16()];
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = r.Int16();
        }

        r.End();
        return (format, columns);
    }

    public string SingleString()
    {
        var r = new BodyReader(Body);
        var s = r.CString();
        r.End();
        return s;
    }

    private string Describe()
    {
        switch (Tag)
        {
            case 'R':
                return "Authentication " + BinaryPrimitives.ReadInt32BigEndian(Body).ToString(CultureInfo.InvariantCulture);
            case 'S':
                var (name, value) = ParameterStatus();
                return $"ParameterStatus {name}={value}";
            case 'K':
                return "BackendKeyData";
            case 'Z':
                Assert.Single(Body);
                return "ReadyForQuery " + (char)Body[0];
            case 'T':
                return "RowDescription " + string.Join(", ", RowDescription().Select(f => $"{f.Name}:{f.TypeOid}:{f.FormatCode}"));
            case 't':
                return "ParameterDescription " + string.Join(",", ParameterDescription());
            case 'D':
                return "DataRow [" + string.Join(", ", DataRow().Select(v => v is null ? "NULL" : Printable(v))) + "]";
            case 'C':
                return "CommandComplete " + SingleString();
            case 'I':
                return Empty("EmptyQueryResponse");
            case '1':
                return Empty("ParseComplete");
            case '2':
                return Empty("BindComplete");
            case '3':
                return Empty("CloseComplete");
            case 'n':
                return Empty("NoData");
            case 's':
                return Empty("PortalSuspended");
            case 'c':
                return Empty("CopyDone");
            case 'E':
            case 'N':
                var fields = ErrorFields();
                string Get(char c) => fields.FirstOrDefault(f => f.Code == c).Value ?? "";
                return (Tag == 'E' ? "Error " : "Notice ") + $"{Get('S')} {Get('C')} {Get('M')}";
            case 'G':
            case 'H':
                var (format, columns) = CopyResponse();
                return (Tag == 'G' ? "CopyInResponse " : "CopyOutResponse ") + format + " [" + string.Join(",", columns) + "]";
            case 'd':
                return "CopyData " + Printable(Body);
            case 'v':
                return "NegotiateProtocolVersion";
            default:
                return "Unknown " + Tag;
        }
    }

    private string Empty(string name)
    {
        Assert.Empty(Body);
        return name;
    }

    private static string Printable(byte[] value) =>
        value.All(b => b is >= 0x20 and < 0x7f) ? Encoding.ASCII.GetString(value) : "0x" + Convert.ToHexString(value);

    private sealed class BodyReader(byte[] body)
    {
        private int _position;

        public byte Byte() => body[_position++];

        public short Int16()
        {
            var v = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(_position));
            _position += 2;
            return v;
        }

        public int Int32()
        {
            var v = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(_position));
            _position += 4;
            return v;
        }

        public uint UInt32() => unchecked((uint)Int32());

        public byte[] Bytes(int length)
        {
            var v = body.AsSpan(_position, length).ToArray();
            _position += length;
            return v;
        }

        public string CString()
        {
            var end = Array.IndexOf(body, (byte)0, _position);
            Assert.True(end >= 0, "unterminated string");
            var s = Encoding.UTF8.GetString(body, _position, end - _position);
            _position = end + 1;
            return s;
        }

        public void End() => Assert.Equal(body.Length, _position);
    }
}
