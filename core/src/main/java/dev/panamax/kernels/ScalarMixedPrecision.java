package dev.panamax.kernels;

import static dev.panamax.kernels.ScalarKernels.F;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.HalfFloats;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The reference kernels of the mixed forms: variables and slots each stored in float32, bfloat16
 * or float16, with a float32 gradient. Each element is widened to float32, the float32 formula of
 * the algorithm runs in the reference's operation order, each slot is stored rounded to nearest,
 * ties to even ({@link HalfFloats}), and the variable's update uses the float32 values just
 * computed; a 16-bit variable is stored rounded as its {@link VariableRounding} says. With
 * everything in float32 each method gives the bits of its float32 kernel. Their range methods are
 * also the SIMD kernels' scalar tails.
 */
public final class ScalarMixedPrecision {

    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED;

    private ScalarMixedPrecision() {
    }

    /** Element {@code i} of a slot of {@code dtype} as a float32 (exact). */
    public static float load(DType dtype, MemorySegment slot, long i) {
        return switch (dtype) {
            case FLOAT32 -> slot.getAtIndex(F, i);
            case BFLOAT16 -> HalfFloats.bfloat16ToFloat(slot.getAtIndex(S, i));
            case FLOAT16 -> HalfFloats.float16ToFloat(slot.getAtIndex(S, i));
            default -> throw notAStorageType(dtype);
        };
    }

    /** Stores {@code x} rounded to {@code dtype} at element {@code i} of a slot. */
    public static void store(DType dtype, MemorySegment slot, long i, float x) {
        switch (dtype) {
            case FLOAT32 -> slot.setAtIndex(F, i, x);
            case BFLOAT16 -> slot.setAtIndex(S, i, HalfFloats.toBfloat16(x));
            case FLOAT16 -> slot.setAtIndex(S, i, HalfFloats.toFloat16(x));
            default -> throw notAStorageType(dtype);
        }
    }

    /** Stores {@code x} at element {@code i} of a variable of {@code dtype}, a 16-bit one rounded by {@code rounding}. */
    public static void storeVariable(DType dtype, VariableRounding rounding, MemorySegment var, long i, float x) {
        if (dtype == DType.FLOAT32) {
            var.setAtIndex(F, i, x);
        } else {
            var.setAtIndex(S, i, rounding.round(dtype, x, i));
        }
    }

    private static IllegalArgumentException notAStorageType(DType dtype) {
        return new IllegalArgumentException("A mixed-precision kernel stores float32, bfloat16 or float16, got " + dtype.kerasName());
    }

    /**
     * {@link OptimizerKernels#adamMixed}: {@link ScalarAdamFamily#adamFloat}'s formula, with
     * AMSGrad when {@code vhat} is not null and the fused weight decay when {@code decays}.
     */
    public static void adam(DType varType, DType mType, DType vType, DType vhatType, VariableRounding rounding, MemorySegment var, MemorySegment m, MemorySegment v,
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
            float w = load(varType, var, i);
            if (decays) {
                w = w - w * wd * wdLr;
            }
            storeVariable(varType, rounding, var, i, w - (mi * alpha) / denominator);
        }
    }

    /** {@link OptimizerKernels#gradientDescentMixed}: {@link ScalarBasics#gradientDescentFloat}'s formula. */
    public static void gradientDescent(DType varType, VariableRounding rounding, MemorySegment var, MemorySegment grad, long from,
                                       long to, float lr) {
        for (long i = from; i < to; i++) {
            storeVariable(varType, rounding, var, i, load(varType, var, i) - grad.getAtIndex(F, i) * lr);
        }
    }

    /** {@link OptimizerKernels#kerasMomentumMixed}: {@link ScalarBasics#kerasMomentumFloat}'s formula. */
    public static void kerasMomentum(DType varType, DType accumType, VariableRounding rounding, MemorySegment var, MemorySegment accum, MemorySegment grad, long from,
                                     long to, float lr, float momentum, boolean nesterov) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float a = load(accumType, accum, i) * momentum - g * lr;
            store(accumType, accum, i, a);
            float step = nesterov ? a * momentum - g * lr : a;
            storeVariable(varType, rounding, var, i, load(varType, var, i) + step);
        }
    }

    /** {@link OptimizerKernels#lionMixed}: {@link ScalarAdamFamily#lionFloat}'s formula. */
    public static void lion(DType varType, DType mType, VariableRounding rounding, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, float lr,
                            float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2) {
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(F, i);
            float mi = load(mType, m, i);
            storeVariable(varType, rounding, var, i, load(varType, var, i) - lr * ScalarAdamFamily.sign(mi * beta1 + g * oneMinusBeta1));
            store(mType, m, i, mi * beta2 + g * oneMinusBeta2);
        }
    }
}
