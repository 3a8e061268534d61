namespace AnnSql.Wire.Protocol;

/// <summary>Where the message loop is; "skip until Sync" is an explicit state (pgwire's AwaitingSync).</summary>
internal enum ConnectionState
{
    /// <summary>Before ReadyForQuery of the startup.</summary>
    Startup,

    /// <summary>Processing messages normally.</summary>
    Ready,

    /// <summary>An extended-protocol message failed: discard everything until Sync (PG docs: protocol-flow.html "Extended Query").</summary>
    SkipUntilSync,

    /// <summary>COPY FROM STDIN in progress: only CopyData, CopyDone, CopyFail (Flush and Sync are ignored).</summary>
    CopyIn,
}
