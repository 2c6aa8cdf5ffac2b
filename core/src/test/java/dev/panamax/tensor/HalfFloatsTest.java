package dev.panamax.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link HalfFloats} against independent references: the nearest value worked out in double, and the JDK's binary16. */
class HalfFloatsTest {

    /** Low 16 bits that matter for rounding to bfloat16: zero, just above, just below, at and past the halfway point, all ones. */
    private static final int[] LOW_BITS = {0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF};

    /** Every float32 that shares its top 16 bits with a bfloat16, at each of {@link #LOW_BITS} and at a few random low bits. */
    private static void forSampleFloats(java.util.function.IntConsumer test) {
        SplittableRandom random = new SplittableRandom(18);
        for (int high = 0; high < 1 << 16; high++) {
            for (int low : LOW_BITS) {
                test.accept(high << 16 | low);
            }
            test.accept(high << 16 | random.nextInt(1 << 16));
        }
    }

    /** The bfloat16 nearest to a non-NaN float, ties to even, worked out from the two candidates' values in double (exact). */
    private static short nearestBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = bits >>> 16 & 0x8000;
        int below = bits >>> 16 & 0x7FFF; // the magnitude truncated: the candidate toward zero
        int above = below + 1;            // and away from zero (0x7F80, infinity, past the largest finite)
        if (below == 0x7F80) {
            return (short) (sign | below); // infinity stays infinity
        }
        double d = Math.abs((double) f);
        double low = Math.abs((double) HalfFloats.bfloat16ToFloat((short) below));
        // Past the largest finite bfloat16, the next step would be 2^128: halfway to it is where infinity starts.
        double high = above == 0x7F80 ? Math.scalb(1.0, 128) : Math.abs((double) HalfFloats.bfloat16ToFloat((short) above));
        int nearest = d - low < high - d ? below : d - low > high - d ? above : (below & 1) == 0 ? below : above;
        return (short) (sign | nearest);
    }

    @Test
    void bfloat16IsTheNearestValueTiesToEven() {
        forSampleFloats(bits -> {
            float f = Float.intBitsToFloat(bits);
            if (!Float.isNaN(f)) {
                assertEquals(nearestBfloat16(f), HalfFloats.toBfloat16(f), () -> "float bits " + Integer.toHexString(bits));
            }
        });
    }

    @Test
    void bfloat16SpecialValues() {
        assertEquals((short) 0x0000, HalfFloats.toBfloat16(0f));
        assertEquals((short) 0x8000, HalfFloats.toBfloat16(-0f));
        assertEquals((short) 0x7F80, HalfFloats.toBfloat16(Float.POSITIVE_INFINITY));
        assertEquals((short) 0xFF80, HalfFloats.toBfloat16(Float.NEGATIVE_INFINITY));
        assertEquals((short) 0x7FC0, HalfFloats.toBfloat16(Float.NaN));
        assertEquals((short) 0xFFC0, HalfFloats.toBfloat16(Float.intBitsToFloat(0xFFC00000)));
        // A NaN whose payload lies in the dropped bits stays a NaN (truncated, it would be infinity).
        assertEquals((short) 0x7FC0, HalfFloats.toBfloat16(Float.intBitsToFloat(0x7F800001)));
        assertEquals((short) 0x3F80, HalfFloats.toBfloat16(1f));
        assertEquals((short) 0x4049, HalfFloats.toBfloat16((float) Math.PI)); // 3.140625
        // Float32's largest value is past the halfway point to 2^128: infinity.
        assertEquals((short) 0x7F80, HalfFloats.toBfloat16(Float.MAX_VALUE));
        assertEquals((short) 0x7F7F, HalfFloats.toBfloat16(Float.intBitsToFloat(0x7F7F7FFF)));
        // Subnormals round too (no flush to zero), ties to even.
        assertEquals((short) 0x0000, HalfFloats.toBfloat16(Float.MIN_VALUE));
        assertEquals((short) 0x0000, HalfFloats.toBfloat16(Float.intBitsToFloat(0x00008000)));
        assertEquals((short) 0x0002, HalfFloats.toBfloat16(Float.intBitsToFloat(0x00018000)));
        assertEquals((short) 0x0001, HalfFloats.toBfloat16(Float.intBitsToFloat(0x00008001)));
    }

    @Test
    void everyBfloat16WidensExactlyAndNarrowsBackToItself() {
        for (int b = 0; b < 1 << 16; b++) {
            short bits = (short) b;
            float f = HalfFloats.bfloat16ToFloat(bits);
            assertEquals(b << 16, Float.floatToRawIntBits(f));
            short back = HalfFloats.toBfloat16(f);
            short expected = Float.isNaN(f) ? (short) (b & 0x8000 | 0x7FC0) : bits;
            assertEquals(expected, back, "bfloat16 " + Integer.toHexString(b));
        }
    }

    @Test
    void float16IsIeeeRoundingWithEigensNaN() {
        forSampleFloats(bits -> {
            float f = Float.intBitsToFloat(bits);
            short expected = Float.isNaN(f) ? (short) (bits >>> 16 & 0x8000 | 0x7E00) : Float.floatToFloat16(f);
            assertEquals(expected, HalfFloats.toFloat16(f), () -> "float bits " + Integer.toHexString(bits));
        });
        assertEquals((short) 0x7BFF, HalfFloats.toFloat16(65504f));          // the largest binary16
        assertEquals((short) 0x7BFF, HalfFloats.toFloat16(Math.nextDown(65520f)));
        assertEquals((short) 0x7C00, HalfFloats.toFloat16(65520f));          // halfway to 65536: overflow
        assertEquals((short) 0xFC00, HalfFloats.toFloat16(-1e6f));
        assertEquals((short) 0x0001, HalfFloats.toFloat16(0x1p-24f));        // the smallest subnormal
        assertEquals((short) 0x0000, HalfFloats.toFloat16(0x1p-25f));        // halfway to it: ties to even, zero
        assertEquals((short) 0x0002, HalfFloats.toFloat16(0x3p-25f));        // 1.5 ulps: ties to even, two
        assertEquals((short) 0x8000, HalfFloats.toFloat16(-0f));
        assertEquals((short) 0x7E00, HalfFloats.toFloat16(Float.NaN));
        assertEquals((short) 0xFE00, HalfFloats.toFloat16(Float.intBitsToFloat(0xFF800001)));
        assertEquals((short) 0x3C00, HalfFloats.toFloat16(1f));
    }

    @Test
    void everyFloat16WidensExactlyAndNarrowsBackToItself() {
        for (int b = 0; b < 1 << 16; b++) {
            short bits = (short) b;
            float f = HalfFloats.float16ToFloat(bits);
            boolean nan = (b & 0x7C00) == 0x7C00 && (b & 0x03FF) != 0;
            assertEquals(nan, Float.isNaN(f), "float16 " + Integer.toHexString(b));
            short expected = nan ? (short) (b & 0x8000 | 0x7E00) : bits;
            assertEquals(expected, HalfFloats.toFloat16(f), "float16 " + Integer.toHexString(b));
        }
    }
}
