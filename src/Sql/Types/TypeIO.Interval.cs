using System.Buffers;
using System.Globalization;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>
/// interval over <see cref="TimeSpan"/>: whole days map to PostgreSQL's day field and the rest to its time field; months have no
/// TimeSpan equivalent and count as 30 days (PostgreSQL's own interval comparison rule), so <c>1 mon</c> prints as <c>30 days</c>.
/// </summary>
public static partial class TypeIO
{
    private const long MicrosecondsPerMonth = 30 * MicrosecondsPerDay;

    /// <summary>
    /// The postgres-style input: <c>[@] quantity unit [quantity unit...] [HH:MM[:SS[.f]]] [ago]</c>, a bare number (seconds), or
    /// ISO 8601 <c>P1Y2M3DT4H5M6S</c>. Fractions spill into smaller units as PostgreSQL's do.
    /// </summary>
    private static TimeSpan ParseInterval(ReadOnlySpan<char> text)
    {
        var s = TrimCSpace(text);
        decimal micros = 0;
        bool any = false, ago = false;
        int i = 0;
        if (s.Length > 0 && s[0] is 'P' or 'p')
        {
            return ToTimeSpan(ParseIsoInterval(s[1..], text), text);
        }

        if (s.Length > 0 && s[0] == '@')
        {
            i = 1;
        }

        while (true)
        {
            i = SkipCSpace(s, i);
            if (i >= s.Length)
            {
                break;
            }

            if (ago)
            {
                throw InvalidInterval(text);
            }

            int start = i;
            if (s[i] is '+' or '-')
            {
                i++;
            }

            int intDigits = CountDigits(s, i);
            if (intDigits > 0 && i + intDigits < s.Length && s[i + intDigits] == ':')
            {
                micros += ParseIntervalTime(s, ref i, start, text);
                any = true;
                continue;
            }

            int numberEnd = i + intDigits;
            if (numberEnd < s.Length && s[numberEnd] == '.')
            {
                numberEnd += 1 + CountDigits(s, numberEnd + 1);
            }

            if (numberEnd == i || (numberEnd == i + 1 && s[i] == '.'))
            {
                if (IsWord(s, i, "ago"))
                {
                    ago = true;
                    i += 3;
                    continue;
                }

                throw InvalidInterval(text);
            }

            if (!decimal.TryParse(s[start..numberEnd], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
                    CultureInfo.InvariantCulture, out decimal quantity))
            {
                throw InvalidInterval(text);
            }

            i = SkipCSpace(s, numberEnd);
            int unitEnd = i;
            while (unitEnd < s.Length && char.IsAsciiLetter(s[unitEnd]))
            {
                unitEnd++;
            }

            decimal unit = unitEnd == i ? 1_000_000m : IntervalUnit(s[i..unitEnd], text);
            micros += quantity * unit;
            any = true;
            i = unitEnd;
        }

        if (!any)
        {
            throw InvalidInterval(text);
        }

        return ToTimeSpan(ago ? -micros : micros, text);
    }

    private static bool IsWord(ReadOnlySpan<char> s, int i, string word) =>
        s[i..].StartsWith(word, StringComparison.OrdinalIgnoreCase) && (i + word.Length == s.Length || !char.IsAsciiLetter(s[i + word.Length]));

    /// <summary>[-]H:MM[:SS[.f]] in microseconds; the sign applies to every field.</summary>
    private static decimal ParseIntervalTime(ReadOnlySpan<char> s, ref int i, int start, ReadOnlySpan<char> text)
    {
        bool negative = s[start] == '-';
        int h = CountDigits(s, i);
        decimal hours = Number(s, i, h);
        i += h + 1;
        int m = CountDigits(s, i);
        if (m is < 1 or > 2)
        {
            throw InvalidInterval(text);
        }

        decimal minutes = Number(s, i, m);
        i += m;
        decimal seconds = 0;
        if (i < s.Length && s[i] == ':')
        {
            i++;
            int sd = CountDigits(s, i);
            int end = i + sd;
            if (end < s.Length && s[end] == '.')
            {
                end += 1 + CountDigits(s, end + 1);
            }

            if (sd == 0 || !decimal.TryParse(s[i..end], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out seconds))
            {
                throw InvalidInterval(text);
            }

            i = end;
        }

        if (minutes > 59 || seconds >= 60)
        {
            throw new SqlException(SqlState.DatetimeFieldOverflow, $"interval field value out of range: \"{text}\"");
        }

        decimal total = (((hours * 60) + minutes) * 60_000_000) + (seconds * 1_000_000);
        return negative ? -total : total;
    }

    private static decimal IntervalUnit(ReadOnlySpan<char> unit, ReadOnlySpan<char> text)
    {
        string u = unit.ToString().ToLowerInvariant();
        return u switch
        {
            "microsecond" or "microseconds" or "usec" or "usecs" or "us" => 1m,
            "millisecond" or "milliseconds" or "msec" or "msecs" or "ms" => 1_000m,
            "second" or "seconds" or "sec" or "secs" or "s" => 1_000_000m,
            "minute" or "minutes" or "min" or "mins" or "m" => 60_000_000m,
            "hour" or "hours" or "hr" or "hrs" or "h" => 3_600_000_000m,
            "day" or "days" or "d" => MicrosecondsPerDay,
            "week" or "weeks" or "w" => 7m * MicrosecondsPerDay,
            "month" or "months" or "mon" or "mons" => MicrosecondsPerMonth,
            "year" or "years" or "yr" or "yrs" or "y" => 12m * MicrosecondsPerMonth,
            "decade" or "decades" => 120m * MicrosecondsPerMonth,
            "century" or "centuries" => 1200m * MicrosecondsPerMonth,
            "millennium" or "millennia" or "millenniums" => 12000m * MicrosecondsPerMonth,
            _ => throw InvalidInterval(text),
        };
    }

