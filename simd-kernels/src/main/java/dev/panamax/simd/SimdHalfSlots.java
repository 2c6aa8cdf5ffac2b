package dev.panamax.simd;

import static dev.panamax.simd.SimdLanes.*;
import static dev.panamax.simd.VectorMemory.*;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.LionCoefficients;
import dev.panamax.kernels.ScalarHalfSlots;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * SIMD kernels of float32 variables whose slots are stored in 16 bits, bit for bit
 * {@link ScalarHalfSlots}: a 16-bit slot is loaded as half as many bytes, widened in registers
 * ({@link HalfLanes}), computed on in float32 and rounded back in registers before its store. Each
 * slot's storage is a loop-invariant test inside one loop ({@link #load}, {@link #store}), as the
 * optional slots of the float32 kernels are, rather than one copy of the loop per combination.
 */
final class SimdHalfSlots {

    /** A slot's storage, as an int the loop tests: float32, bfloat16 or float16. */
    private static final int FLOAT32 = 0;
    private static final int BFLOAT16 = 1;
    private static final int FLOAT16 = 2;

    private SimdHalfSlots() {
    }

    private static int kind(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> FLOAT32;
            case BFLOAT16 -> BFLOAT16;
            case FLOAT16 -> FLOAT16;
            default -> throw new IllegalArgumentException("A slot of a float32 variable is float32, bfloat16 or float16, got "
                    + dtype.kerasName());
        };
    }

    /** FS.length() elements of a slot from element {@code i}, as float32 lanes. */
    private static FloatVector load(int kind, MemorySegment slot, long i) {
        if (kind == FLOAT32) {
            return loadF(slot, i);
        }
        return kind == BFLOAT16 ? HalfLanes.bfloat16ToFloat(loadS(slot, i)) : HalfLanes.float16ToFloat(loadS(slot, i));
    }

    /** Stores {@code x} rounded to the slot's type at element {@code i}. */
    private static void store(int kind, FloatVector x, MemorySegment slot, long i) {
        if (kind == FLOAT32) {
            VectorMemory.store(x, slot, i);
        } else {
            VectorMemory.store(kind == BFLOAT16 ? HalfLanes.toBfloat16(x) : HalfLanes.toFloat16(x), slot, i);
        }
    }

    static void adam(DType mType, DType vType, DType vhatType, MemorySegment var, MemorySegment m, MemorySegment v,
                     MemorySegment vhat, MemorySegment grad, long from, long to, AdamCoefficients c) {
        adam(kind(mType), kind(vType), vhat == null ? FLOAT32 : kind(vhatType), var, m, v, vhat, grad, from, to, (float) c.alpha(),
                (float) c.oneMinusBeta1(), (float) c.oneMinusBeta2(), (float) c.epsilon(), c.decays(), (float) c.weightDecay(),
                (float) c.decayLearningRate());
        ScalarHalfSlots.adam(mType, vType, vhatType, var, m, v, vhat, grad, from + vectorEnd(from, to), to, (float) c.alpha(),
                (float) c.oneMinusBeta1(), (float) c.oneMinusBeta2(), (float) c.epsilon(), c.decays(), (float) c.weightDecay(),
                (float) c.decayLearningRate());
    }

    /**
     * The elements of {@code [from, to)} the vector loops cover; the reference loop does the rest.
     * None when the float species is 64 bits: there is no 32-bit species for its 16-bit lanes
     * ({@link SimdLanes#HS} is null).
     */
    private static int vectorEnd(long from, long to) {
        return HS == null ? 0 : FS.loopBound(span(from, to));
    }

    private static void adam(int mKind, int vKind, int vhatKind, MemorySegment var, MemorySegment m, MemorySegment v,
                             MemorySegment vhat, MemorySegment grad, long from, long to, float alpha, float oneMinusBeta1,
                             float oneMinusBeta2, float epsilon, boolean decays, float wd, float wdLr) {
        for (int j = 0, bound = vectorEnd(from, to); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector mi = load(mKind, m, i);
            FloatVector vi = load(vKind, v, i);
            mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
            vi = vi.add(g.mul(g).sub(vi).mul(oneMinusBeta2));
            store(mKind, mi, m, i);
            store(vKind, vi, v, i);
            FloatVector denominatorSquare = vi;
            if (vhat != null) {
                denominatorSquare = load(vhatKind, vhat, i).max(vi);
                store(vhatKind, denominatorSquare, vhat, i);
            }
            FloatVector denominator = denominatorSquare.lanewise(VectorOperators.SQRT).add(epsilon);
            FloatVector w = loadF(var, i);
            if (decays) {
                w = w.sub(w.mul(wd).mul(wdLr));
            }
            VectorMemory.store(w.sub(mi.mul(alpha).div(denominator)), var, i);
        }
    }

    static void kerasMomentum(DType accumType, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                              double lr, double momentum, boolean nesterov) {
        kerasMomentum(kind(accumType), var, accum, grad, from, to, (float) lr, (float) momentum, nesterov);
        ScalarHalfSlots.kerasMomentum(accumType, var, accum, grad, from + vectorEnd(from, to), to, (float) lr, (float) momentum,
                nesterov);
    }

    private static void kerasMomentum(int accumKind, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                                      float lr, float momentum, boolean nesterov) {
        for (int j = 0, bound = vectorEnd(from, to); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector a = load(accumKind, accum, i).mul(momentum).sub(g.mul(lr));
            store(accumKind, a, accum, i);
            FloatVector step = nesterov ? a.mul(momentum).sub(g.mul(lr)) : a;
            VectorMemory.store(loadF(var, i).add(step), var, i);
        }
    }

    static void lion(DType mType, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, LionCoefficients c) {
        float lr = (float) c.lr();
        float b1 = (float) c.beta1();
        float c1 = (float) c.oneMinusBeta1();
        float b2 = (float) c.beta2();
        float c2 = (float) c.oneMinusBeta2();
        lion(kind(mType), var, m, grad, from, to, lr, b1, c1, b2, c2);
        ScalarHalfSlots.lion(mType, var, m, grad, from + vectorEnd(from, to), to, lr, b1, c1, b2, c2);
    }

    private static void lion(int mKind, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, float lr,
                             float b1, float c1, float b2, float c2) {
        FloatVector zero = FloatVector.zero(FS);
        FloatVector one = FloatVector.broadcast(FS, 1f);
        FloatVector minusOne = FloatVector.broadcast(FS, -1f);
        for (int j = 0, bound = vectorEnd(from, to); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector mi = load(mKind, m, i);
            FloatVector d = mi.mul(b1).add(g.mul(c1));
            // TF's Sign: +-1, +0 at either zero, the NaN itself at NaN.
            FloatVector s = zero.blend(one, d.compare(VectorOperators.GT, 0f)).blend(minusOne, d.compare(VectorOperators.LT, 0f))
                    .blend(d, d.test(VectorOperators.IS_NAN));
            VectorMemory.store(loadF(var, i).sub(s.mul(lr)), var, i);
            store(mKind, mi.mul(b2).add(g.mul(c2)), m, i);
        }
    }
}
