package dev.panamax.simd;

import static dev.panamax.simd.SimdLanes.*;
import static dev.panamax.simd.VectorMemory.*;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.LionCoefficients;
import dev.panamax.kernels.ScalarMixedPrecision;
import dev.panamax.kernels.VariableRounding;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * SIMD kernels of float32 variables whose slots are stored in 16 bits (Adam and Lion: bfloat16;
 * float16 slots and AMSGrad run in {@link SimdStagedHalf}), bit for bit
 * {@link ScalarMixedPrecision}: a 16-bit slot is loaded as half as many bytes, widened in registers
 * ({@link HalfLanes}), computed on in float32 and rounded back in registers before its store. Each
 * slot's storage is a loop-invariant test inside one loop, as the optional slots of the float32
 * kernels are, rather than one copy of the loop per combination. The tests are written out at each
 * slot's load and store, not in a shared helper: C2 parses only the branches a test's profile has
 * seen taken, and a helper's one profile would mix every slot and algorithm.
 *
 * <p>Why the loops are laid out as they are: C2 stops inlining methods that are not the JDK's own
 * (ours: {@link VectorMemory}, {@link HalfLanes}, {@link #loadH}) once a compilation
 * has parsed about 18,000 nodes ({@code NodeCountInliningCutoff}, fixed in product JVMs), and every
 * Vector API call parses into hundreds of nodes (a bfloat16 rounding about 3,800). Adam's body with
 * two 16-bit slots parses into about 20,000, and a call left out there boxes its vector: four times
 * slower (measured: 31 ms against 7.8 ms for 16M elements). So each body makes its own calls early
 * and ends with the JDK's alone: the variable is updated and stored before the slots are rounded,
 * and the 16-bit slots are read and written with the JDK's segment methods directly. That needs
 * them off-heap, whatever the variable's memory ({@code HostTensorKernels} makes them so); the
 * heap copy of this class then reads the variable and gradient from their arrays and the 16-bit
 * slots from native memory, and no JDK segment code meets both kinds.
 */
final class SimdHalfSlots {

    /** A slot's storage, as an int the loop tests: float32, bfloat16 or float16. */
    static final int FLOAT32 = 0;
    static final int BFLOAT16 = 1;
    static final int FLOAT16 = 2;

    static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private SimdHalfSlots() {
    }

    static int kind(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> FLOAT32;
            case BFLOAT16 -> BFLOAT16;
            case FLOAT16 -> FLOAT16;
            default -> throw new IllegalArgumentException("A mixed-precision kernel stores float32, bfloat16 or float16, got "
                    + dtype.kerasName());
        };
    }

    /**
     * Whether a slot of a fused Adam or Lion loop is bfloat16 rather than float32: float16 slots
     * run in {@link SimdStagedHalf}.
     */
    static boolean bfloat16(DType slotType) {
        if (slotType != DType.FLOAT32 && slotType != DType.BFLOAT16) {
            throw new IllegalArgumentException("A fused Adam or Lion loop stores float32 or bfloat16 slots, got "
                    + slotType.kerasName());
        }
        return slotType == DType.BFLOAT16;
    }

    /** FS.length() 16-bit elements of an off-heap slot from element {@code i}. */
    static ShortVector loadH(MemorySegment slot, long i) {
        return ShortVector.fromMemorySegment(HS, slot, i * Short.BYTES, ORDER);
    }

    /**
     * The elements of {@code [from, to)} the vector loops cover; the reference loop does the rest.
     * None when the float species is 64 bits: there is no 32-bit species for its 16-bit lanes
     * ({@link SimdLanes#HS} is null).
     */
    static int vectorEnd(long from, long to) {
        return HS == null ? 0 : FS.loopBound(span(from, to));
    }

    static void adam(DType mType, DType vType, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from,
                     long to, AdamCoefficients c) {
        float alpha = (float) c.alpha();
        float oneMinusBeta1 = (float) c.oneMinusBeta1();
        float oneMinusBeta2 = (float) c.oneMinusBeta2();
        float epsilon = (float) c.epsilon();
        float wd = (float) c.weightDecay();
        float wdLr = (float) c.decayLearningRate();
        adam(bfloat16(mType), bfloat16(vType), var, m, v, grad, from, to, alpha, oneMinusBeta1, oneMinusBeta2, epsilon, c.decays(),
                wd, wdLr);
        ScalarMixedPrecision.adam(DType.FLOAT32, mType, vType, null, VariableRounding.NEAREST, var, m, v, null, grad,
                from + vectorEnd(from, to), to, alpha, oneMinusBeta1, oneMinusBeta2, epsilon, c.decays(), wd, wdLr);
    }

    /** Adam with float32 or bfloat16 moments (AMSGrad's third slot would not fit this body's budget). */
    private static void adam(boolean mBfloat16, boolean vBfloat16, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad,
                             long from, long to, float alpha, float oneMinusBeta1, float oneMinusBeta2, float epsilon,
                             boolean decays, float wd, float wdLr) {
        for (int j = 0, bound = vectorEnd(from, to); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector w = loadF(var, i);
            FloatVector mi = mBfloat16 ? HalfLanes.bfloat16ToFloat(loadH(m, i)) : loadF(m, i);
            FloatVector vi = vBfloat16 ? HalfLanes.bfloat16ToFloat(loadH(v, i)) : loadF(v, i);
            mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
            vi = vi.add(g.mul(g).sub(vi).mul(oneMinusBeta2));
            FloatVector denominator = vi.lanewise(VectorOperators.SQRT).add(epsilon);
            if (decays) {
                w = w.sub(w.mul(wd).mul(wdLr));
            }
            FloatVector updated = w.sub(mi.mul(alpha).div(denominator));
            VectorMemory.store(updated, var, i);
            // A NaN in a slot makes the update NaN, so one test of it serves every bfloat16 rounding.
            boolean nan = updated.compare(VectorOperators.NE, updated).anyTrue();
            if (mBfloat16) {
                HalfLanes.toBfloat16(mi, nan).intoMemorySegment(m, i * Short.BYTES, ORDER);
            } else {
                VectorMemory.store(mi, m, i);
            }
            if (vBfloat16) {
                HalfLanes.toBfloat16(vi, nan).intoMemorySegment(v, i * Short.BYTES, ORDER);
            } else {
                VectorMemory.store(vi, v, i);
            }
        }
    }

    static void kerasMomentum(DType accumType, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                              double lr, double momentum, boolean nesterov) {
        kerasMomentum(kind(accumType), var, accum, grad, from, to, (float) lr, (float) momentum, nesterov);
        ScalarMixedPrecision.kerasMomentum(DType.FLOAT32, accumType, VariableRounding.NEAREST, var, accum, grad, from + vectorEnd(from, to), to, (float) lr, (float) momentum,
                nesterov);
    }

    private static void kerasMomentum(int accumKind, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                                      float lr, float momentum, boolean nesterov) {
        for (int j = 0, bound = vectorEnd(from, to); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector w = loadF(var, i);
            FloatVector a = (accumKind == FLOAT32 ? loadF(accum, i)
                    : accumKind == BFLOAT16 ? HalfLanes.bfloat16ToFloat(loadH(accum, i)) : HalfLanes.float16ToFloat(loadH(accum, i)))
                    .mul(momentum).sub(g.mul(lr));
            FloatVector step = nesterov ? a.mul(momentum).sub(g.mul(lr)) : a;
            VectorMemory.store(w.add(step), var, i);
            if (accumKind == FLOAT32) {
                VectorMemory.store(a, accum, i);
            } else {
                (accumKind == BFLOAT16 ? HalfLanes.toBfloat16(a) : HalfLanes.toFloat16(a)).intoMemorySegment(accum, i * Short.BYTES, ORDER);
            }
        }
    }

    static void lion(DType mType, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, LionCoefficients c) {
        float lr = (float) c.lr();
        float b1 = (float) c.beta1();
        float c1 = (float) c.oneMinusBeta1();
        float b2 = (float) c.beta2();
        float c2 = (float) c.oneMinusBeta2();
        lion(bfloat16(mType), var, m, grad, from, to, lr, b1, c1, b2, c2);
        ScalarMixedPrecision.lion(DType.FLOAT32, mType, VariableRounding.NEAREST, var, m, grad, from + vectorEnd(from, to), to, lr, b1, c1, b2, c2);
    }

    private static void lion(boolean mBfloat16, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, float lr,
                             float b1, float c1, float b2, float c2) {
        FloatVector zero = FloatVector.zero(FS);
        FloatVector one = FloatVector.broadcast(FS, 1f);
        FloatVector minusOne = FloatVector.broadcast(FS, -1f);
        for (int j = 0, bound = vectorEnd(from, to); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector w = loadF(var, i);
            FloatVector mi = mBfloat16 ? HalfLanes.bfloat16ToFloat(loadH(m, i)) : loadF(m, i);
            FloatVector d = mi.mul(b1).add(g.mul(c1));
            // TF's Sign: +-1, +0 at either zero, the NaN itself at NaN.
            FloatVector s = zero.blend(one, d.compare(VectorOperators.GT, 0f)).blend(minusOne, d.compare(VectorOperators.LT, 0f))
                    .blend(d, d.test(VectorOperators.IS_NAN));
            VectorMemory.store(w.sub(s.mul(lr)), var, i);
            FloatVector mNext = mi.mul(b2).add(g.mul(c2));
            if (mBfloat16) {
                HalfLanes.toBfloat16(mNext).intoMemorySegment(m, i * Short.BYTES, ORDER);
            } else {
                VectorMemory.store(mNext, m, i);
            }
        }
    }
}
