using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AnnSql.Index.Distance;

/// <summary>
/// Exact float16 → float32 conversion in SIMD lanes. .NET 10 has no vector Half conversion, so this is the classic
/// bit-level widening: move exponent and mantissa into float position, rebias the exponent by 127 - 15 = 112, give
/// Inf/NaN the full float exponent, and renormalise subnormals with one float subtraction of 2^-14. Every float16
/// value (signed zeros, subnormals, Inf, NaN payload bits) maps to the float equal to <c>(float)half</c>.
/// </summary>
internal static class HalfBits
{
    private const uint ExponentMantissaMask = 0x7FFF;
    private const uint SignMask = 0x8000;
    private const uint ShiftedExponent = 0x7C00u << 13;
    private const uint Rebias = (127u - 15u) << 23;
    private const uint OneExponent = 1u << 23;

    /// <summary>2^-14, the smallest normal float16, as a float.</summary>
    private const float SubnormalMagic = 1.0f / 16384.0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<float> Lower, Vector512<float> Upper) Widen(Vector512<ushort> halves)
    {
        (Vector512<uint> lower, Vector512<uint> upper) = Vector512.Widen(halves);
        return (ToSingle(lower), ToSingle(upper));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> Lower, Vector256<float> Upper) Widen(Vector256<ushort> halves)
    {
        (Vector256<uint> lower, Vector256<uint> upper) = Vector256.Widen(halves);
        return (ToSingle(lower), ToSingle(upper));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<float> Lower, Vector128<float> Upper) Widen(Vector128<ushort> halves)
    {
        (Vector128<uint> lower, Vector128<uint> upper) = Vector128.Widen(halves);
        return (ToSingle(lower), ToSingle(upper));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ToSingle(Vector512<uint> h)
    {
        Vector512<uint> bits = (h & Vector512.Create(ExponentMantissaMask)) << 13;
        Vector512<uint> exponent = bits & Vector512.Create(ShiftedExponent);
        bits += Vector512.Create(Rebias);
        bits += Vector512.Equals(exponent, Vector512.Create(ShiftedExponent)) & Vector512.Create(Rebias);
        Vector512<uint> renormalised = ((bits + Vector512.Create(OneExponent)).AsSingle() - Vector512.Create(SubnormalMagic)).AsUInt32();
        bits = Vector512.ConditionalSelect(Vector512.Equals(exponent, Vector512<uint>.Zero), renormalised, bits);
        return (bits | ((h & Vector512.Create(SignMask)) << 16)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ToSingle(Vector256<uint> h)
    {
        Vector256<uint> bits = (h & Vector256.Create(ExponentMantissaMask)) << 13;
        Vector256<uint> exponent = bits & Vector256.Create(ShiftedExponent);
        bits += Vector256.Create(Rebias);
        bits += Vector256.Equals(exponent, Vector256.Create(ShiftedExponent)) & Vector256.Create(Rebias);
        Vector256<uint> renormalised = ((bits + Vector256.Create(OneExponent)).AsSingle() - Vector256.Create(SubnormalMagic)).AsUInt32();
        bits = Vector256.ConditionalSelect(Vector256.Equals(exponent, Vector256<uint>.Zero), renormalised, bits);
        return (bits | ((h & Vector256.Create(SignMask)) << 16)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ToSingle(Vector128<uint> h)
    {
        Vector128<uint> bits = (h & Vector128.Create(ExponentMantissaMask)) << 13;
        Vector128<uint> exponent = bits & Vector128.Create(ShiftedExponent);
        bits += Vector128.Create(Rebias);
        bits += Vector128.Equals(exponent, Vector128.Create(ShiftedExponent)) & Vector128.Create(Rebias);
        Vector128<uint> renormalised = ((bits + Vector128.Create(OneExponent)).AsSingle() - Vector128.Create(SubnormalMagic)).AsUInt32();
        bits = Vector128.ConditionalSelect(Vector128.Equals(exponent, Vector128<uint>.Zero), renormalised, bits);
        return (bits | ((h & Vector128.Create(SignMask)) << 16)).AsSingle();
    }
}
