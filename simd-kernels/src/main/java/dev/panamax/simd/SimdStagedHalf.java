package dev.panamax.simd;

import static dev.panamax.simd.SimdHalfSlots.ORDER;
import static dev.panamax.simd.SimdHalfSlots.loadH;
import static dev.panamax.simd.SimdLanes.*;
import static dev.panamax.simd.VectorMemory.*;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.LionCoefficients;
import dev.panamax.kernels.ScalarMixedPrecision;
import dev.panamax.kernels.VariableRounding;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.IntVector;

/**
 * The mixed-precision Adam, AMSGrad and Lion kernels whose fused loop does not fit C2's inlining
 * budget (see {@link SimdHalfSlots}): those with a float16 operand (variable or slot), whose
 * conversions take about five times bfloat16's operations, and AMSGrad, with its third slot. They
 * run block by block, in three passes of small loops: each 16-bit operand of the block is widened
 * into a float32 scratch block, the float32 SIMD kernel runs on the block (float32 operands are
 * sliced, not copied), and the scratch is rounded back: the slots to nearest, the variable as its
 * {@link VariableRounding} says, with the random bits of each element's index in the whole tensor.
 * The float32 kernels compute the reference's formula in its order and the conversions are
 * {@link HalfLanes}', so the result is {@link ScalarMixedPrecision}'s bit for bit. A block's
 * scratch (at most four of {@link #BLOCK} floats, 16 KiB) stays in the first-level cache, so
 * memory sees each 16-bit operand read and written once, as in a fused loop.
 *
 * <p>Each pass takes and returns no vector: whether C2 inlines a pass into the block loop or calls
 * it, nothing is boxed. Measured on 16M elements in the executor's chunks, one thread (this
 * machine's JIT settles on one of two speeds per run, both given): Adam with float16 moments 15.6
 * or 23 ms where its fused loop took 40 (float32 Adam: 9-11 ms); AMSGrad with float16 slots 23 ms
 * where it took 86, with bfloat16 slots 18 where it took 23 (float32: 12-13); Lion with a float16
 * momentum 16 where it took 23 (float32: 5-7); AMSGrad on a bfloat16 variable 20 or 32 ms where
 * the reference loop took 47-100. Adam and Lion on a float16 variable take about what their fused
 * loops took (27 and 20 ms): the variable's stochastic float16 rounding is the cost there.
 */
final class SimdStagedHalf {

    /** Elements per block: a multiple of every vector length, small enough for the scratch to stay in cache. */
    static final int BLOCK = 1024;

    private static final int M = 0;
    private static final int V = 1;
    private static final int VHAT = 2;
    private static final int VAR = 3;

    private SimdStagedHalf() {
    }

    static void adam(DType varType, DType mType, DType vType, DType vhatType, VariableRounding rounding, MemorySegment var,
                     MemorySegment m, MemorySegment v, MemorySegment vhat, MemorySegment grad, long from, long to,
                     AdamCoefficients c) {
        MemorySegment scratch = scratch(4 * BLOCK);
        for (long start = from; start < to; start += BLOCK) {
            int n = (int) Math.min(BLOCK, to - start);
            MemorySegment w = widenVariable(varType, var, start, n, scratch);
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
            narrowVariable(varType, rounding, w, var, start, n);
            narrowSlot(mType, mb, m, start, n);
            narrowSlot(vType, vb, v, start, n);
        }
    }

    static void lion(DType varType, DType mType, VariableRounding rounding, MemorySegment var, MemorySegment m, MemorySegment grad,
                     long from, long to, LionCoefficients c) {
        MemorySegment scratch = scratch(4 * BLOCK);
        for (long start = from; start < to; start += BLOCK) {
            int n = (int) Math.min(BLOCK, to - start);
            MemorySegment w = widenVariable(varType, var, start, n, scratch);
            MemorySegment mb = widenSlot(mType, m, start, n, scratch, M);
            SimdAdamFamily.lion(DType.FLOAT32, w, mb, floats(grad, start, n), 0, n, c);
            narrowVariable(varType, rounding, w, var, start, n);
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

    /** The block of the variable as float32: its own elements, or a 16-bit variable widened into the scratch. */
    private static MemorySegment widenVariable(DType type, MemorySegment var, long start, int n, MemorySegment scratch) {
        if (type == DType.FLOAT32) {
            return floats(var, start, n);
        }
        MemorySegment block = block(scratch, VAR, n);
        int k = 0;
        if (type == DType.BFLOAT16) {
            for (int bound = vectorBound(n); k < bound; k += FS.length()) {
                store(HalfLanes.bfloat16ToFloat(loadS(var, start + k)), block, k);
            }
        } else {
            for (int bound = vectorBound(n); k < bound; k += FS.length()) {
                store(HalfLanes.float16ToFloat(loadS(var, start + k)), block, k);
            }
        }
        widenTail(type, var, start, k, n, block);
        return block;
    }

    /**
     * Rounds the variable's float32 block back into a 16-bit variable (a float32 block is the
     * variable itself), as {@code rounding} says, with the random bits of each element's index in
     * the whole tensor. Its four loops are written out here, not in methods of their own: this
     * method's bytecode (about 350 bytes) is then past C2's {@code FreqInlineSize} (325), so C2
     * compiles it alone, with only the loop its profile has seen, and never into the block loop.
     * When the loops were small methods, C2 inlined them into the block loop, and the stochastic
     * float16 rounding pushed that compilation past its node budget: Adam on a float16 variable
     * then took as long as the fused loop. (If a JVM inlined it anyway, only speed would change.)
     */
    private static void narrowVariable(DType type, VariableRounding rounding, MemorySegment block, MemorySegment var, long start,
                                       int n) {
        if (type == DType.FLOAT32) {
            return;
        }
        boolean bfloat16 = type == DType.BFLOAT16;
        int key = rounding.key();
        IntVector weyl = HalfLanes.weylLanes();
        int k = 0;
        if (rounding.stochastic() && bfloat16) {
            for (int bound = vectorBound(n); k < bound; k += FS.length()) {
                long i = start + k;
                IntVector random = HalfLanes.random(weyl.add((int) i * VariableRounding.GOLDEN + key));
                store(HalfLanes.toBfloat16Stochastic(loadF(block, k), random), var, i);
            }
        } else if (rounding.stochastic()) {
            for (int bound = vectorBound(n); k < bound; k += FS.length()) {
                long i = start + k;
                IntVector random = HalfLanes.random(weyl.add((int) i * VariableRounding.GOLDEN + key));
                store(HalfLanes.toFloat16Stochastic(loadF(block, k), random), var, i);
            }
        } else if (bfloat16) {
            for (int bound = vectorBound(n); k < bound; k += FS.length()) {
                store(HalfLanes.toBfloat16(loadF(block, k)), var, start + k);
            }
        } else {
            for (int bound = vectorBound(n); k < bound; k += FS.length()) {
                store(HalfLanes.toFloat16(loadF(block, k)), var, start + k);
            }
        }
        for (; k < n; k++) {
            ScalarMixedPrecision.storeVariable(type, rounding, var, start + k, block.getAtIndex(F_LAYOUT, k));
        }
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

    // A 16-bit variable may wrap a short[] (read and written with VectorMemory); a 16-bit slot is
    // always off-heap (read and written with the JDK's segment methods, as SimdHalfSlots explains).
    // Each slot pass returns where its reference tail starts.

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
