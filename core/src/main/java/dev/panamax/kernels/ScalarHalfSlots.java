package dev.panamax.kernels;

import static dev.panamax.kernels.ScalarKernels.F;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.HalfFloats;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The reference kernels of float32 variables whose slots are stored in 16 bits (bfloat16 or
 * float16, or float32 per slot): each slot element is widened to float32, the float32 formula of
 * the algorithm runs in the reference's operation order, and each slot is stored rounded to
 * nearest, ties to even ({@link HalfFloats}); the variable's update uses the float32 values just
 * computed. With every slot in float32 each method gives the bits of its float32 kernel. Their
 * range methods are also the SIMD kernels' scalar tails.
 */
public final class ScalarHalfSlots {

    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED;

    private ScalarHalfSlots() {
    }

    /** Element {@code i} of a slot of {@code dtype} as a float32 (exact). */
    public static float load(DType dtype, MemorySegment slot, long i) {
        return switch (dtype) {
            case FLOAT32 -> slot.getAtIndex(F, i);
            case BFLOAT16 -> HalfFloats.bfloat16ToFloat(slot.getAtIndex(S, i));
            case FLOAT16 -> HalfFloats.float16ToFloat(slot.getAtIndex(S, i));
            default -> throw notASlotType(dtype);
        };
    }

    /** Stores {@code x} rounded to {@code dtype} at element {@code i} of a slot. */
    public static void store(DType dtype, MemorySegment slot, long i, float x) {
        switch (dtype) {
            case FLOAT32 -> slot.setAtIndex(F, i, x);
            case BFLOAT16 -> slot.setAtIndex(S, i, HalfFloats.toBfloat16(x));
            case FLOAT16 -> slot.setAtIndex(S, i, HalfFloats.toFloat16(x));
            default -> throw notASlotType(dtype);
        }
    }

    private static IllegalArgumentException notASlotType(DType dtype) {
        return new IllegalArgumentException("A slot of a float32 variable is float32, bfloat16 or float16, got " + dtype.kerasName());
    }

    /**
     * {@link OptimizerKernels#adamHalfSlots}: {@link ScalarAdamFamily#adamFloat}'s formula, with
     * AMSGrad when {@code vhat} is not null and the fused weight decay when {@code decays}.
     */
    public static void adam(DType mType, DType vType, DType vhatType, MemorySegment var, MemorySegment m, MemorySegment v,
                            MemorySegment vhat, MemorySegment grad, long from, long to, float alpha, float oneMinusBeta1,
                            float oneMinusBeta2, float epsilon, boolean decays, float wd, float wdLr) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float mi = load(mType, m, i);
            float vi = load(vType, v, i);
            mi = mi + (g - mi) * oneMinusBeta1;
            vi = vi + (g * g - vi) * oneMinusBeta2;
            store(mType, m, i, mi);
            store(vType, v, i, vi);
            float denominatorSquare = vi;
            if (vhat != null) {
                denominatorSquare = Math.max(load(vhatType, vhat, i), vi);
                store(vhatType, vhat, i, denominatorSquare);
            }
            float denominator = (float) Math.sqrt(denominatorSquare) + epsilon;
            float w = var.getAtIndex(F, i);
            if (decays) {
                w = w - w * wd * wdLr;
            }
            var.setAtIndex(F, i, w - (mi * alpha) / denominator);
        }
    }

    /** {@link OptimizerKernels#kerasMomentumHalfSlots}: {@link ScalarBasics#kerasMomentumFloat}'s formula. */
    public static void kerasMomentum(DType accumType, MemorySegment var, MemorySegment accum, MemorySegment grad, long from,
                                     long to, float lr, float momentum, boolean nesterov) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float a = load(accumType, accum, i) * momentum - g * lr;
            store(accumType, accum, i, a);
            float step = nesterov ? a * momentum - g * lr : a;
            var.setAtIndex(F, i, var.getAtIndex(F, i) + step);
        }
    }

    /** {@link OptimizerKernels#lionHalfSlots}: {@link ScalarAdamFamily#lionFloat}'s formula. */
    public static void lion(DType mType, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, float lr,
                            float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float mi = load(mType, m, i);
            var.setAtIndex(F, i, var.getAtIndex(F, i) - lr * ScalarAdamFamily.sign(mi * beta1 + g * oneMinusBeta1));
            store(mType, m, i, mi * beta2 + g * oneMinusBeta2);
        }
    }
}
