package dev.panamax.simd;

import static dev.panamax.simd.SimdLanes.HS;
import static dev.panamax.simd.SimdLanes.IS;

import dev.panamax.kernels.VariableRounding;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link dev.panamax.tensor.HalfFloats} lane by lane: float32 vectors of {@link SimdLanes#FS} to
 * and from the bfloat16 or float16 bits in the {@link SimdLanes#HS} lanes of the same count (load
 * and store them with {@code VectorMemory.loadS} and {@code store}), bit for bit as the scalar
 * methods: ties to even, no flush of subnormals, a NaN to the quiet NaN with its sign, float16
 * overflow to infinity from 65520. Register arithmetic only (int lanes of {@link SimdLanes#IS},
 * compares and blends), which C2 compiles to vector instructions: no allocation, no lane loop.
 * Each method calls the JDK's vector methods only, no helper of ours: a kernel calls these late in
 * a large loop body, where C2 may no longer inline a call that is not the JDK's (see
 * {@link SimdHalfSlots}).
 *
 * <p>Widening a float16 NaN keeps its payload and sets the quiet bit ({@code 0x7C01} becomes
 * {@code 0x7FC02000}), as {@code HalfFloats.float16ToFloat} does on every JVM.
 */
final class HalfLanes {

    private HalfLanes() {
    }

    /** The float32 of each bfloat16 lane (exact): its bits are the top 16 of the float. */
    static FloatVector bfloat16ToFloat(ShortVector h) {
        IntVector wide = (IntVector) h.convertShape(VectorOperators.S2I, IS, 0);
        return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The bfloat16 nearest to each lane (ties to even); a NaN becomes {@code 0x7FC0} with its sign. */
    static ShortVector toBfloat16(FloatVector f) {
        IntVector bits = f.reinterpretAsInts();
        // As the scalar method: + 0x7FFF, + 1 when the kept part is odd, carries exactly when the
        // dropped half rounds up.
        IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
        VectorMask<Float> nan = f.compare(VectorOperators.NE, f);
        if (nan.anyTrue()) {
            // Rare, so off the common path: the sign, then 0x7FC0 (all ones, xor the payload's 22 bits).
            rounded = rounded.blend(bits.or(0x7FFF_FFFF).lanewise(VectorOperators.XOR, 0x003F_FFFF), nan.cast(IS));
        }
        return (ShortVector) rounded.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, HS, 0);
    }

    /**
     * {@link #toBfloat16(FloatVector)} with the NaN test made by the caller: {@code mayHoldNaN} is
     * false only when no lane is NaN. A kernel tests its updated variable once, as a NaN in any of
     * its slots reaches it through every operation, instead of each slot it rounds.
     */
    static ShortVector toBfloat16(FloatVector f, boolean mayHoldNaN) {
        IntVector bits = f.reinterpretAsInts();
        IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
        if (mayHoldNaN) {
            rounded = rounded.blend(bits.or(0x7FFF_FFFF).lanewise(VectorOperators.XOR, 0x003F_FFFF), f.compare(VectorOperators.NE, f).cast(IS));
        }
        return (ShortVector) rounded.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, HS, 0);
    }

    /** The float32 of each float16 lane (exact; a NaN keeps its payload and becomes quiet). */
    static FloatVector float16ToFloat(ShortVector h) {
        IntVector wide = (IntVector) h.convertShape(VectorOperators.S2I, IS, 0); // sign-extended
        IntVector magnitude = wide.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        // Normal: rebias the exponent (15 to 127).
        IntVector normal = shifted.add((127 - 15) << 23);
        // Subnormal (and zero): m * 2^-24 as 2^-14 * (1 + m / 1024) - 2^-14, exact, and with no
        // float32 subnormal operand (those can take a slow microcoded path on x86).
        IntVector subnormal = shifted.add((127 - 15 + 1) << 23).reinterpretAsFloats()
                .sub(0x1p-14f).reinterpretAsInts();
        // Infinity and NaN: float32's all-ones exponent; a NaN also gets the quiet bit.
        IntVector special = shifted.or(0xFF << 23);
        IntVector bits = normal
                .blend(subnormal, magnitude.compare(VectorOperators.LT, 0x0400))
                .blend(special, magnitude.compare(VectorOperators.GE, 0x7C00))
                .blend(special.or(0x0040_0000), magnitude.compare(VectorOperators.GT, 0x7C00));
        return bits.or(wide.and(0x8000_0000)).reinterpretAsFloats();
    }

    /**
     * The float16 nearest to each lane (ties to even); values from 65520 up become infinity, a NaN
     * {@code 0x7E00} with its sign.
     */
    static ShortVector toFloat16(FloatVector f) {
        IntVector bits = f.reinterpretAsInts();
        IntVector abs = bits.and(0x7FFF_FFFF);
        // Below 2^-14 (float16 subnormals and zero): adding 0.5f, whose ulp is float16's least
        // subnormal 2^-24, rounds the value to a multiple of 2^-24 (ties to even) in the float
        // adder; the significand bits of the sum are then the float16 bits (0x400 when the value
        // rounds up to the least normal, 2^-14).
        IntVector subnormal = abs.reinterpretAsFloats().add(0.5f).reinterpretAsInts().sub(126 << 23);
        // Normal: rebias the exponent (127 to 15) and round the 13 dropped bits as toBfloat16 does;
        // a carry out of the significand reaches the next binade, or infinity (0x7C00) from 65520.
        IntVector odd = abs.lanewise(VectorOperators.LSHR, 13).and(1);
        IntVector normal = abs.add(((15 - 127) << 23) + 0xFFF).add(odd).lanewise(VectorOperators.LSHR, 13);
        IntVector half = normal
                .blend(subnormal, abs.compare(VectorOperators.LT, (127 - 14) << 23))
                .blend(0x7C00, abs.compare(VectorOperators.GE, (127 + 16) << 23))
                .blend(0x7E00, abs.compare(VectorOperators.GT, 0xFF << 23));
        return (ShortVector) half.or(bits.lanewise(VectorOperators.LSHR, 16).and(0x8000)).convertShape(VectorOperators.I2S, HS, 0);
    }

    /**
     * {@code i * GOLDEN} in each lane {@code i}: with {@code (int) from * GOLDEN + key} added, the
     * Weyl sequence that {@code VariableRounding.random} mixes, for the elements from {@code from}.
     * Loop-invariant: a kernel makes it once, before its loop.
     */
    static IntVector weylLanes() {
        return IntVector.zero(IS).addIndex(1).mul(VariableRounding.GOLDEN);
    }

    /** {@code VariableRounding.random} of each lane's Weyl value {@code x}. */
    static IntVector random(IntVector x) {
        return x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16)).mul(VariableRounding.MIX);
    }

    /** {@code HalfFloats.toBfloat16Stochastic} lane by lane, with the random bits {@code random}. */
    static ShortVector toBfloat16Stochastic(FloatVector f, IntVector random) {
        IntVector bits = f.reinterpretAsInts();
        IntVector rounded = bits.add(random.lanewise(VectorOperators.LSHR, 16));
        VectorMask<Float> nan = f.compare(VectorOperators.NE, f);
        if (nan.anyTrue()) {
            rounded = rounded.blend(bits.or(0x7FFF_FFFF).lanewise(VectorOperators.XOR, 0x003F_FFFF), nan.cast(IS));
        }
        return (ShortVector) rounded.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, HS, 0);
    }

    /** {@link #toBfloat16Stochastic(FloatVector, IntVector)} with the caller's NaN test, as {@link #toBfloat16(FloatVector, boolean)}. */
    static ShortVector toBfloat16Stochastic(FloatVector f, IntVector random, boolean mayHoldNaN) {
        IntVector bits = f.reinterpretAsInts();
        IntVector rounded = bits.add(random.lanewise(VectorOperators.LSHR, 16));
        if (mayHoldNaN) {
            rounded = rounded.blend(bits.or(0x7FFF_FFFF).lanewise(VectorOperators.XOR, 0x003F_FFFF), f.compare(VectorOperators.NE, f).cast(IS));
        }
        return (ShortVector) rounded.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, HS, 0);
    }

    /** {@code HalfFloats.toFloat16Stochastic} lane by lane, with the random bits {@code random}. */
    static ShortVector toFloat16Stochastic(FloatVector f, IntVector random) {
        IntVector bits = f.reinterpretAsInts();
        IntVector abs = bits.and(0x7FFF_FFFF);
        IntVector exponent = abs.lanewise(VectorOperators.LSHR, 23).max(1);
        IntVector significand = abs.and(0x7F_FFFF).or(IntVector.zero(IS).blend(0x80_0000, abs.compare(VectorOperators.GE, 0x80_0000)));
        IntVector shift = exponent.neg().add(126).max(13);
        // Shifts past 31 (magnitudes below 2^-32) become zero below; the lanes' shift counts are
        // taken modulo 32, so clamp them first.
        VectorMask<Integer> tooSmall = shift.compare(VectorOperators.GT, 31);
        shift = shift.min(31);
        IntVector kept = significand.add(random.lanewise(VectorOperators.LSHR, shift.neg().add(32)))
                .lanewise(VectorOperators.LSHR, shift);
        IntVector half = kept.add(exponent.sub(113).max(0).lanewise(VectorOperators.LSHL, 10)).min(0x7C00)
                .blend(0, tooSmall)
                .blend(0x7E00, abs.compare(VectorOperators.GT, 0xFF << 23));
        return (ShortVector) half.or(bits.lanewise(VectorOperators.LSHR, 16).and(0x8000)).convertShape(VectorOperators.I2S, HS, 0);
    }
}
