namespace AnnSql.Wire.Handlers;

/// <summary>Format codes used in Bind, RowDescription and COPY responses.</summary>
public static class PgFormatCode
{
    /// <summary>Text format (typoutput / typinput).</summary>
    public const short Text = 0;

    /// <summary>Binary format (typsend / typreceive).</summary>
    public const short Binary = 1;
}
