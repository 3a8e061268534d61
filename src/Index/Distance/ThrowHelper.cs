using System.Diagnostics.CodeAnalysis;

namespace AnnSql.Index.Distance;

/// <summary>Throw sites kept out of the kernels so the hot paths stay small (convention 7).</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowLengthMismatch(int lengthA, int lengthB) =>
        throw new ArgumentException($"different vector dimensions {lengthA} and {lengthB}");

    [DoesNotReturn]
    public static void ThrowArgument(string message, string paramName) =>
        throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string paramName, object actualValue, string message) =>
        throw new ArgumentOutOfRangeException(paramName, actualValue, message);

    public static void CheckSameLength(int lengthA, int lengthB)
    {
        if (lengthA != lengthB)
        {
            ThrowLengthMismatch(lengthA, lengthB);
        }
    }
}
