using AnnSql.Sql.Types;
using static AnnSql.Sql.Tests.Types.TypeIOAssert;

namespace AnnSql.Sql.Tests.Types;

/// <summary>Expected text and errors were printed by PostgreSQL 15.18 with TimeZone = UTC and IntervalStyle = postgres.</summary>
public class TypeIODateTimeTests
{
    [Theory]
    [InlineData("2024-01-02", "2024-01-02")]
    [InlineData("20240102", "2024-01-02")]
    [InlineData("2024-01-02 10:00", "2024-01-02")]
    [InlineData(" 0001-01-02 ", "0001-01-02")]
    [InlineData("epoch", "1970-01-01")]
    [InlineData("infinity", "infinity")]
    [InlineData("-infinity", "-infinity")]
    public void Date(string input, string expected) => RoundTrip(input, SqlType.Date, expected);

    [Fact]
    public void DateBinaryCountsDaysFrom2000()
    {
        Assert.Equal(Hex("00000000"), Send(new DateOnly(2000, 1, 1), SqlType.Date));
        Assert.Equal(Hex("FFFFFFFF"), Send(new DateOnly(1999, 12, 31), SqlType.Date));
        Assert.Equal(Hex("7FFFFFFF"), Send(DateOnly.MaxValue, SqlType.Date));
        Assert.Equal(new DateOnly(2024, 1, 2), TypeIO.ReceiveBinary(Hex("0000223F"), SqlType.Date));
    }

    [Theory]
    [InlineData("2024-01-02 03:04:05.5Z", "2024-01-02 03:04:05.5")]
    [InlineData("2024-01-02T03:04:05.123456", "2024-01-02 03:04:05.123456")]
    [InlineData("2024-01-02 03:04:05.1234567", "2024-01-02 03:04:05.123457")]
    [InlineData("2024-01-02 03:04:05+05", "2024-01-02 03:04:05")]
    [InlineData("2024-01-02 24:00:00", "2024-01-03 00:00:00")]
    [InlineData("2024-01-02", "2024-01-02 00:00:00")]
    [InlineData("epoch", "1970-01-01 00:00:00")]
    [InlineData("2024-01-02 03:04", "2024-01-02 03:04:00")]
    [InlineData("infinity", "infinity")]
    public void Timestamp(string input, string expected) => RoundTrip(input, SqlType.Timestamp, expected);

    [Theory]
    [InlineData("2024-01-02T03:04:05.123456789+01:30", "2024-01-02 01:34:05.123457+00")]
    [InlineData("2024-01-02 03:04:05-08", "2024-01-02 11:04:05+00")]
    [InlineData("2024-01-02 03:04:05 +0100", "2024-01-02 02:04:05+00")]
    [InlineData("2024-01-02 03:04:05Z", "2024-01-02 03:04:05+00")]
    [InlineData("2024-01-02 03:04:05 UTC", "2024-01-02 03:04:05+00")]
    [InlineData("2024-01-02", "2024-01-02 00:00:00+00")]
    [InlineData("-infinity", "-infinity")]
    public void TimestampTz(string input, string expected) => RoundTrip(input, SqlType.TimestampTz, expected);

