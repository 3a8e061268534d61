using System.Buffers;
using System.Globalization;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>
/// date, timestamp, timestamptz (printed in TimeZone UTC) and interval. Binary forms count from PostgreSQL's epoch
/// 2000-01-01 (days for date, microseconds for timestamps). <see cref="DateOnly.MaxValue"/>/<see cref="DateTime.MaxValue"/>
/// stand for <c>infinity</c> and the MinValues for <c>-infinity</c>.
/// </summary>
public static partial class TypeIO
{
    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private static readonly int PostgresEpochDayNumber = new DateOnly(2000, 1, 1).DayNumber;

    private const long MicrosecondsPerDay = 86_400_000_000L;

    private static string DateTypeName(SqlTypeKind kind) => kind switch
    {
        SqlTypeKind.Date => "date",
        SqlTypeKind.Timestamp => "timestamp",
        _ => "timestamp with time zone",
    };

    private static DateOnly ParseDate(ReadOnlySpan<char> text)
    {
        var special = ParseSpecialDateTime(text, SqlTypeKind.Date);
        if (special is { } s)
        {
            return s == DateTime.MaxValue ? DateOnly.MaxValue : s == DateTime.MinValue ? DateOnly.MinValue : DateOnly.FromDateTime(s);
        }

        return DateOnly.FromDateTime(ParseIsoDateTime(text, SqlTypeKind.Date, out _));
    }

    private static DateTime ParseTimestamp(ReadOnlySpan<char> text, bool withTimeZone)
    {
        var kind = withTimeZone ? SqlTypeKind.TimestampTz : SqlTypeKind.Timestamp;
        var special = ParseSpecialDateTime(text, kind);
        DateTime value;
        if (special is { } s)
        {
            value = s;
        }
        else
        {
            value = ParseIsoDateTime(text, kind, out long offsetSeconds);
            if (withTimeZone && offsetSeconds != 0)
            {
                try
                {
                    value = value.AddSeconds(-offsetSeconds);
                }
                catch (ArgumentOutOfRangeException)
                {
                    throw new SqlException(SqlState.DatetimeFieldOverflow, $"timestamp out of range: \"{text}\"");
                }
            }
        }

        return DateTime.SpecifyKind(value, withTimeZone ? DateTimeKind.Utc : DateTimeKind.Unspecified);
    }

    private static DateTime? ParseSpecialDateTime(ReadOnlySpan<char> text, SqlTypeKind kind)
    {
        var s = TrimCSpace(text);
        if (s.Equals("infinity", StringComparison.OrdinalIgnoreCase) || s.Equals("+infinity", StringComparison.OrdinalIgnoreCase))
        {
            return DateTime.MaxValue;
        }

        if (s.Equals("-infinity", StringComparison.OrdinalIgnoreCase))
        {
            return DateTime.MinValue;
        }

        if (s.Equals("epoch", StringComparison.OrdinalIgnoreCase))
        {
            return new DateTime(1970, 1, 1);
        }

        var today = DateTime.UtcNow.Date;
        if (s.Equals("now", StringComparison.OrdinalIgnoreCase))
        {
            var now = DateTime.UtcNow;
            return kind == SqlTypeKind.Date ? now.Date : new DateTime(now.Ticks - (now.Ticks % 10));
        }

        return s.Equals("today", StringComparison.OrdinalIgnoreCase) ? today
            : s.Equals("tomorrow", StringComparison.OrdinalIgnoreCase) ? today.AddDays(1)
            : s.Equals("yesterday", StringComparison.OrdinalIgnoreCase) ? today.AddDays(-1)
            : null;
    }

