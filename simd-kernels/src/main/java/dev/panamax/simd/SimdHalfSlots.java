package dev.panamax.simd;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.LionCoefficients;
import dev.panamax.kernels.ScalarHalfSlots;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;

/** The kernels of float32 variables with slots stored in 16 bits (see {@link ScalarHalfSlots}). */
final class SimdHalfSlots {

    private SimdHalfSlots() {
    }

    static void adam(DType mType, DType vType, DType vhatType, MemorySegment var, MemorySegment m, MemorySegment v,
                     MemorySegment vhat, MemorySegment grad, long from, long to, AdamCoefficients c) {
        ScalarHalfSlots.adam(mType, vType, vhatType, var, m, v, vhat, grad, from, to, (float) c.alpha(), (float) c.oneMinusBeta1(),
                (float) c.oneMinusBeta2(), (float) c.epsilon(), c.decays(), (float) c.weightDecay(), (float) c.decayLearningRate());
    }

    static void kerasMomentum(DType accumType, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                              double lr, double momentum, boolean nesterov) {
        ScalarHalfSlots.kerasMomentum(accumType, var, accum, grad, from, to, (float) lr, (float) momentum, nesterov);
    }

    static void lion(DType mType, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, LionCoefficients c) {
        ScalarHalfSlots.lion(mType, var, m, grad, from, to, (float) c.lr(), (float) c.beta1(), (float) c.oneMinusBeta1(),
                (float) c.beta2(), (float) c.oneMinusBeta2());
    }
}