    [Fact]
    public void TimestampBinaryCountsMicrosecondsFrom2000()
    {
        var value = new DateTime(2000, 1, 1, 0, 0, 1, DateTimeKind.Utc);
        Assert.Equal(Hex("00000000000F4240"), Send(value, SqlType.TimestampTz));
        Assert.Equal(Hex("7FFFFFFFFFFFFFFF"), Send(DateTime.MaxValue, SqlType.Timestamp));
        var received = (DateTime)TypeIO.ReceiveBinary(Hex("FFFFFFFFFFFFFFFF"), SqlType.TimestampTz)!;
        Assert.Equal(new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_990), received);
        Assert.Equal(DateTimeKind.Utc, received.Kind);
        Assert.Equal(DateTimeKind.Unspecified, ((DateTime)TypeIO.ReceiveBinary(Hex("0000000000000000"), SqlType.Timestamp)!).Kind);
    }

    [Fact]
    public void DateTimeErrors()
    {
        ParseFails("2024-13-01", SqlType.Date, "22008", "date/time field value out of range: \"2024-13-01\"");
        ParseFails("2024-02-30", SqlType.Timestamp, "22008", "date/time field value out of range: \"2024-02-30\"");
        ParseFails("2024-01-02 25:00", SqlType.Timestamp, "22008", "date/time field value out of range: \"2024-01-02 25:00\"");
        ParseFails("xyz", SqlType.TimestampTz, "22007", "invalid input syntax for type timestamp with time zone: \"xyz\"");
        ParseFails("xyz", SqlType.Date, "22007", "invalid input syntax for type date: \"xyz\"");
        ParseFails("2024-01-02 03:04:05 +25", SqlType.Timestamp, "22007",
            "invalid input syntax for type timestamp: \"2024-01-02 03:04:05 +25\"");
    }

    [Theory]
    [InlineData("1.5 days", "1 day 12:00:00")]
    [InlineData("-1.5 days", "-1 days -12:00:00")]
    [InlineData("1 day 02:03:04", "1 day 02:03:04")]
    [InlineData("00:00:01.5", "00:00:01.5")]
    [InlineData("-00:00:01.5", "-00:00:01.5")]
    [InlineData("0", "00:00:00")]
    [InlineData("5", "00:00:05")]
    [InlineData("1 week 2 days 3 hours 4 minutes 5.25 seconds", "9 days 03:04:05.25")]
    [InlineData("@ 1 day ago", "-1 days")]
    [InlineData("P1DT2H3M4.5S", "1 day 02:03:04.5")]
    [InlineData("1 day 1 microsecond", "1 day 00:00:00.000001")]
    [InlineData("2 days", "2 days")]
    public void Interval(string input, string expected) => RoundTrip(input, SqlType.Interval, expected);

    [Fact]
    public void IntervalHoursBeyondADayBecomeDays()
    {
        // PostgreSQL prints '36 hours' as 36:00:00 and '100:00:00' as is; a TimeSpan does not keep the day/time split.
        RoundTrip("36 hours", SqlType.Interval, "1 day 12:00:00");
        RoundTrip("100:00:00", SqlType.Interval, "4 days 04:00:00");
        RoundTrip("1 day -02:00:00", SqlType.Interval, "22:00:00");
    }

    [Fact]
    public void IntervalMonthsCountAsThirtyDays()
    {
        Assert.Equal(TimeSpan.FromDays(30), TypeIO.ParseText("1 mon", SqlType.Interval));
        Assert.Equal(TimeSpan.FromDays(360), TypeIO.ParseText("1 year", SqlType.Interval));
        // Binary: int64 time, int32 days, int32 months.
        Assert.Equal(TimeSpan.FromDays(31) + TimeSpan.FromSeconds(1),
            TypeIO.ReceiveBinary(Hex("00000000000F4240 00000001 00000001"), SqlType.Interval));
    }

    [Fact]
    public void IntervalBinaryAndErrors()
    {
        var value = new TimeSpan(1, 2, 3, 4, 500);
        Assert.Equal(Hex("00000001B8268720 00000001 00000000"), Send(value, SqlType.Interval));
        Assert.Equal(value, TypeIO.ReceiveBinary(Hex("00000001B8268720 00000001 00000000"), SqlType.Interval));
        ParseFails("xyz", SqlType.Interval, "22007", "invalid input syntax for type interval: \"xyz\"");
        ParseFails("1 fortnight", SqlType.Interval, "22007", "invalid input syntax for type interval: \"1 fortnight\"");
        ParseFails("", SqlType.Interval, "22007", "invalid input syntax for type interval: \"\"");
    }
}