    /// <summary>
    /// ISO 8601 input: <c>YYYY-MM-DD</c> or <c>YYYYMMDD</c>, then optionally <c>T</c> or spaces and <c>HH:MM[:SS[.ffffff]]</c>, then
    /// optionally a zone (<c>Z</c>, <c>UTC</c>, <c>GMT</c>, <c>±HH</c>, <c>±HH:MM</c>, <c>±HHMM</c>). Fractions are rounded to microseconds.
    /// </summary>
    private static DateTime ParseIsoDateTime(ReadOnlySpan<char> text, SqlTypeKind kind, out long offsetSeconds)
    {
        offsetSeconds = 0;
        var s = TrimCSpace(text);
        int i = 0;
        int year, month, day;
        int digits = CountDigits(s, 0);
        if (digits == 8 && (s.Length == 8 || s[8] is ' ' or 'T' or 't'))
        {
            year = Number(s, 0, 4);
            month = Number(s, 4, 2);
            day = Number(s, 6, 2);
            i = 8;
        }
        else
        {
            if (digits is < 1 or > 6 || i + digits >= s.Length || s[digits] != '-')
            {
                throw InvalidDateTime(text, kind);
            }

            year = Number(s, 0, digits);
            i = digits + 1;
            int m = CountDigits(s, i);
            if (m is < 1 or > 2 || i + m >= s.Length || s[i + m] != '-')
            {
                throw InvalidDateTime(text, kind);
            }

            month = Number(s, i, m);
            i += m + 1;
            int d = CountDigits(s, i);
            if (d is < 1 or > 2)
            {
                throw InvalidDateTime(text, kind);
            }

            day = Number(s, i, d);
            i += d;
        }

        int hour = 0, minute = 0, second = 0;
        long micros = 0;
        if (i < s.Length && (s[i] is 'T' or 't' || IsCSpace(s[i])))
        {
            int j = s[i] is 'T' or 't' ? i + 1 : SkipCSpace(s, i);
            int h = CountDigits(s, j);
            if (h is 1 or 2 && j + h < s.Length && s[j + h] == ':')
            {
                hour = Number(s, j, h);
                j += h + 1;
                int mm = CountDigits(s, j);
                if (mm != 2)
                {
                    throw InvalidDateTime(text, kind);
                }

                minute = Number(s, j, 2);
                j += 2;
                if (j < s.Length && s[j] == ':')
                {
                    j++;
                    if (CountDigits(s, j) != 2)
                    {
                        throw InvalidDateTime(text, kind);
                    }

                    second = Number(s, j, 2);
                    j += 2;
                    if (j < s.Length && s[j] == '.')
                    {
                        j++;
                        int f = CountDigits(s, j);
                        micros = FractionToMicroseconds(s.Slice(j, f));
                        j += f;
                    }
                }

                i = j;
            }
            else if (s[i] is 'T' or 't')
            {
                throw InvalidDateTime(text, kind);
            }
        }

        i = SkipCSpace(s, i);
        if (i < s.Length)
        {
            var zone = s[i..];
            if (zone.Equals("Z", StringComparison.OrdinalIgnoreCase) || zone.Equals("UTC", StringComparison.OrdinalIgnoreCase)
                || zone.Equals("GMT", StringComparison.OrdinalIgnoreCase))
            {
                offsetSeconds = 0;
            }
            else if (!TryParseOffset(zone, out offsetSeconds))
            {
                throw InvalidDateTime(text, kind);
            }
        }

        bool nextDay = hour == 24 && minute == 0 && second == 0 && micros == 0;
        if (month is < 1 or > 12 || day < 1 || year is < 1 or > 9999 || day > DateTime.DaysInMonth(year, month)
            || (hour > 23 && !nextDay) || minute > 59 || second > 60)
        {
            throw new SqlException(SqlState.DatetimeFieldOverflow, $"date/time field value out of range: \"{text}\"");
        }

        try
        {
            var value = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Unspecified);
            return value.AddTicks((((((hour * 60L) + minute) * 60) + second) * 10_000_000) + (micros * 10));
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new SqlException(SqlState.DatetimeFieldOverflow, $"timestamp out of range: \"{text}\"");
        }
    }

    private static bool TryParseOffset(ReadOnlySpan<char> zone, out long offsetSeconds)
    {
        offsetSeconds = 0;
        if (zone.Length < 2 || zone[0] is not ('+' or '-'))
        {
            return false;
        }

        int sign = zone[0] == '-' ? -1 : 1;
        var z = zone[1..];
        int hours, minutes = 0, seconds = 0;
        int h = CountDigits(z, 0);
        if (h == 4 && z.Length == 4)
        {
            hours = Number(z, 0, 2);
            minutes = Number(z, 2, 2);
        }
        else if (h is 1 or 2)
        {
            hours = Number(z, 0, h);
            int j = h;
            if (j < z.Length)
            {
                if (z[j] != ':' || CountDigits(z, j + 1) != 2)
                {
                    return false;
                }

                minutes = Number(z, j + 1, 2);
                j += 3;
                if (j < z.Length)
                {
                    if (z[j] != ':' || CountDigits(z, j + 1) != 2 || j + 3 != z.Length)
                    {
                        return false;
                    }

                    seconds = Number(z, j + 1, 2);
                }
            }
        }
        else
        {
            return false;
        }

        if (hours > 15 || minutes > 59 || seconds > 59)
        {
            return false;
        }

        offsetSeconds = sign * ((hours * 3600L) + (minutes * 60) + seconds);
        return true;
    }

    private static int CountDigits(ReadOnlySpan<char> s, int start)
    {
        int n = 0;
        while (start + n < s.Length && char.IsAsciiDigit(s[start + n]))
        {
            n++;
        }

        return n;
    }

    private static int Number(ReadOnlySpan<char> s, int start, int length) =>
        int.Parse(s.Slice(start, length), NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>Fractional-second digits rounded to microseconds (half up).</summary>
    private static long FractionToMicroseconds(ReadOnlySpan<char> digits)
    {
        long micros = 0;
        for (int k = 0; k < 6; k++)
        {
            micros = (micros * 10) + (k < digits.Length ? digits[k] - '0' : 0);
        }

        if (digits.Length > 6 && digits[6] >= '5')
        {
            micros++;
        }

        return micros;
    }

    private static SqlException InvalidDateTime(ReadOnlySpan<char> text, SqlTypeKind kind) =>
        new(SqlState.InvalidDatetimeFormat, $"invalid input syntax for type {DateTypeName(kind)}: \"{text}\"");

    private static void WriteDateText(DateOnly value, IBufferWriter<byte> output)
    {
        if (value == DateOnly.MaxValue || value == DateOnly.MinValue)
        {
            output.Write(value == DateOnly.MaxValue ? "infinity"u8 : "-infinity"u8);
            return;
        }

        var span = output.GetSpan(10);
        value.TryFormat(span, out int written, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    private static void WriteTimestampText(DateTime value, bool withTimeZone, IBufferWriter<byte> output)
    {
        if (value == DateTime.MaxValue || value == DateTime.MinValue)
        {
            output.Write(value == DateTime.MaxValue ? "infinity"u8 : "-infinity"u8);
            return;
        }

        if (withTimeZone && value.Kind == DateTimeKind.Local)
        {
            value = value.ToUniversalTime();
        }

        long ticks = value.Ticks - (value.Ticks % 10);
        var whole = new DateTime(ticks - (ticks % TimeSpan.TicksPerSecond));
        var span = output.GetSpan(32);
        whole.TryFormat(span, out int n, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        n += WriteFraction((ticks % TimeSpan.TicksPerSecond) / 10, span[n..]);
        if (withTimeZone)
        {
            "+00"u8.CopyTo(span[n..]);
            n += 3;
        }

        output.Advance(n);
    }

    /// <summary>".ffffff" with trailing zeros removed, or nothing when the microseconds are zero.</summary>
    private static int WriteFraction(long micros, Span<byte> span)
    {
        if (micros == 0)
        {
            return 0;
        }

        span[0] = (byte)'.';
        for (int k = 6; k >= 1; k--)
        {
            span[k] = (byte)('0' + (micros % 10));
            micros /= 10;
        }

        int end = 6;
        while (span[end] == '0')
        {
            end--;
        }

        return end + 1;
    }

    private static int DateToPostgres(DateOnly value) =>
        value == DateOnly.MaxValue ? int.MaxValue : value == DateOnly.MinValue ? int.MinValue : value.DayNumber - PostgresEpochDayNumber;

    private static DateOnly DateFromPostgres(int days)
    {
        if (days == int.MaxValue || days == int.MinValue)
        {
            return days == int.MaxValue ? DateOnly.MaxValue : DateOnly.MinValue;
        }

        long dayNumber = (long)days + PostgresEpochDayNumber;
        if (dayNumber < DateOnly.MinValue.DayNumber + 1 || dayNumber >= DateOnly.MaxValue.DayNumber)
        {
            throw new SqlException(SqlState.DatetimeFieldOverflow, "date out of range");
        }

        return DateOnly.FromDayNumber((int)dayNumber);
    }

    private static long TimestampToPostgres(DateTime value, bool withTimeZone)
    {
        if (value == DateTime.MaxValue || value == DateTime.MinValue)
        {
            return value == DateTime.MaxValue ? long.MaxValue : long.MinValue;
        }

        if (withTimeZone && value.Kind == DateTimeKind.Local)
        {
            value = value.ToUniversalTime();
        }

        return (value.Ticks - PostgresEpochTicks - (value.Ticks % 10)) / 10;
    }

    private static DateTime TimestampFromPostgres(long micros, bool withTimeZone)
    {
        var kind = withTimeZone ? DateTimeKind.Utc : DateTimeKind.Unspecified;
        if (micros == long.MaxValue || micros == long.MinValue)
        {
            return DateTime.SpecifyKind(micros == long.MaxValue ? DateTime.MaxValue : DateTime.MinValue, kind);
        }

        long minMicros = (DateTime.MinValue.Ticks - PostgresEpochTicks) / 10;
        long maxMicros = (DateTime.MaxValue.Ticks - PostgresEpochTicks) / 10;
        if (micros <= minMicros || micros >= maxMicros)
        {
            throw new SqlException(SqlState.DatetimeFieldOverflow, "timestamp out of range");
        }

        return new DateTime(PostgresEpochTicks + (micros * 10), kind);
    }
}
