package dev.panamax.kernels;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.HalfFloats;

/**
 * How a kernel rounds the new value of a bfloat16 or float16 variable, computed in float32: to
 * nearest, ties to even ({@link #NEAREST}), or stochastically with 32 random bits per element
 * ({@link HalfFloats#toBfloat16Stochastic}). The random bits are a mix of the element's index in
 * the variable and of {@code key}, itself a hash of the seed, the step and the variable
 * ({@link #stochastic}): no generator state, so every backend, chunking and thread count gives the
 * same bits, and a step run again after a restore gives them again.
 *
 * @param stochastic whether to round stochastically
 * @param key        the per-step, per-variable key of the random bits (unused when rounding to nearest)
 */
public record VariableRounding(boolean stochastic, int key) {

    /** Round to nearest, ties to even, as {@link HalfFloats#toBfloat16} does. */
    public static final VariableRounding NEAREST = new VariableRounding(false, 0);

    /**
     * Stochastic rounding for step {@code step} (the optimizer's iterations before the step) of the
     * variable at position {@code variable} among the optimizer's variables.
     */
    public static VariableRounding stochastic(long seed, long step, int variable) {
        long h = mix64(seed ^ mix64(step * 0x9E37_79B9_7F4A_7C15L + variable));
        return new VariableRounding(true, (int) (h ^ h >>> 32));
    }

    /** The Weyl sequence's step: 2^32 divided by the golden ratio, odd. */
    public static final int GOLDEN = 0x9E37_79B9;

    /** The multiplier of {@link #random}'s mix (MurmurHash3's first finalizer constant). */
    public static final int MIX = 0x85EB_CA6B;

    /**
     * The random bits of element {@code i}: {@code x = i * GOLDEN + key} (a Weyl sequence over the
     * element's low 32 bits), then {@code (x ^ x >>> 16) * MIX}, whose top bits, the ones the
     * roundings use first, depend on every bit of {@code x}. Few operations on purpose: the SIMD
     * kernels compute this for every element inside loops whose size C2 limits (see
     * {@code SimdHalfVariables}). (A variable beyond 2^32 elements repeats its stream every 2^32
     * elements.)
     */
    public static int random(int key, long i) {
        int x = (int) i * GOLDEN + key;
        return (x ^ x >>> 16) * MIX;
    }

    /** {@code x} rounded to {@code dtype} (bfloat16 or float16) this way, as element {@code i} of a variable. */
    public short round(DType dtype, float x, long i) {
        if (dtype == DType.BFLOAT16) {
            return stochastic ? HalfFloats.toBfloat16Stochastic(x, random(key, i)) : HalfFloats.toBfloat16(x);
        }
        if (dtype == DType.FLOAT16) {
            return stochastic ? HalfFloats.toFloat16Stochastic(x, random(key, i)) : HalfFloats.toFloat16(x);
        }
        throw new IllegalArgumentException("A rounded variable is bfloat16 or float16, got " + dtype.kerasName());
    }

    /** Stafford's variant 13 of MurmurHash3's 64-bit finalizer (SplittableRandom's mix). */
    private static long mix64(long z) {
        z = (z ^ z >>> 30) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ z >>> 27) * 0x94D0_49BB_1331_11EBL;
        return z ^ z >>> 31;
    }
}
