using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace AnnSql.IntegrationTests.Infrastructure;

/// <summary>
/// A minimal PostgreSQL v3 client over a raw socket, for tests that must see the messages themselves (ReadyForQuery
/// status bytes, error fields): startup as user postgres, simple queries, message reads.
/// </summary>
public sealed class RawPgClient : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private RawPgClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _stream.ReadTimeout = 30_000;
    }

    /// <summary>The underlying stream, for writing hand-made messages.</summary>
    public Stream Stream => _stream;

    /// <summary>Connects and completes the startup (trust authentication) up to the first ReadyForQuery.</summary>
    public static async Task<RawPgClient> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var raw = new RawPgClient(client);
        byte[] parameters = Encoding.UTF8.GetBytes("user\0postgres\0database\0postgres\0\0");
        byte[] startup = new byte[8 + parameters.Length];
        BinaryPrimitives.WriteInt32BigEndian(startup, startup.Length);
        BinaryPrimitives.WriteInt32BigEndian(startup.AsSpan(4), 196608);
        parameters.CopyTo(startup, 8);
        await raw._stream.WriteAsync(startup);
        while ((await raw.ReadMessageAsync()).Tag != 'Z')
        {
        }

        return raw;
    }

    /// <summary>
    /// Sends a simple Query and reads up to its ReadyForQuery; returns the transaction status byte of that ReadyForQuery
    /// and the SQLSTATE of the first ErrorResponse (null when none).
    /// </summary>
    public async Task<(char Status, string? SqlState)> QueryAsync(string sql)
    {
        byte[] text = Encoding.UTF8.GetBytes(sql + "\0");
        byte[] message = new byte[5 + text.Length];
        message[0] = (byte)'Q';
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), 4 + text.Length);
        text.CopyTo(message, 5);
        await _stream.WriteAsync(message);
        string? sqlState = null;
        while (true)
        {
            var (tag, body) = await ReadMessageAsync();
            if (tag == 'E')
            {
                sqlState ??= ErrorFields(body)['C'];
            }
            else if (tag == 'Z')
            {
                return ((char)body[0], sqlState);
            }
        }
    }

    /// <summary>Reads one backend message: its type byte and body.</summary>
    public async Task<(char Tag, byte[] Body)> ReadMessageAsync()
    {
        byte[] header = new byte[5];
        await _stream.ReadExactlyAsync(header);
        byte[] body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
        await _stream.ReadExactlyAsync(body);
        return ((char)header[0], body);
    }

    /// <summary>The fields of an ErrorResponse or NoticeResponse body, by field type byte.</summary>
    public static Dictionary<char, string> ErrorFields(byte[] body)
    {
        var fields = new Dictionary<char, string>();
        int i = 0;
        while (body[i] != 0)
        {
            int end = Array.IndexOf(body, (byte)0, i + 1);
            fields[(char)body[i]] = Encoding.UTF8.GetString(body, i + 1, end - i - 1);
            i = end + 1;
        }

        return fields;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
