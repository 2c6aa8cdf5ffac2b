package dev.panamax.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.panamax.kernels.VariableRounding;
import org.junit.jupiter.api.Test;

/**
 * {@link HalfFloats#toBfloat16Stochastic} and {@link HalfFloats#toFloat16Stochastic}: the dropped
 * bits plus the random bits carry into the kept ones exactly when the random bits are at least
 * the dropped part's complement; special values, overflow and underflow. The expected bits here
 * are worked out by hand from the formats.
 */
class StochasticRoundingTest {

    private static short bf(int bits, int random) {
        return HalfFloats.toBfloat16Stochastic(Float.intBitsToFloat(bits), random);
    }

    private static short f16(float f, int random) {
        return HalfFloats.toFloat16Stochastic(f, random);
    }

    @Test
    void bfloat16RoundsUpWhenTheRandomBitsCarry() {
        // 1 + 2^-9: the dropped 16 bits are 0x4000, a quarter of bfloat16's spacing at 1.
        assertEquals((short) 0x3F80, bf(0x3F80_4000, 0xBFFF_FFFF));
        assertEquals((short) 0x3F81, bf(0x3F80_4000, 0xC000_0000));
        assertEquals((short) 0xBF81, bf(0xBF80_4000, 0xC000_0000), "the magnitude rounds up, away from zero");
        assertEquals((short) 0x3F80, bf(0x3F80_0000, 0xFFFF_FFFF), "an exact value stays");
        assertEquals((short) 0x0001, bf(0x0000_8000, 0x8000_0000), "float32 subnormals round like any value");
        assertEquals((short) 0x0000, bf(0x0000_8000, 0x7FFF_FFFF));
    }

    @Test
    void bfloat16SpecialValues() {
        assertEquals((short) 0x7F7F, bf(0x7F7F_FFFF, 0x0000_FFFF), "random bits below the top 16 are not used");
        assertEquals((short) 0x7F80, bf(0x7F7F_FFFF, 0x0001_0000), "a carry from the largest finite value gives infinity");
        assertEquals((short) 0x7F80, bf(0x7F80_0000, 0xFFFF_FFFF), "infinity stays");
        assertEquals((short) 0xFF80, bf(0xFF80_0000, 0xFFFF_FFFF));
        assertEquals((short) 0x7FC0, bf(0x7F80_0001, 0xFFFF_FFFF), "a NaN becomes the quiet NaN");
        assertEquals((short) 0xFFC0, bf(0xFFFF_FFFF, 0));
    }

    @Test
    void float16RoundsUpWhenTheRandomBitsCarry() {
        float x = 1 + 0x1p-12f; // a quarter of float16's spacing 2^-10 at 1: 13 dropped bits 0x0800
        assertEquals((short) 0x3C00, f16(x, 0xBFFF_FFFF));
        assertEquals((short) 0x3C01, f16(x, 0xC000_0000));
        assertEquals((short) 0xBC01, f16(-x, 0xC000_0000));
        assertEquals((short) 0x7BFF, f16(65504f, 0xFFFF_FFFF), "the largest finite float16 is exact");
        assertEquals((short) 0x7BFF, f16(65505f, 0));
        assertEquals((short) 0x7C00, f16(65505f, 0xFFFF_FFFF), "a carry past 65504 gives infinity");
        assertEquals((short) 0x7C00, f16(1e6f, 0), "beyond the range: infinity");
    }

    @Test
    void float16SubnormalsAndTinyValues() {
        assertEquals((short) 0x0001, f16(0x1p-24f, 0xFFFF_FFFF), "the least subnormal is exact");
        assertEquals((short) 0x0000, f16(0x1p-25f, 0x7FFF_FFFF), "half of it: up with probability 1/2");
        assertEquals((short) 0x0001, f16(0x1p-25f, 0x8000_0000));
        assertEquals((short) 0x0400, f16(0x1p-14f - 0x1p-30f, 0xFFFF_FFFF), "a carry from the subnormals gives the least normal");
        assertEquals((short) 0x0001, f16(0x1p-32f, 0xFF00_0000), "2^-32: up with probability 2^-8");
        assertEquals((short) 0x0000, f16(0x1p-32f, 0xFEFF_FFFF));
        assertEquals((short) 0x0000, f16(0x1p-33f, 0xFFFF_FFFF), "below 2^-32: zero");
        assertEquals((short) 0x8000, f16(-0x1p-33f, 0xFFFF_FFFF), "with its sign");
        assertEquals((short) 0x0000, f16(Float.MIN_VALUE, 0xFFFF_FFFF));
    }

    @Test
    void float16SpecialValues() {
        assertEquals((short) 0x7C00, f16(Float.POSITIVE_INFINITY, 0xFFFF_FFFF));
        assertEquals((short) 0xFC00, f16(Float.NEGATIVE_INFINITY, 0));
        assertEquals((short) 0x7E00, f16(Float.NaN, 0));
        assertEquals((short) 0xFE00, f16(Float.intBitsToFloat(0xFF80_0001), 0xFFFF_FFFF));
        assertEquals((short) 0x8000, f16(-0f, 0xFFFF_FFFF));
    }

    @Test
    void theExpectedValueIsTheFloat32Value() {
        // Over many elements' random bits, the mean of the rounded values is the float32 value.
        VariableRounding r = VariableRounding.stochastic(11, 0, 0);
        float x = 1 + 0x1p-12f + 0x1p-14f; // 5/16 of float16's spacing, 5/64... of bfloat16's
        double bfSum = 0;
        double f16Sum = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            bfSum += HalfFloats.bfloat16ToFloat(r.round(DType.BFLOAT16, x, i));
            f16Sum += HalfFloats.float16ToFloat(r.round(DType.FLOAT16, x, i));
        }
        assertEquals(x, bfSum / n, 2e-5);
        assertEquals(x, f16Sum / n, 2e-6);
    }

    @Test
    void theKeyDependsOnSeedStepAndVariable() {
        VariableRounding a = VariableRounding.stochastic(1, 5, 2);
        assertEquals(a, VariableRounding.stochastic(1, 5, 2));
        assertNotEquals(a.key(), VariableRounding.stochastic(2, 5, 2).key());
        assertNotEquals(a.key(), VariableRounding.stochastic(1, 6, 2).key());
        assertNotEquals(a.key(), VariableRounding.stochastic(1, 5, 3).key());
        assertNotEquals(VariableRounding.random(a.key(), 0), VariableRounding.random(a.key(), 1));
    }
}
