namespace AnnSql.Wire.Handlers;

/// <summary>The parameter values and format codes of a Bind message, with PG's 0 / 1 / N format-code rules already applied.</summary>
public sealed class PgBindParameters
{
    /// <summary>Creates the bind data.</summary>
    public PgBindParameters(ReadOnlyMemory<byte>?[] values, short[] parameterFormats, short[] resultFormats)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(parameterFormats);
        ArgumentNullException.ThrowIfNull(resultFormats);
        Values = values;
        ParameterFormats = parameterFormats;
        ResultFormats = resultFormats;
    }

    /// <summary>Raw parameter bytes in the parameter's format; null = SQL NULL. They stay valid as long as the portal.</summary>
    public ReadOnlyMemory<byte>?[] Values { get; }

    /// <summary>One format code per parameter (0 text, 1 binary).</summary>
    public short[] ParameterFormats { get; }

    /// <summary>
    /// Result format codes: one per result column when the statement has <see cref="PgPreparedStatement.Fields"/>;
    /// otherwise as sent (0 codes = all text, 1 code = applies to all).
    /// </summary>
    public short[] ResultFormats { get; }

    /// <summary>The format for result column <paramref name="column"/> under the 0 / 1 / N rule.</summary>
    public short GetResultFormat(int column) => ResultFormats.Length switch
    {
        0 => PgFormatCode.Text,
        1 => ResultFormats[0],
        _ => ResultFormats[column],
    };

    /// <summary>Copies <paramref name="fields"/> with the bound result formats (null stays null), for <see cref="PgPortal.Fields"/>.</summary>
    public PgField[]? ApplyResultFormats(PgField[]? fields)
    {
        if (fields is null)
        {
            return null;
        }

        var result = new PgField[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            result[i] = fields[i].WithFormat(GetResultFormat(i));
        }

        return result;
    }
}
