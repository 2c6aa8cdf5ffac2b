package dev.panamax.simd;

import static dev.panamax.simd.SimdHalfSlots.ORDER;
import static dev.panamax.simd.SimdHalfSlots.loadH;
import static dev.panamax.simd.SimdLanes.*;
import static dev.panamax.simd.VectorMemory.*;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.LionCoefficients;
import dev.panamax.kernels.ScalarMixedPrecision;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * Adam, AMSGrad and Lion on float32 variables with float16 slots, and AMSGrad with bfloat16 slots:
 * the mixed-precision kernels whose fused loop does not fit C2's inlining budget (see
 * {@link SimdHalfSlots}; a float16 conversion takes about five times bfloat16's operations, and
 * AMSGrad has a third slot). They run block by block, in three passes of small loops: each 16-bit
 * slot of the block is widened into a float32 scratch block, the float32 SIMD kernel runs on the
 * block (the variable, the gradient and float32 slots are sliced, not copied), and the scratch is
 * rounded back to nearest. The float32 kernels compute the reference's formula in its order and
 * the conversions are {@link HalfLanes}', so the result is {@link ScalarMixedPrecision}'s bit for
 * bit. A block's scratch (at most three of {@link #BLOCK} floats, 12 KiB) stays in the
 * first-level cache, so memory sees each slot read and written once, as in a fused loop.
 *
 * <p>Each pass is a method of its own, one per format, that takes and returns no vector: whether
 * C2 inlines a pass into the block loop or calls it, nothing is boxed. Measured on 16M elements in
 * the executor's chunks, one thread: Adam with float16 moments 15.6 ms where its fused loop took
 * 40 ms (float32 Adam: 9-11 ms), AMSGrad with float16 slots 23 ms where it took 86, with bfloat16
 * slots 18 where it took 23 (float32: 12-13), Lion with a float16 momentum 16 ms where it took 23
 * (float32: 5-7). With a 16-bit variable the same passes measured no faster than the fused loops,
 * which stay in {@link SimdHalfVariables}.
 */
final class SimdStagedHalf {

    /** Elements per block: a multiple of every vector length, small enough for the scratch to stay in cache. */
    static final int BLOCK = 1024;

    private static final int M = 0;
    private static final int V = 1;
    private static final int VHAT = 2;

    private SimdStagedHalf() {
    }

    static void adam(DType mType, DType vType, DType vhatType, MemorySegment var, MemorySegment m, MemorySegment v,
                     MemorySegment vhat, MemorySegment grad, long from, long to, AdamCoefficients c) {
        MemorySegment scratch = scratch(3 * BLOCK);
        for (long start = from; start < to; start += BLOCK) {
            int n = (int) Math.min(BLOCK, to - start);
            MemorySegment w = floats(var, start, n);
            MemorySegment mb = widenSlot(mType, m, start, n, scratch, M);
            MemorySegment vb = widenSlot(vType, v, start, n, scratch, V);
            MemorySegment g = floats(grad, start, n);
            if (vhat == null) {
                SimdAdamFamily.adam(DType.FLOAT32, w, mb, vb, g, 0, n, c);
            } else {
                MemorySegment vhatb = widenSlot(vhatType, vhat, start, n, scratch, VHAT);
                SimdAdamFamily.adamAmsgrad(DType.FLOAT32, w, mb, vb, vhatb, g, 0, n, c);
                narrowSlot(vhatType, vhatb, vhat, start, n);
            }
            narrowSlot(mType, mb, m, start, n);
            narrowSlot(vType, vb, v, start, n);
        }
    }

    static void lion(DType mType, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, LionCoefficients c) {
        MemorySegment scratch = scratch(BLOCK);
        for (long start = from; start < to; start += BLOCK) {
            int n = (int) Math.min(BLOCK, to - start);
            MemorySegment w = floats(var, start, n);
            MemorySegment mb = widenSlot(mType, m, start, n, scratch, M);
            SimdAdamFamily.lion(DType.FLOAT32, w, mb, floats(grad, start, n), 0, n, c);
            narrowSlot(mType, mb, m, start, n);
        }
    }

