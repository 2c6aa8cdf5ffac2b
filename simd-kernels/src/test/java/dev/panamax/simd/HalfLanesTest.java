package dev.panamax.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamax.kernels.VariableRounding;
import dev.panamax.simd.heap.HeapHalfLoops;
import dev.panamax.tensor.HalfFloats;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link HalfLanes} equals {@link HalfFloats} bit for bit, lane by lane, in both copies of the
 * kernels: loaded and stored through the off-heap {@code VectorMemory} and through the heap copy's
 * (arrays behind heap segments). Widening: every 16-bit pattern of both formats. Narrowing: every
 * bfloat16 with seven low halves, the float16 range exponent by exponent (every kept significand
 * of a binade around each rounding boundary, plus a dense stride), the values around float16's
 * overflow and the special values, and random bit patterns. Loads and stores at unaligned
 * elements leave their neighbours alone.
 */
class HalfLanesTest {

    private static final long SEED = SumData.SEED;

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** The two kinds of memory, each with its own copy of the loops. */
    enum Memory {
        OFF_HEAP(new OffHeapHalfLoops()),
        HEAP_ARRAYS(new HeapHalfLoops());

        final HalfLoops loops;

        Memory(HalfLoops loops) {
            this.loops = loops;
        }

        MemorySegment floats(Arena arena, int n) {
            return this == OFF_HEAP ? arena.allocate((long) n * Float.BYTES, Float.BYTES)
                    : MemorySegment.ofArray(new float[n]);
        }

        MemorySegment shorts(Arena arena, int n) {
            return this == OFF_HEAP ? arena.allocate((long) n * Short.BYTES, Short.BYTES)
                    : MemorySegment.ofArray(new short[n]);
        }
    }

    /** The formats, and bfloat16 narrowed with the NaN test made by the caller (the kernels' shared test). */
    enum Format {
        BFLOAT16, FLOAT16, BFLOAT16_CALLER_TESTED;

        short narrow(float f) {
            return this == FLOAT16 ? HalfFloats.toFloat16(f) : HalfFloats.toBfloat16(f);
        }

        float widen(short h) {
            return this == FLOAT16 ? HalfFloats.float16ToFloat(h) : HalfFloats.bfloat16ToFloat(h);
        }

        short narrowStochastic(float f, int random) {
            return this == FLOAT16 ? HalfFloats.toFloat16Stochastic(f, random) : HalfFloats.toBfloat16Stochastic(f, random);
        }

        void narrow(HalfLoops loops, MemorySegment floats, long from, MemorySegment halves, long to, int n) {
            switch (this) {
                case BFLOAT16 -> loops.toBfloat16(floats, from, halves, to, n);
                case FLOAT16 -> loops.toFloat16(floats, from, halves, to, n);
                case BFLOAT16_CALLER_TESTED -> loops.toBfloat16CallerTested(floats, from, halves, to, n);
            }
        }

        void narrowStochastic(HalfLoops loops, MemorySegment floats, long from, MemorySegment halves, long to, int n, int key) {
            switch (this) {
                case BFLOAT16 -> loops.toBfloat16Stochastic(floats, from, halves, to, n, key);
                case FLOAT16 -> loops.toFloat16Stochastic(floats, from, halves, to, n, key);
                case BFLOAT16_CALLER_TESTED -> loops.toBfloat16StochasticCallerTested(floats, from, halves, to, n, key);
            }
        }

        void widen(HalfLoops loops, MemorySegment halves, long from, MemorySegment floats, long to, int n) {
            if (this != FLOAT16) {
                loops.bfloat16ToFloat(halves, from, floats, to, n);
            } else {
                loops.float16ToFloat(halves, from, floats, to, n);
            }
        }
    }

