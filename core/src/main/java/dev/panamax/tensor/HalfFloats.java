package dev.panamax.tensor;

/**
 * Conversions between float32 and the two 16-bit floating-point formats, as TensorFlow and JAX
 * convert (Eigen's {@code bfloat16} and {@code half}): round to nearest, ties to even, with the
 * bits of each format in the low 16 bits of a {@code short}.
 * <ul>
 *   <li><b>bfloat16</b>: float32's sign, 8-bit exponent and the top 7 bits of its significand. A
 *       float32 rounds on its 16 low bits; subnormals round like any other value (no flush to
 *       zero); the largest finite values round up to infinity only past the halfway point to it;
 *       a NaN becomes the quiet NaN {@code 0x7FC0} with its sign (rounding its bits could turn a
 *       NaN with a small payload into infinity).
 *   <li><b>float16</b> (IEEE 754 binary16): 5-bit exponent, 10-bit significand. Finite values
 *       round as IEEE 754 says ({@link Float#floatToFloat16}): values from 65520 up overflow to
 *       infinity, small ones become binary16 subnormals or zero; a NaN becomes the quiet NaN
 *       {@code 0x7E00} with its sign, as Eigen's {@code half} does.
 * </ul>
 * Widening back to float32 is exact for both (a float16 NaN's payload kept, made quiet).
 */
public final class HalfFloats {

    private HalfFloats() {
    }

    /** The bfloat16 nearest to {@code f} (ties to even). */
    public static short toBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16 & 0x8000) | 0x7FC0);
        }
        // Adding 0x7FFF, plus 1 when the kept part is odd, carries into the kept bits exactly when
        // the dropped 16 bits are past the halfway point, or at it with an odd kept part; a carry
        // out of the significand moves to the next binade or to infinity, which is the right result.
        int lsb = bits >>> 16 & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16);
    }

    /**
     * {@code f} rounded stochastically to bfloat16 with the 32 random bits {@code random}: the 16
     * bits bfloat16 drops are added to the top 16 bits of {@code random} and the carry, if any,
     * rounds the magnitude up. So {@code f} rounds away from zero with probability (dropped bits) /
     * 2^16 and the expected result is {@code f} itself (Gupta et al. 2015, as Kahan-free bfloat16
     * training uses it). Exact values stay; a carry out of the largest finite values gives infinity;
     * a NaN becomes the quiet NaN with its sign, as {@link #toBfloat16} does.
     */
    public static short toBfloat16Stochastic(float f, int random) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16 & 0x8000) | 0x7FC0);
        }
        // Infinity's dropped bits are zero and its kept bits all ones in the exponent: adding less
        // than 2^16 leaves it infinity.
        return (short) ((bits + (random >>> 16)) >>> 16);
    }

    /**
     * {@code f} rounded stochastically to binary16 with the 32 random bits {@code random}, in the
     * manner of {@link #toBfloat16Stochastic}: the magnitude as a multiple of binary16's spacing
     * where {@code f} lies (2^-24 for subnormals) has {@code s} fraction bits (13 for normal values,
     * 14 to 31 below 2^-14), and the top {@code s} bits of {@code random} are added to them before
     * they are dropped. Magnitudes below 2^-32, under 1/256 of the least subnormal, become zero;
     * a carry past 65504 gives infinity; a NaN becomes {@code 0x7E00} with its sign.
     */
    public static short toFloat16Stochastic(float f, int random) {
        int bits = Float.floatToRawIntBits(f);
        int sign = bits >>> 16 & 0x8000;
        if (Float.isNaN(f)) {
            return (short) (sign | 0x7E00);
        }
        int abs = bits & 0x7FFF_FFFF;
        int exponent = Math.max(abs >>> 23, 1); // float32 subnormals have exponent 1 and no implicit bit
        int significand = (abs & 0x7F_FFFF) | (abs >= 0x80_0000 ? 0x80_0000 : 0);
        // f = significand * 2^(exponent - 150); binary16's spacing is 2^(max(exponent, 113) - 137).
        int shift = Math.max(126 - exponent, 13);
        if (shift > 31) {
            return (short) sign;
        }
        int kept = (significand + (random >>> (32 - shift))) >>> shift;
        // Below 2^-14 the kept count is the subnormal's bits (0x400, the least normal, after a
        // carry); above it, the exponent field adds on, and a carry out of the significand moves to
        // the next binade as it should.
        int half = kept + (Math.max(exponent - 113, 0) << 10);
        return (short) (sign | Math.min(half, 0x7C00));
    }

    /** The float32 of the bfloat16 {@code bits} (exact). */
    public static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** The binary16 nearest to {@code f} (ties to even); values from 65520 up become infinity. */
    public static short toFloat16(float f) {
        if (Float.isNaN(f)) {
            return (short) ((Float.floatToRawIntBits(f) >>> 16 & 0x8000) | 0x7E00);
        }
        return Float.floatToFloat16(f);
    }

    /**
     * The float32 of the binary16 {@code bits} (exact); a NaN keeps its payload and becomes quiet,
     * on every JVM. ({@link Float#float16ToFloat} sets the quiet bit where it uses the x86 or
     * AArch64 conversion instruction, which C2, C1 and the interpreter do there, and keeps a
     * signalling NaN signalling in its Java code elsewhere.)
     */
    public static float float16ToFloat(short bits) {
        float f = Float.float16ToFloat(bits);
        return f == f ? f : Float.intBitsToFloat(Float.floatToRawIntBits(f) | 0x0040_0000);
    }
}