    /** Elements {@code [start, start + n)} of a float32 tensor, as a segment of their own. */
    private static MemorySegment floats(MemorySegment s, long start, int n) {
        return s.asSlice(start * Float.BYTES, (long) n * Float.BYTES);
    }

    /** Block {@code index} of the scratch, {@code n} floats. */
    private static MemorySegment block(MemorySegment scratch, int index, int n) {
        return scratch.asSlice((long) index * BLOCK * Float.BYTES, (long) n * Float.BYTES);
    }

    /** The block of a slot as float32: its own elements, or a 16-bit slot widened into scratch block {@code index}. */
    private static MemorySegment widenSlot(DType type, MemorySegment slot, long start, int n, MemorySegment scratch, int index) {
        if (type == DType.FLOAT32) {
            return floats(slot, start, n);
        }
        MemorySegment block = block(scratch, index, n);
        int k = type == DType.BFLOAT16 ? widenBfloat16Slot(slot, start, n, block) : widenFloat16Slot(slot, start, n, block);
        widenTail(type, slot, start, k, n, block);
        return block;
    }

    // A 16-bit slot is always off-heap: read and written with the JDK's segment methods, as
    // SimdHalfSlots explains. Each vector pass returns where its reference tail starts.

    private static int widenBfloat16Slot(MemorySegment slot, long start, int n, MemorySegment block) {
        int k = 0;
        for (int bound = vectorBound(n); k < bound; k += FS.length()) {
            store(HalfLanes.bfloat16ToFloat(loadH(slot, start + k)), block, k);
        }
        return k;
    }

    private static int widenFloat16Slot(MemorySegment slot, long start, int n, MemorySegment block) {
        int k = 0;
        for (int bound = vectorBound(n); k < bound; k += FS.length()) {
            store(HalfLanes.float16ToFloat(loadH(slot, start + k)), block, k);
        }
        return k;
    }

    private static void widenTail(DType type, MemorySegment half, long start, int k, int n, MemorySegment block) {
        for (; k < n; k++) {
            block.setAtIndex(F_LAYOUT, k, ScalarMixedPrecision.load(type, half, start + k));
        }
    }

    /** Rounds a slot's float32 block back into a 16-bit slot, to nearest (a float32 block is the slot itself). */
    private static void narrowSlot(DType type, MemorySegment block, MemorySegment slot, long start, int n) {
        if (type == DType.FLOAT32) {
            return;
        }
        int k = type == DType.BFLOAT16 ? narrowBfloat16Slot(block, slot, start, n) : narrowFloat16Slot(block, slot, start, n);
        for (; k < n; k++) {
            ScalarMixedPrecision.store(type, slot, start + k, block.getAtIndex(F_LAYOUT, k));
        }
    }

    private static int narrowBfloat16Slot(MemorySegment block, MemorySegment slot, long start, int n) {
        int k = 0;
        for (int bound = vectorBound(n); k < bound; k += FS.length()) {
            HalfLanes.toBfloat16(loadF(block, k)).intoMemorySegment(slot, (start + k) * Short.BYTES, ORDER);
        }
        return k;
    }

    private static int narrowFloat16Slot(MemorySegment block, MemorySegment slot, long start, int n) {
        int k = 0;
        for (int bound = vectorBound(n); k < bound; k += FS.length()) {
            HalfLanes.toFloat16(loadF(block, k)).intoMemorySegment(slot, (start + k) * Short.BYTES, ORDER);
        }
        return k;
    }

    /** The elements of a block the vector loops cover: none when there is no 16-bit species ({@link SimdLanes#HS}). */
    private static int vectorBound(int n) {
        return HS == null ? 0 : FS.loopBound(n);
    }
}
