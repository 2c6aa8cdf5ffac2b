package dev.panamax.simd;

import static dev.panamax.simd.SimdHalfSlots.*;
import static dev.panamax.simd.SimdLanes.*;
import static dev.panamax.simd.VectorMemory.*;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.LionCoefficients;
import dev.panamax.kernels.ScalarMixedPrecision;
import dev.panamax.kernels.VariableRounding;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * SIMD kernels of bfloat16 and float16 variables (float32 gradient; each slot float32, bfloat16 or
 * float16), bit for bit {@link ScalarMixedPrecision}: the variable is loaded as 16-bit lanes and
 * widened in registers, the float32 formula runs, and the new value is rounded in registers, to
 * nearest or stochastically ({@link HalfLanes#random}, the same bits as
 * {@link VariableRounding#random} for each element's index). The loops follow
 * {@link SimdHalfSlots}' layout for C2's inlining budget: our calls early, the variable rounded
 * and stored before the slots, the 16-bit slots (always off-heap) read and written with the JDK's
 * segment methods directly; the variable itself goes through {@link VectorMemory}, as it may wrap
 * a {@code short[]}. With the variable's widening and rounding in the body, a bfloat16 slot's
 * rounding no longer fits: calling {@link HalfLanes#toBfloat16} there left it out of the
 * compilation and boxed its vector (Adam with bfloat16 variable and slots: 6.6 ms against 1.7 ms
 * for 4M elements on one thread), so it is written out in the loop, JDK calls only. Adam and
 * Lion reach these loops with a bfloat16 variable and bfloat16 or float32 slots only: a float16
 * operand and AMSGrad run in {@link SimdStagedHalf}. SGD and momentum take every combination here.
 */
final class SimdHalfVariables {

    private SimdHalfVariables() {
    }

    /**
     * The 16-bit variable's new value {@code w} rounded as {@code stochastic} says, for the
     * elements from {@code i}; {@code weyl} is {@link HalfLanes#weylLanes}; {@code nan} is false
     * only when no lane of {@code w} is NaN.
     */
    private static ShortVector round(FloatVector w, boolean bfloat16, boolean stochastic, IntVector weyl, int key, long i,
                                     boolean nan) {
        if (!stochastic) {
            return bfloat16 ? HalfLanes.toBfloat16(w, nan) : HalfLanes.toFloat16(w);
        }
        IntVector random = HalfLanes.random(weyl.add((int) i * VariableRounding.GOLDEN + key));
        return bfloat16 ? HalfLanes.toBfloat16Stochastic(w, random, nan) : HalfLanes.toFloat16Stochastic(w, random);
    }

    /** Adam and Lion take a bfloat16 variable here: a float16 one runs in {@link SimdStagedHalf}. */
    private static void requireBfloat16(DType varType) {
        if (varType != DType.BFLOAT16) {
            throw new IllegalArgumentException("A fused Adam or Lion loop updates a bfloat16 variable, got " + varType.kerasName());
        }
    }

    /** Adam without AMSGrad, which runs in {@link SimdStagedHalf}, on a bfloat16 variable. */
    static void adam(DType varType, DType mType, DType vType, VariableRounding rounding, MemorySegment var, MemorySegment m,
                     MemorySegment v, MemorySegment grad, long from, long to, AdamCoefficients c) {
        float alpha = (float) c.alpha();
        float oneMinusBeta1 = (float) c.oneMinusBeta1();
        float oneMinusBeta2 = (float) c.oneMinusBeta2();
        float epsilon = (float) c.epsilon();
        float wd = (float) c.weightDecay();
        float wdLr = (float) c.decayLearningRate();
        requireBfloat16(varType);
        adam(rounding.stochastic(), rounding.key(), SimdHalfSlots.bfloat16(mType), SimdHalfSlots.bfloat16(vType), var, m, v, grad,
                from, to, alpha, oneMinusBeta1, oneMinusBeta2, epsilon, c.decays(), wd, wdLr);
        ScalarMixedPrecision.adam(varType, mType, vType, null, rounding, var, m, v, null, grad, from + vectorEnd(from, to), to,
                alpha, oneMinusBeta1, oneMinusBeta2, epsilon, c.decays(), wd, wdLr);
    }

    /** Adam on a bfloat16 variable, each moment float32 or ({@code mBfloat16}, {@code vBfloat16}) bfloat16. */
    private static void adam(boolean stochastic, int key, boolean mBfloat16, boolean vBfloat16, MemorySegment var,
                             MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to, float alpha,
                             float oneMinusBeta1, float oneMinusBeta2, float epsilon, boolean decays, float wd, float wdLr) {
        IntVector weyl = HalfLanes.weylLanes();
        for (int j = 0, bound = vectorEnd(from, to); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector w = HalfLanes.bfloat16ToFloat(loadS(var, i));
            FloatVector mi = mBfloat16 ? HalfLanes.bfloat16ToFloat(loadH(m, i)) : loadF(m, i);
            FloatVector vi = vBfloat16 ? HalfLanes.bfloat16ToFloat(loadH(v, i)) : loadF(v, i);
            mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
            vi = vi.add(g.mul(g).sub(vi).mul(oneMinusBeta2));
            FloatVector denominator = vi.lanewise(VectorOperators.SQRT).add(epsilon);
            if (decays) {
                w = w.sub(w.mul(wd).mul(wdLr));
            }
            FloatVector updated = w.sub(mi.mul(alpha).div(denominator));
            // A NaN in a slot makes the update NaN, so this one test serves every rounding below.
            boolean nan = updated.compare(VectorOperators.NE, updated).anyTrue();
            store(round(updated, true, stochastic, weyl, key, i, nan), var, i);
            // The slots' bfloat16 rounding is HalfLanes.toBfloat16 written out: past the variable's
            // rounding C2 no longer inlines a call of ours here (see the class comment).
            if (!mBfloat16) {
                store(mi, m, i);
            } else {
                IntVector bits = mi.reinterpretAsInts();
                IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
                if (nan) {
                    rounded = rounded.blend(bits.or(0x7FFF_FFFF).lanewise(VectorOperators.XOR, 0x003F_FFFF),
                            mi.compare(VectorOperators.NE, mi).cast(IS));
                }
                rounded.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, HS, 0)
                        .reinterpretAsShorts().intoMemorySegment(m, i * Short.BYTES, ORDER);
            }
            if (!vBfloat16) {
                store(vi, v, i);
            } else {
                IntVector bits = vi.reinterpretAsInts();
                IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
                if (nan) {
                    rounded = rounded.blend(bits.or(0x7FFF_FFFF).lanewise(VectorOperators.XOR, 0x003F_FFFF),
                            vi.compare(VectorOperators.NE, vi).cast(IS));
                }
                rounded.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, HS, 0)
                        .reinterpretAsShorts().intoMemorySegment(v, i * Short.BYTES, ORDER);
            }
        }
    }

    static void gradientDescent(DType varType, VariableRounding rounding, MemorySegment var, MemorySegment grad, long from,
                                long to, double lr) {
        gradientDescent(varType == DType.BFLOAT16, rounding.stochastic(), rounding.key(), var, grad, from, to, (float) lr);
        ScalarMixedPrecision.gradientDescent(varType, rounding, var, grad, from + vectorEnd(from, to), to, (float) lr);
    }

    private static void gradientDescent(boolean bfloat16, boolean stochastic, int key, MemorySegment var, MemorySegment grad,
                                        long from, long to, float lr) {
        IntVector weyl = HalfLanes.weylLanes();
        for (int j = 0, bound = vectorEnd(from, to); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector w = bfloat16 ? HalfLanes.bfloat16ToFloat(loadS(var, i)) : HalfLanes.float16ToFloat(loadS(var, i));
            FloatVector updated = w.sub(g.mul(lr));
            boolean nan = updated.compare(VectorOperators.NE, updated).anyTrue();
            store(round(updated, bfloat16, stochastic, weyl, key, i, nan), var, i);
        }
    }

    static void kerasMomentum(DType varType, DType accumType, VariableRounding rounding, MemorySegment var, MemorySegment accum,
                              MemorySegment grad, long from, long to, double lr, double momentum, boolean nesterov) {
        kerasMomentum(varType == DType.BFLOAT16, rounding.stochastic(), rounding.key(), kind(accumType), var, accum, grad, from, to,
                (float) lr, (float) momentum, nesterov);
        ScalarMixedPrecision.kerasMomentum(varType, accumType, rounding, var, accum, grad, from + vectorEnd(from, to), to,
                (float) lr, (float) momentum, nesterov);
    }

    private static void kerasMomentum(boolean bfloat16, boolean stochastic, int key, int accumKind, MemorySegment var,
                                      MemorySegment accum, MemorySegment grad, long from, long to, float lr, float momentum,
                                      boolean nesterov) {
        IntVector weyl = HalfLanes.weylLanes();
        for (int j = 0, bound = vectorEnd(from, to); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector w = bfloat16 ? HalfLanes.bfloat16ToFloat(loadS(var, i)) : HalfLanes.float16ToFloat(loadS(var, i));
            FloatVector a = (accumKind == FLOAT32 ? loadF(accum, i)
                    : accumKind == BFLOAT16 ? HalfLanes.bfloat16ToFloat(loadH(accum, i)) : HalfLanes.float16ToFloat(loadH(accum, i)))
                    .mul(momentum).sub(g.mul(lr));
            FloatVector step = nesterov ? a.mul(momentum).sub(g.mul(lr)) : a;
            FloatVector updated = w.add(step);
            // A NaN in the accumulator makes the update NaN: one test for both roundings.
            boolean nan = updated.compare(VectorOperators.NE, updated).anyTrue();
            store(round(updated, bfloat16, stochastic, weyl, key, i, nan), var, i);
            if (accumKind == FLOAT32) {
                store(a, accum, i);
            } else {
                (accumKind == BFLOAT16 ? HalfLanes.toBfloat16(a, nan) : HalfLanes.toFloat16(a)).intoMemorySegment(accum, i * Short.BYTES, ORDER);
            }
        }
    }

    static void lion(DType varType, DType mType, VariableRounding rounding, MemorySegment var, MemorySegment m, MemorySegment grad,
                     long from, long to, LionCoefficients c) {
        float lr = (float) c.lr();
        float b1 = (float) c.beta1();
        float c1 = (float) c.oneMinusBeta1();
        float b2 = (float) c.beta2();
        float c2 = (float) c.oneMinusBeta2();
        requireBfloat16(varType);
        lion(rounding.stochastic(), rounding.key(), SimdHalfSlots.bfloat16(mType), var, m, grad, from, to, lr, b1, c1, b2, c2);
        ScalarMixedPrecision.lion(varType, mType, rounding, var, m, grad, from + vectorEnd(from, to), to, lr, b1, c1, b2, c2);
    }

    /** Lion on a bfloat16 variable, the momentum float32 or ({@code mBfloat16}) bfloat16. */
    private static void lion(boolean stochastic, int key, boolean mBfloat16, MemorySegment var, MemorySegment m,
                             MemorySegment grad, long from, long to, float lr, float b1, float c1, float b2, float c2) {
        FloatVector zero = FloatVector.zero(FS);
        FloatVector one = FloatVector.broadcast(FS, 1f);
        FloatVector minusOne = FloatVector.broadcast(FS, -1f);
        IntVector weyl = HalfLanes.weylLanes();
        for (int j = 0, bound = vectorEnd(from, to); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector w = HalfLanes.bfloat16ToFloat(loadS(var, i));
            FloatVector mi = mBfloat16 ? HalfLanes.bfloat16ToFloat(loadH(m, i)) : loadF(m, i);
            FloatVector d = mi.mul(b1).add(g.mul(c1));
            // TF's Sign: +-1, +0 at either zero, the NaN itself at NaN.
            FloatVector s = zero.blend(one, d.compare(VectorOperators.GT, 0f)).blend(minusOne, d.compare(VectorOperators.LT, 0f))
                    .blend(d, d.test(VectorOperators.IS_NAN));
            FloatVector updated = w.sub(s.mul(lr));
            // The momentum keeps its own NaN test below: with beta_2 = 0 an infinite momentum
            // gives a NaN momentum (inf * 0) but a finite update.
            boolean updatedNaN = updated.compare(VectorOperators.NE, updated).anyTrue();
            store(round(updated, true, stochastic, weyl, key, i, updatedNaN), var, i);
            FloatVector mNext = mi.mul(b2).add(g.mul(c2));
            // HalfLanes.toBfloat16 written out, as in adam's loop.
            if (!mBfloat16) {
                store(mNext, m, i);
            } else {
                IntVector bits = mNext.reinterpretAsInts();
                IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
                VectorMask<Float> nan = mNext.compare(VectorOperators.NE, mNext);
                if (nan.anyTrue()) {
                    rounded = rounded.blend(bits.or(0x7FFF_FFFF).lanewise(VectorOperators.XOR, 0x003F_FFFF), nan.cast(IS));
                }
                rounded.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, HS, 0)
                        .reinterpretAsShorts().intoMemorySegment(m, i * Short.BYTES, ORDER);
            }
        }
    }
}