    @Test
    void theHalfLanesMatchTheFloatLanes() {
        assertEquals(SimdLanes.FS.length(), SimdLanes.HS.length());
        assertEquals(SimdLanes.FS.vectorBitSize(), 2 * SimdLanes.HS.vectorBitSize());
        assertEquals(SimdLanes.FS.vectorShape(), SimdLanes.IS.vectorShape());
        assertEquals(SimdLanes.FS.length(), SimdLanes.IS.length());
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void everySixteenBitPatternWidensExactly(Memory memory) {
        short[] all = new short[1 << 16];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        for (Format format : Format.values()) {
            float[] got = widen(memory, format, all);
            StringBuilder diffs = new StringBuilder();
            int wrong = 0;
            for (int i = 0; i < all.length; i++) {
                int expected = Float.floatToRawIntBits(format.widen(all[i]));
                int actual = Float.floatToRawIntBits(got[i]);
                if (expected != actual && wrong++ < 8) {
                    diffs.append(String.format("%n  0x%04x: 0x%08x, expected 0x%08x", i, actual, expected));
                }
            }
            if (wrong > 0) {
                fail(format + " widening on " + memory + ": " + wrong + " of 65536 patterns differ" + diffs);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void everyBfloat16WithSevenLowHalvesNarrowsAsTheReference(Memory memory) {
        int[] bits = everyHighHalfWithLowHalves(new SplittableRandom(SEED));
        for (Format format : Format.values()) {
            assertNarrows(memory, format, bits, "every bfloat16 x 7 low halves");
        }
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void theFloat16RangeAndTheSpecialValuesNarrowAsTheReference(Memory memory) {
        int[] bits = float16Range(new SplittableRandom(SEED + 1));
        for (Format format : Format.values()) {
            assertNarrows(memory, format, bits, "float16 range");
        }
        int[] special = specialValues();
        for (Format format : Format.values()) {
            assertNarrows(memory, format, special, "special values");
        }
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void randomBitPatternsNarrowAsTheReference(Memory memory) {
        SplittableRandom random = new SplittableRandom(SEED + 2);
        int[] bits = new int[3_000_000];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = random.nextInt();
        }
        for (Format format : Format.values()) {
            assertNarrows(memory, format, bits, "random bits");
        }
    }

    /**
     * Narrowing then widening at unaligned elements of both kinds of segment (whole, and a slice
     * that starts mid-array): the elements in range are the reference's, the rest untouched.
     */
    @ParameterizedTest
    @EnumSource(Memory.class)
    void loadsAndStoresAtUnalignedElementsTouchOnlyTheirElements(Memory memory) {
        HalfLoops loops = memory.loops;
        int lanes = loops.lanes();
        int n = 4 * lanes;
        SplittableRandom random = new SplittableRandom(SEED + 3);
        short canaryHalf = 0x5A5A;
        float canaryFloat = Float.intBitsToFloat(0x5A5A5A5A);
        for (Format format : Format.values()) {
            for (int slice : new int[] {0, 5}) {
                for (int from : new int[] {0, 1, 3, lanes - 1, lanes + 1}) {
                    for (int to : new int[] {1, 3, 2 * lanes - 1}) {
                        float[] values = new float[n];
                        for (int i = 0; i < n; i++) {
                            values[i] = (float) (random.nextGaussian() * Math.scalb(1.0, random.nextInt(-30, 20)));
                        }
                        String where = format + " on " + memory + ", slice " + slice + ", from " + from + " to " + to
                                + " (seed " + SEED + ")";
                        int size = slice + Math.max(from, to) + n + lanes;
                        try (Arena arena = Arena.ofConfined()) {
                            MemorySegment floats = memory.floats(arena, size).asSlice((long) slice * Float.BYTES);
                            MemorySegment halves = memory.shorts(arena, size).asSlice((long) slice * Short.BYTES);
                            int length = size - slice;
                            for (int i = 0; i < length; i++) {
                                floats.setAtIndex(F, i, canaryFloat);
                                halves.setAtIndex(S, i, canaryHalf);
                            }
                            MemorySegment.copy(values, 0, floats, F, (long) from * Float.BYTES, n);
                            format.narrow(loops, floats, from, halves, to, n);
                            for (int i = 0; i < length; i++) {
                                short expected = i >= to && i < to + n ? format.narrow(values[i - to]) : canaryHalf;
                                assertEquals(expected, halves.getAtIndex(S, i), "half " + i + ", " + where);
                            }
                            for (int i = 0; i < length; i++) {
                                floats.setAtIndex(F, i, canaryFloat);
                            }
                            format.widen(loops, halves, to, floats, from, n);
                            for (int i = 0; i < length; i++) {
                                float expected = i >= from && i < from + n
                                        ? format.widen(halves.getAtIndex(S, to + i - from)) : canaryFloat;
                                assertEquals(Float.floatToRawIntBits(expected),
                                        Float.floatToRawIntBits(floats.getAtIndex(F, i)), "float " + i + ", " + where);
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Memory.class)
    void stochasticNarrowingEqualsTheReference(Memory memory) {
        SplittableRandom random = new SplittableRandom(SEED + 5);
        IntList bits = new IntList();
        for (int b : specialValues()) {
            bits.add(b);
        }
        for (int b : float16Range(random)) {
            bits.add(b);
        }
        for (int i = 0; i < 20_000; i++) {
            bits.add(random.nextInt());
            // Magnitudes from 2^-40 to 2^-20: float16's subnormals, and below them those that become zero.
            bits.add(Float.floatToRawIntBits((float) (Math.scalb(1.0 + random.nextDouble(), random.nextInt(-40, -20))
                    * (random.nextBoolean() ? 1 : -1))));
        }
        int[] all = bits.toArray();
        float[] values = new float[all.length];
        for (int i = 0; i < all.length; i++) {
            values[i] = Float.intBitsToFloat(all[i]);
        }
        for (Format format : Format.values()) {
            int key = random.nextInt();
            int n = wholeVectors(memory, values.length);
            short[] got = new short[values.length];
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment floats = memory.floats(arena, n);
                MemorySegment halves = memory.shorts(arena, n);
                MemorySegment.copy(values, 0, floats, F, 0, values.length);
                for (int from = 0; from < n; from += chunk(memory)) {
                    int count = Math.min(chunk(memory), n - from);
                    format.narrowStochastic(memory.loops, floats, from, halves, from, count, key);
                }
                MemorySegment.copy(halves, S, 0, got, 0, got.length);
            }
            for (int i = 0; i < values.length; i++) {
                int r = VariableRounding.random(key, i);
                short expected = format.narrowStochastic(values[i], r);
                if (got[i] != expected) {
                    fail(String.format("%s stochastic narrowing on %s of 0x%08x (%s), random 0x%08x: 0x%04x, expected 0x%04x"
                            + " (seed %d)", format, memory, all[i], values[i], r, got[i] & 0xFFFF, expected & 0xFFFF, SEED));
                }
            }
        }
    }

    private static void assertNarrows(Memory memory, Format format, int[] bits, String what) {
        float[] values = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            values[i] = Float.intBitsToFloat(bits[i]);
        }
        short[] got = narrow(memory, format, values);
        StringBuilder diffs = new StringBuilder();
        int wrong = 0;
        for (int i = 0; i < values.length; i++) {
            short expected = format.narrow(values[i]);
            if (got[i] != expected && wrong++ < 8) {
                diffs.append(String.format("%n  0x%08x (%s): 0x%04x, expected 0x%04x", bits[i], values[i],
                        got[i] & 0xFFFF, expected & 0xFFFF));
            }
        }
        if (wrong > 0) {
            fail(format + " narrowing of " + what + " on " + memory + ": " + wrong + " of " + values.length
                    + " values differ (seed " + SEED + ")" + diffs);
        }
    }

    /** The vector narrowing of {@code values} (padded with zeros to whole vectors). */
    private static short[] narrow(Memory memory, Format format, float[] values) {
        int n = wholeVectors(memory, values.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment floats = memory.floats(arena, n);
            MemorySegment halves = memory.shorts(arena, n);
            MemorySegment.copy(values, 0, floats, F, 0, values.length);
            for (int from = 0; from < n; from += chunk(memory)) {
                format.narrow(memory.loops, floats, from, halves, from, Math.min(chunk(memory), n - from));
            }
            short[] out = new short[values.length];
            MemorySegment.copy(halves, S, 0, out, 0, out.length);
            return out;
        }
    }

    /** The vector widening of {@code halves} (padded with zeros to whole vectors). */
    private static float[] widen(Memory memory, Format format, short[] halves) {
        int n = wholeVectors(memory, halves.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = memory.shorts(arena, n);
            MemorySegment floats = memory.floats(arena, n);
            MemorySegment.copy(halves, 0, in, S, 0, halves.length);
            for (int from = 0; from < n; from += chunk(memory)) {
                format.widen(memory.loops, in, from, floats, from, Math.min(chunk(memory), n - from));
            }
            float[] out = new float[halves.length];
            MemorySegment.copy(floats, F, 0, out, 0, out.length);
            return out;
        }
    }

    /**
     * The elements of one call of a loop: 16 vectors. Many short calls get the loops to C2 after a
     * few thousand vectors (by their invocation count); one long call runs tens of thousands in
     * the interpreter and C1 first (the Vector API's lane-by-lane fallback), seconds per test.
     */
    private static int chunk(Memory memory) {
        return 16 * memory.loops.lanes();
    }

    private static int wholeVectors(Memory memory, int n) {
        int lanes = memory.loops.lanes();
        return (n + lanes - 1) / lanes * lanes;
    }

    /** Every 16 high bits with the low halves 0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF and a random one. */
    private static int[] everyHighHalfWithLowHalves(SplittableRandom random) {
        int[] lows = {0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF};
        int[] bits = new int[(1 << 16) * (lows.length + 1)];
        int k = 0;
        for (int high = 0; high < 1 << 16; high++) {
            for (int low : lows) {
                bits[k++] = high << 16 | low;
            }
            bits[k++] = high << 16 | random.nextInt(1 << 16);
        }
        return bits;
    }

    /**
     * Both signs, every float exponent from below float16's least subnormal (2^-27) to past its
     * overflow (2^18): each significand float16 keeps (all of them in a binade, at most 1,024) with
     * the dropped bits 0, 1, just below half, half, just above, all ones and random; and a dense
     * stride of significands.
     */
    private static int[] float16Range(SplittableRandom random) {
        IntList bits = new IntList();
        for (int sign = 0; sign < 2; sign++) {
            for (int exponent = 127 - 27; exponent <= 127 + 18; exponent++) {
                int top = sign << 31 | exponent << 23;
                // The float16 quantum is 2^-24 below 2^-14, 10 significand bits above.
                int dropped = Math.clamp(126 - exponent, 13, 23);
                int half = 1 << dropped - 1;
                int mask = (1 << dropped) - 1;
                for (int kept = 0; kept < 1 << 23 - dropped; kept++) {
                    int base = top | kept << dropped;
                    for (int low : new int[] {0, 1, half - 1, half, half + 1, mask, random.nextInt(mask + 1)}) {
                        bits.add(base | low);
                    }
                }
                for (int significand = random.nextInt(509); significand < 1 << 23; significand += 509) {
                    bits.add(top | significand);
                }
            }
        }
        return bits.toArray();
    }

    /** Float16's largest finite values and its overflow, zeros, infinities, NaNs, extremes. */
    private static int[] specialValues() {
        IntList bits = new IntList();
        float[] around = {65504f, 65520f, 65536f, 0x1p-14f, 0x1p-24f, 0x1p-25f, 0x1.8p-25f, 1f, 2048f};
        for (float v : around) {
            int b = Float.floatToRawIntBits(v);
            for (int d = -3; d <= 3; d++) {
                bits.add(b + d);
                bits.add((b + d) | 0x8000_0000);
            }
        }
        int[] payloads = {1, 2, 0x1FFF, 0x2000, 0x3FFF, 0x3F_FFFF, 0x40_0000, 0x40_0001, 0x40_2000, 0x7F_E000, 0x7F_FFFF};
        for (int payload : payloads) {
            bits.add(0x7F80_0000 | payload);
            bits.add(0xFF80_0000 | payload);
        }
        for (float v : new float[] {0f, Float.POSITIVE_INFINITY, Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
            Float.intBitsToFloat(0x007F_FFFF), Float.intBitsToFloat(0x0000_1000), Float.NaN}) {
            int b = Float.floatToRawIntBits(v);
            bits.add(b);
            bits.add(b | 0x8000_0000);
        }
        return bits.toArray();
    }

    private static final class IntList {
        private int[] values = new int[1 << 16];
        private int size;

        void add(int v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, 2 * size);
            }
            values[size++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
