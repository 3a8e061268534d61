using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using AnnSql.Wire.Protocol;

namespace AnnSql.Wire.Tests.Support;

/// <summary>
/// A scripted frontend: encodes frontend messages into a batch (sent together, as pipelining clients do) and decodes
/// backend messages from an in-memory pipe pair driving a real <see cref="PgConnection"/>.
/// </summary>
public sealed class TestClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();
    private readonly ArrayBufferWriter<byte> _batch = new();
    private readonly CancellationTokenSource _serverCts = new();

    private TestClient(FakeHandlerFactory factory, PgConnectionOptions options)
    {
        Factory = factory;
        Options = options;
        ServerTask = Task.Run(() => PgConnection.RunAsync(new DuplexPipe(_toServer.Reader, _toClient.Writer), factory, options,
            _serverCts.Token));
    }

    public FakeHandlerFactory Factory { get; }

    public PgConnectionOptions Options { get; }

    public FakeHandler Handler => Factory.Handlers.Single();

    public Task ServerTask { get; }

    public static TestClient Start(FakeHandlerFactory? factory = null, PgConnectionOptions? options = null) =>
        new(factory ?? new FakeHandlerFactory(), options ?? new PgConnectionOptions { CancelKeys = new CancelKeyRegistry() });

    /// <summary>Starts and completes a plain startup; returns the startup messages.</summary>
    public static async Task<(TestClient Client, List<BackendMessage> Messages)> ConnectAsync(FakeHandlerFactory? factory = null,
        PgConnectionOptions? options = null)
    {
        var client = Start(factory, options);
        client.Startup(("user", "alice"), ("database", "db"));
        await client.SendAsync();
        var messages = await client.ReadUntilReadyAsync();
        return (client, messages);
    }

    public void ShutdownServer() => _serverCts.Cancel();

    // ---- frontend encoders (appended to the batch) ----

    public TestClient Startup(params (string Name, string Value)[] parameters) => StartupWithVersion(196608, parameters);

    public TestClient StartupWithVersion(int version, params (string Name, string Value)[] parameters)
    {
        var body = new ArrayBufferWriter<byte>();
        PutInt32(body, version);
        foreach (var (name, value) in parameters)
        {
            PutCString(body, name);
            PutCString(body, value);
        }

        body.GetSpan(1)[0] = 0;
        body.Advance(1);
        PutInt32(_batch, body.WrittenCount + 4);
        _batch.Write(body.WrittenSpan);
        return this;
    }

    public TestClient SslRequest() => Untagged(80877103);

    public TestClient GssEncRequest() => Untagged(80877104);

    public TestClient CancelRequest(int processId, int secretKey)
    {
        PutInt32(_batch, 16);
        PutInt32(_batch, 80877102);
        PutInt32(_batch, processId);
        PutInt32(_batch, secretKey);
        return this;
    }

    public TestClient Query(string sql) => Message('Q', b => PutCString(b, sql));

    public TestClient Parse(string name, string sql, params uint[] oids) => Message('P', b =>
    {
        PutCString(b, name);
        PutCString(b, sql);
        PutInt16(b, (short)oids.Length);
        foreach (var oid in oids)
        {
            PutInt32(b, unchecked((int)oid));
        }
    });

    public TestClient Bind(string portal, string statement, short[]? parameterFormats = null, byte[]?[]? values = null,
        short[]? resultFormats = null) => Message('B', b =>
    {
        PutCString(b, portal);
        PutCString(b, statement);
        PutInt16Array(b, parameterFormats ?? []);
        values ??= [];
        PutInt16(b, (short)values.Length);
        foreach (var value in values)
        {
            PutInt32(b, value?.Length ?? -1);
            if (value is not null)
            {
                b.Write(value);
            }
        }

        PutInt16Array(b, resultFormats ?? []);
    });

    public TestClient Describe(char kind, string name) => Message('D', b =>
    {
        b.Write([(byte)kind]);
        PutCString(b, name);
    });

    public TestClient Execute(string portal = "", int maxRows = 0) => Message('E', b =>
    {
        PutCString(b, portal);
        PutInt32(b, maxRows);
    });

    public TestClient Close(char kind, string name) => Message('C', b =>
    {
        b.Write([(byte)kind]);
        PutCString(b, name);
    });

    /// <summary>PasswordMessage / SASLInitialResponse / SASLResponse: tag 'p' with a body the caller built.</summary>
    public TestClient PasswordMessage(byte[] body) => Message('p', b => b.Write(body));

    public TestClient Sync() => Message('S', _ => { });

    public TestClient Flush() => Message('H', _ => { });

    public TestClient Terminate() => Message('X', _ => { });

    public TestClient CopyData(byte[] data) => Message('d', b => b.Write(data));

    public TestClient CopyDone() => Message('c', _ => { });

    public TestClient CopyFail(string reason) => Message('f', b => PutCString(b, reason));

    public TestClient Raw(params byte[] bytes)
    {
        _batch.Write(bytes);
        return this;
    }

    /// <summary>Sends the batch in one write.</summary>
    public async Task SendAsync()
    {
        await _toServer.Writer.WriteAsync(_batch.WrittenMemory);
        _batch.Clear();
    }

    /// <summary>Sends the batch in pieces of <paramref name="chunk"/> bytes, flushing after each.</summary>
    public async Task SendInChunksAsync(int chunk)
    {
        var data = _batch.WrittenMemory.ToArray();
        _batch.Clear();
        for (var i = 0; i < data.Length; i += chunk)
        {
            await _toServer.Writer.WriteAsync(data.AsMemory(i, Math.Min(chunk, data.Length - i)));
            await Task.Yield();
        }
    }

    public async Task CloseInputAsync() => await _toServer.Writer.CompleteAsync();

    // ---- backend decoding ----

    public async Task<byte> ReadByteAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var result = await _toClient.Reader.ReadAsync(cts.Token);
            if (result.Buffer.Length >= 1)
            {
                var b = result.Buffer.FirstSpan[0];
                _toClient.Reader.AdvanceTo(result.Buffer.GetPosition(1));
                return b;
            }

            Assert.False(result.IsCompleted, "connection closed");
            _toClient.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>The next message, or null when the server closed the connection.</summary>
    public async Task<BackendMessage?> ReadAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var result = await _toClient.Reader.ReadAsync(cts.Token);
            var buffer = result.Buffer;
            if (buffer.Length >= 5)
            {
                var header = buffer.Slice(0, 5).ToArray();
                var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
                Assert.True(length >= 4, $"bad backend length {length}");
                if (buffer.Length >= 1 + length)
                {
                    var body = buffer.Slice(5, length - 4).ToArray();
                    _toClient.Reader.AdvanceTo(buffer.GetPosition(1 + length));
                    return new BackendMessage((char)header[0], body);
                }
            }

            if (result.IsCompleted)
            {
                Assert.True(buffer.IsEmpty, "connection closed in the middle of a message");
                _toClient.Reader.AdvanceTo(buffer.End);
                return null;
            }

            _toClient.Reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public async Task<BackendMessage> ReadRequiredAsync() => await ReadAsync() ?? throw new InvalidOperationException("connection closed");

    /// <summary>Messages up to and including ReadyForQuery, as text.</summary>
    public async Task<List<BackendMessage>> ReadUntilReadyAsync()
    {
        var messages = new List<BackendMessage>();
        while (true)
        {
            var message = await ReadAsync();
            Assert.True(message is not null, "connection closed; got: " + string.Join(" | ", messages));
            messages.Add(message);
            if (message.Tag == 'Z')
            {
                return messages;
            }
        }
    }

    public async Task<List<string>> ReadTextsUntilReadyAsync() => (await ReadUntilReadyAsync()).Select(m => m.Text).ToList();

    /// <summary>All remaining messages until the server closes the connection.</summary>
    public async Task<List<BackendMessage>> ReadUntilClosedAsync()
    {
        var messages = new List<BackendMessage>();
        while (await ReadAsync() is { } message)
        {
            messages.Add(message);
        }

        return messages;
    }

    /// <summary>Asserts that nothing arrives within a short time (e.g. while the server skips until Sync).</summary>
    public async Task AssertNothingPendingAsync()
    {
        await Task.Delay(100);
        if (!_toClient.Reader.TryRead(out var result))
        {
            return;
        }

        var empty = result.Buffer.IsEmpty;
        _toClient.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        Assert.True(empty, "unexpected output from the server");
    }

    public async ValueTask DisposeAsync()
    {
        await _toServer.Writer.CompleteAsync();
        await _serverCts.CancelAsync();
        try
        {
            await ServerTask.WaitAsync(Timeout);
        }
        finally
        {
            await _toClient.Reader.CompleteAsync();
            _serverCts.Dispose();
        }
    }

    private TestClient Untagged(int code)
    {
        PutInt32(_batch, 8);
        PutInt32(_batch, code);
        return this;
    }

    private TestClient Message(char tag, Action<ArrayBufferWriter<byte>> body)
    {
        var writer = new ArrayBufferWriter<byte>();
        body(writer);
        _batch.Write([(byte)tag]);
        PutInt32(_batch, writer.WrittenCount + 4);
        _batch.Write(writer.WrittenSpan);
        return this;
    }

    private static void PutInt16(IBufferWriter<byte> b, short v)
    {
        BinaryPrimitives.WriteInt16BigEndian(b.GetSpan(2), v);
        b.Advance(2);
    }

    private static void PutInt16Array(IBufferWriter<byte> b, short[] values)
    {
        PutInt16(b, (short)values.Length);
        foreach (var v in values)
        {
            PutInt16(b, v);
        }
    }

    public static void PutInt32(IBufferWriter<byte> b, int v)
    {
        BinaryPrimitives.WriteInt32BigEndian(b.GetSpan(4), v);
        b.Advance(4);
    }

    private static void PutCString(IBufferWriter<byte> b, string s)
    {
        b.Write(Encoding.UTF8.GetBytes(s));
        b.Write([(byte)0]);
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