    private static decimal ParseIsoInterval(ReadOnlySpan<char> s, ReadOnlySpan<char> text)
    {
        decimal micros = 0;
        bool time = false, any = false;
        int i = 0;
        while (i < s.Length)
        {
            if (s[i] is 'T' or 't')
            {
                time = true;
                i++;
                continue;
            }

            int start = i;
            if (s[i] is '-' or '+')
            {
                i++;
            }

            i += CountDigits(s, i);
            if (i < s.Length && s[i] == '.')
            {
                i += 1 + CountDigits(s, i + 1);
            }

            if (i == start || i >= s.Length || !decimal.TryParse(s[start..i], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
                    CultureInfo.InvariantCulture, out decimal quantity))
            {
                throw InvalidInterval(text);
            }

            decimal unit = (char.ToUpperInvariant(s[i]), time) switch
            {
                ('Y', false) => 12m * MicrosecondsPerMonth,
                ('M', false) => MicrosecondsPerMonth,
                ('W', false) => 7m * MicrosecondsPerDay,
                ('D', false) => MicrosecondsPerDay,
                ('H', true) => 3_600_000_000m,
                ('M', true) => 60_000_000m,
                ('S', true) => 1_000_000m,
                _ => throw InvalidInterval(text),
            };
            micros += quantity * unit;
            any = true;
            i++;
        }

        return any ? micros : throw InvalidInterval(text);
    }

    private static TimeSpan ToTimeSpan(decimal micros, ReadOnlySpan<char> text)
    {
        decimal rounded = decimal.Round(micros, 0, MidpointRounding.AwayFromZero);
        if (rounded > TimeSpan.MaxValue.Ticks / 10 || rounded < TimeSpan.MinValue.Ticks / 10)
        {
            throw new SqlException(SqlState.DatetimeFieldOverflow, $"interval out of range: \"{text}\"");
        }

        return TimeSpan.FromTicks((long)rounded * 10);
    }

    private static SqlException InvalidInterval(ReadOnlySpan<char> text) =>
        new(SqlState.InvalidDatetimeFormat, $"invalid input syntax for type interval: \"{text}\"");

    /// <summary>EncodeInterval in IntervalStyle postgres: <c>[N day[s]] [+|-]HH:MM:SS[.ffffff]</c>.</summary>
    private static void WriteIntervalText(TimeSpan value, IBufferWriter<byte> output)
    {
        long totalMicros = value.Ticks / 10;
        long days = totalMicros / MicrosecondsPerDay;
        long time = totalMicros % MicrosecondsPerDay;
        var span = output.GetSpan(64);
        int n = 0;
        bool isZero = true, isBefore = false;
        if (days != 0)
        {
            days.TryFormat(span, out n, default, CultureInfo.InvariantCulture);
            (days != 1 ? " days"u8 : " day"u8).CopyTo(span[n..]);
            n += days != 1 ? 5 : 4;
            isBefore = days < 0;
            isZero = false;
        }

        if (isZero || time != 0)
        {
            if (!isZero)
            {
                span[n++] = (byte)' ';
            }

            if (time < 0)
            {
                span[n++] = (byte)'-';
            }
            else if (isBefore)
            {
                span[n++] = (byte)'+';
            }

            long abs = Math.Abs(time);
            long hours = abs / 3_600_000_000L;
            long minutes = abs / 60_000_000L % 60;
            long seconds = abs / 1_000_000L % 60;
            hours.TryFormat(span[n..], out int w, "00", CultureInfo.InvariantCulture);
            n += w;
            span[n++] = (byte)':';
            minutes.TryFormat(span[n..], out w, "00", CultureInfo.InvariantCulture);
            n += w;
            span[n++] = (byte)':';
            seconds.TryFormat(span[n..], out w, "00", CultureInfo.InvariantCulture);
            n += w;
            n += WriteFraction(abs % 1_000_000L, span[n..]);
        }

        output.Advance(n);
    }

    private static void SendInterval(TimeSpan value, IBufferWriter<byte> output)
    {
        long totalMicros = value.Ticks / 10;
        WriteInt64BigEndian(output, totalMicros % MicrosecondsPerDay);
        WriteInt32BigEndian(output, (int)(totalMicros / MicrosecondsPerDay));
        WriteInt32BigEndian(output, 0);
    }

    private static TimeSpan ReceiveInterval(ref BinaryValueReader reader)
    {
        long time = reader.ReadInt64();
        int days = reader.ReadInt32();
        int months = reader.ReadInt32();
        decimal micros = time + (days * (decimal)MicrosecondsPerDay) + (months * (decimal)MicrosecondsPerMonth);
        if (micros > TimeSpan.MaxValue.Ticks / 10 || micros < TimeSpan.MinValue.Ticks / 10)
        {
            throw new SqlException(SqlState.DatetimeFieldOverflow, "interval out of range");
        }

        return TimeSpan.FromTicks((long)micros * 10);
    }
}
