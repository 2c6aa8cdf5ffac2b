package dev.panamax.simd;

import static dev.panamax.simd.SimdLanes.*;
import static dev.panamax.simd.VectorMemory.*;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.AdamaxCoefficients;
import dev.panamax.kernels.Keras3AdamaxCoefficients;
import dev.panamax.kernels.LionCoefficients;
import dev.panamax.kernels.NadamCoefficients;
import dev.panamax.kernels.ScalarAdamFamily.NadamFloat;
import dev.panamax.kernels.ScalarAdamFamily;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * SIMD kernels of the Adam family: Adam, AMSGrad, Adamax, Nadam (Keras 2 and 3), and Lion. See
 * {@link SimdKernels} for the conventions.
 */
final class SimdAdamFamily {

    private SimdAdamFamily() {
    }

    static void lion(DType dtype, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, LionCoefficients c) {
        if (dtype == DType.FLOAT32) {
            lionFloat(var, m, grad, from, to, c);
        } else {
            lionDouble(var, m, grad, from, to, c);
        }
    }

    private static void lionFloat(MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, LionCoefficients c) {
        float lr = (float) c.lr();
        float b1 = (float) c.beta1();
        float c1 = (float) c.oneMinusBeta1();
        float b2 = (float) c.beta2();
        float c2 = (float) c.oneMinusBeta2();
        FloatVector zero = FloatVector.zero(FS);
        FloatVector one = FloatVector.broadcast(FS, 1f);
        FloatVector minusOne = FloatVector.broadcast(FS, -1f);
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector mi = loadF(m, i);
            FloatVector d = mi.mul(b1).add(g.mul(c1));
            // TF's Sign: +-1, +0 at either zero, the NaN itself at NaN.
            FloatVector s = zero.blend(one, d.compare(VectorOperators.GT, 0f)).blend(minusOne, d.compare(VectorOperators.LT, 0f))
                    .blend(d, d.test(VectorOperators.IS_NAN));
            store(loadF(var, i).sub(s.mul(lr)), var, i);
            store(mi.mul(b2).add(g.mul(c2)), m, i);
        }
        ScalarAdamFamily.lionFloat(var, m, grad, from + j, to, lr, b1, c1, b2, c2);
    }

    private static void lionDouble(MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, LionCoefficients c) {
        DoubleVector zero = DoubleVector.zero(DS);
        DoubleVector one = DoubleVector.broadcast(DS, 1.0);
        DoubleVector minusOne = DoubleVector.broadcast(DS, -1.0);
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector g = loadD(grad, i);
            DoubleVector mi = loadD(m, i);
            DoubleVector d = mi.mul(c.beta1()).add(g.mul(c.oneMinusBeta1()));
            DoubleVector s = zero.blend(one, d.compare(VectorOperators.GT, 0.0)).blend(minusOne, d.compare(VectorOperators.LT, 0.0))
                    .blend(d, d.test(VectorOperators.IS_NAN));
            store(loadD(var, i).sub(s.mul(c.lr())), var, i);
            store(mi.mul(c.beta2()).add(g.mul(c.oneMinusBeta2())), m, i);
        }
        ScalarAdamFamily.lionDouble(var, m, grad, from + j, to, c.lr(), c.beta1(), c.oneMinusBeta1(), c.beta2(), c.oneMinusBeta2());
    }

    static void adamaxKeras3(DType dtype, MemorySegment var, MemorySegment m, MemorySegment u, MemorySegment grad, long from,
                             long to, Keras3AdamaxCoefficients c) {
        if (dtype == DType.FLOAT32) {
            adamaxKeras3Float(var, m, u, grad, from, to, c);
        } else {
            adamaxKeras3Double(var, m, u, grad, from, to, c);
        }
    }

    private static void adamaxKeras3Float(MemorySegment var, MemorySegment m, MemorySegment u, MemorySegment grad, long from, long to, Keras3AdamaxCoefficients c) {
        float lr = (float) c.lr();
        float c1 = (float) c.oneMinusBeta1();
        float b2 = (float) c.beta2();
        float bp = (float) c.oneMinusBeta1Power();
        float eps = (float) c.epsilon();
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector mi = loadF(m, i);
            mi = mi.add(g.sub(mi).mul(c1));
            store(mi, m, i);
            FloatVector ui = loadF(u, i).mul(b2).max(g.abs());
            store(ui, u, i);
            store(loadF(var, i).sub(mi.mul(lr).div(ui.add(eps).mul(bp))), var, i);
        }
        ScalarAdamFamily.adamaxKeras3Float(var, m, u, grad, from + j, to, lr, c1, b2, bp, eps);
    }

    private static void adamaxKeras3Double(MemorySegment var, MemorySegment m, MemorySegment u, MemorySegment grad, long from, long to, Keras3AdamaxCoefficients c) {
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector g = loadD(grad, i);
            DoubleVector mi = loadD(m, i);
            mi = mi.add(g.sub(mi).mul(c.oneMinusBeta1()));
            store(mi, m, i);
            DoubleVector ui = loadD(u, i).mul(c.beta2()).max(g.abs());
            store(ui, u, i);
            store(loadD(var, i).sub(mi.mul(c.lr()).div(ui.add(c.epsilon()).mul(c.oneMinusBeta1Power()))), var, i);
        }
        ScalarAdamFamily.adamaxKeras3Double(var, m, u, grad, from + j, to, c.lr(), c.oneMinusBeta1(), c.beta2(), c.oneMinusBeta1Power(),
                c.epsilon());
    }

    static void adam(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                     AdamCoefficients c) {
        adamOrAmsgrad(dtype, var, m, v, null, grad, from, to, c);
    }

    static void adamAmsgrad(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                            MemorySegment grad, long from, long to, AdamCoefficients c) {
        adamOrAmsgrad(dtype, var, m, v, vhat, grad, from, to, c);
    }

    private static void adamOrAmsgrad(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                                      MemorySegment grad, long from, long to, AdamCoefficients c) {
        if (dtype == DType.FLOAT32) {
            adamFloat(var, m, v, vhat, grad, from, to, (float) c.alpha(), (float) c.oneMinusBeta1(), (float) c.oneMinusBeta2(),
                    (float) c.epsilon(), c.decays(), (float) c.weightDecay(), (float) c.decayLearningRate());
        } else {
            adamDouble(var, m, v, vhat, grad, from, to, c.alpha(), c.oneMinusBeta1(), c.oneMinusBeta2(), c.epsilon(), c.decays(),
                    c.weightDecay(), c.decayLearningRate());
        }
    }

    /** With {@code decays}, the variable is decayed first, as {@code SimdBasics.weightDecay} does (one pass for AdamW). */
    private static void adamFloat(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat, MemorySegment grad,
                                  long from, long to, float alpha, float oneMinusBeta1, float oneMinusBeta2, float epsilon,
                                  boolean decays, float wd, float wdLr) {
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector mi = loadF(m, i);
            FloatVector vi = loadF(v, i);
            mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
            vi = vi.add(g.mul(g).sub(vi).mul(oneMinusBeta2));
            store(mi, m, i);
            store(vi, v, i);
            FloatVector denominatorSquare = vi;
            if (vhat != null) {
                denominatorSquare = loadF(vhat, i).max(vi);
                store(denominatorSquare, vhat, i);
            }
            FloatVector denominator = denominatorSquare.lanewise(VectorOperators.SQRT).add(epsilon);
            FloatVector w = loadF(var, i);
            if (decays) {
                w = w.sub(w.mul(wd).mul(wdLr));
            }
            store(w.sub(mi.mul(alpha).div(denominator)), var, i);
        }
        ScalarAdamFamily.adamFloat(var, m, v, vhat, grad, from + j, to, alpha, oneMinusBeta1, oneMinusBeta2, epsilon, decays, wd, wdLr);
    }

    /** With {@code decays}, the variable is decayed first, as {@code SimdBasics.weightDecay} does (one pass for AdamW). */
    private static void adamDouble(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat, MemorySegment grad,
                                   long from, long to, double alpha, double oneMinusBeta1, double oneMinusBeta2, double epsilon,
                                  boolean decays, double wd, double wdLr) {
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector g = loadD(grad, i);
            DoubleVector mi = loadD(m, i);
            DoubleVector vi = loadD(v, i);
            mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
            vi = vi.add(g.mul(g).sub(vi).mul(oneMinusBeta2));
            store(mi, m, i);
            store(vi, v, i);
            DoubleVector denominatorSquare = vi;
            if (vhat != null) {
                denominatorSquare = loadD(vhat, i).max(vi);
                store(denominatorSquare, vhat, i);
            }
            DoubleVector denominator = denominatorSquare.lanewise(VectorOperators.SQRT).add(epsilon);
            DoubleVector w = loadD(var, i);
            if (decays) {
                w = w.sub(w.mul(wd).mul(wdLr));
            }
            store(w.sub(mi.mul(alpha).div(denominator)), var, i);
        }
        ScalarAdamFamily.adamDouble(var, m, v, vhat, grad, from + j, to, alpha, oneMinusBeta1, oneMinusBeta2, epsilon, decays, wd, wdLr);
    }

    static void adamax(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                       AdamaxCoefficients c) {
        if (dtype == DType.FLOAT32) {
            adamaxFloat(var, m, v, grad, from, to, (float) c.scaledLearningRate(), (float) c.oneMinusBeta1(), (float) c.beta2(),
                    (float) c.epsilon());
        } else {
            adamaxDouble(var, m, v, grad, from, to, c.scaledLearningRate(), c.oneMinusBeta1(), c.beta2(), c.epsilon());
        }
    }

    private static void adamaxFloat(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                    float scaledLr, float oneMinusBeta1, float beta2, float epsilon) {
        FloatVector scaledLrV = FloatVector.broadcast(FS, scaledLr);
        FloatVector beta2V = FloatVector.broadcast(FS, beta2);
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector mi = loadF(m, i);
            mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
            store(mi, m, i);
            FloatVector vi = beta2V.mul(loadF(v, i)).max(g.abs());
            store(vi, v, i);
            store(loadF(var, i).sub(scaledLrV.mul(mi.div(vi.add(epsilon)))), var, i);
        }
        ScalarAdamFamily.adamaxFloat(var, m, v, grad, from + j, to, scaledLr, oneMinusBeta1, beta2, epsilon);
    }

    private static void adamaxDouble(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                     double scaledLr, double oneMinusBeta1, double beta2, double epsilon) {
        DoubleVector scaledLrV = DoubleVector.broadcast(DS, scaledLr);
        DoubleVector beta2V = DoubleVector.broadcast(DS, beta2);
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector g = loadD(grad, i);
            DoubleVector mi = loadD(m, i);
            mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
            store(mi, m, i);
            DoubleVector vi = beta2V.mul(loadD(v, i)).max(g.abs());
            store(vi, v, i);
            store(loadD(var, i).sub(scaledLrV.mul(mi.div(vi.add(epsilon)))), var, i);
        }
        ScalarAdamFamily.adamaxDouble(var, m, v, grad, from + j, to, scaledLr, oneMinusBeta1, beta2, epsilon);
    }

    static void nadam(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                      NadamCoefficients c) {
        if (dtype == DType.FLOAT32) {
            nadamFloat(var, m, v, grad, from, to, NadamFloat.of(c));
        } else {
            nadamDouble(var, m, v, grad, from, to, c);
        }
    }

    private static void nadamFloat(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                   NadamFloat c) {
        FloatVector beta1V = FloatVector.broadcast(FS, c.beta1());
        FloatVector oneMinusBeta1V = FloatVector.broadcast(FS, c.oneMinusBeta1());
        FloatVector beta2V = FloatVector.broadcast(FS, c.beta2());
        FloatVector oneMinusBeta2V = FloatVector.broadcast(FS, c.oneMinusBeta2());
        FloatVector oneMinusMomentumV = FloatVector.broadcast(FS, c.oneMinusMomentum());
        FloatVector nextMomentumV = FloatVector.broadcast(FS, c.nextMomentum());
        FloatVector lrV = FloatVector.broadcast(FS, c.lr());
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector gPrime = g.div(c.oneMinusScheduleNew());
            FloatVector mi = beta1V.mul(loadF(m, i)).add(oneMinusBeta1V.mul(g));
            store(mi, m, i);
            FloatVector mPrime = mi.div(c.oneMinusScheduleNext());
            FloatVector vi = beta2V.mul(loadF(v, i)).add(oneMinusBeta2V.mul(g.mul(g)));
            store(vi, v, i);
            FloatVector vPrime = vi.div(c.oneMinusBeta2Power());
            FloatVector mBar = oneMinusMomentumV.mul(gPrime).add(nextMomentumV.mul(mPrime));
            FloatVector denominator = vPrime.lanewise(VectorOperators.SQRT).add(c.epsilon());
            store(loadF(var, i).sub(lrV.mul(mBar).div(denominator)), var, i);
        }
        ScalarAdamFamily.nadamFloat(var, m, v, grad, from + j, to, c);
    }

    private static void nadamDouble(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                    NadamCoefficients c) {
        DoubleVector beta1V = DoubleVector.broadcast(DS, c.beta1());
        DoubleVector oneMinusBeta1V = DoubleVector.broadcast(DS, c.oneMinusBeta1());
        DoubleVector beta2V = DoubleVector.broadcast(DS, c.beta2());
        DoubleVector oneMinusBeta2V = DoubleVector.broadcast(DS, c.oneMinusBeta2());
        DoubleVector oneMinusMomentumV = DoubleVector.broadcast(DS, c.oneMinusMomentum());
        DoubleVector nextMomentumV = DoubleVector.broadcast(DS, c.nextMomentum());
        DoubleVector lrV = DoubleVector.broadcast(DS, c.learningRate());
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector g = loadD(grad, i);
            DoubleVector gPrime = g.div(c.oneMinusScheduleNew());
            DoubleVector mi = beta1V.mul(loadD(m, i)).add(oneMinusBeta1V.mul(g));
            store(mi, m, i);
            DoubleVector mPrime = mi.div(c.oneMinusScheduleNext());
            DoubleVector vi = beta2V.mul(loadD(v, i)).add(oneMinusBeta2V.mul(g.mul(g)));
            store(vi, v, i);
            DoubleVector vPrime = vi.div(c.oneMinusBeta2Power());
            DoubleVector mBar = oneMinusMomentumV.mul(gPrime).add(nextMomentumV.mul(mPrime));
            DoubleVector denominator = vPrime.lanewise(VectorOperators.SQRT).add(c.epsilon());
            store(loadD(var, i).sub(lrV.mul(mBar).div(denominator)), var, i);
        }
        ScalarAdamFamily.nadamDouble(var, m, v, grad, from + j, to, c);
    }

    static void nadamKeras3(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from,
                            long to, NadamCoefficients c) {
        if (dtype == DType.FLOAT32) {
            nadamKeras3Float(var, m, v, grad, from, to, NadamFloat.of(c));
        } else {
            nadamKeras3Double(var, m, v, grad, from, to, c);
        }
    }

    private static void nadamKeras3Float(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from,
                                         long to, NadamFloat c) {
        FloatVector nextMomentumV = FloatVector.broadcast(FS, c.nextMomentum());
        FloatVector oneMinusMomentumV = FloatVector.broadcast(FS, c.oneMinusMomentum());
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector mi = loadF(m, i);
            mi = mi.add(g.sub(mi).mul(c.oneMinusBeta1()));
            store(mi, m, i);
            FloatVector vi = loadF(v, i);
            vi = vi.add(g.mul(g).sub(vi).mul(c.oneMinusBeta2()));
            store(vi, v, i);
            FloatVector mHat = nextMomentumV.mul(mi).div(c.oneMinusScheduleNext())
                    .add(oneMinusMomentumV.mul(g).div(c.oneMinusScheduleNew()));
            FloatVector vHat = vi.div(c.oneMinusBeta2Power());
            FloatVector denominator = vHat.lanewise(VectorOperators.SQRT).add(c.epsilon());
            store(loadF(var, i).sub(mHat.mul(c.lr()).div(denominator)), var, i);
        }
        ScalarAdamFamily.nadamKeras3Float(var, m, v, grad, from + j, to, c);
    }

    private static void nadamKeras3Double(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from,
                                          long to, NadamCoefficients c) {
        DoubleVector nextMomentumV = DoubleVector.broadcast(DS, c.nextMomentum());
        DoubleVector oneMinusMomentumV = DoubleVector.broadcast(DS, c.oneMinusMomentum());
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector g = loadD(grad, i);
            DoubleVector mi = loadD(m, i);
            mi = mi.add(g.sub(mi).mul(c.oneMinusBeta1()));
            store(mi, m, i);
            DoubleVector vi = loadD(v, i);
            vi = vi.add(g.mul(g).sub(vi).mul(c.oneMinusBeta2()));
            store(vi, v, i);
            DoubleVector mHat = nextMomentumV.mul(mi).div(c.oneMinusScheduleNext())
                    .add(oneMinusMomentumV.mul(g).div(c.oneMinusScheduleNew()));
            DoubleVector vHat = vi.div(c.oneMinusBeta2Power());
            DoubleVector denominator = vHat.lanewise(VectorOperators.SQRT).add(c.epsilon());
            store(loadD(var, i).sub(mHat.mul(c.learningRate()).div(denominator)), var, i);
        }
        ScalarAdamFamily.nadamKeras3Double(var, m, v, grad, from + j, to, c);
    }

    static void adamFromMoments(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                                long from, long to, double alpha, double epsilon) {
        if (dtype == DType.FLOAT32) {
            adamFromMomentsFloat(var, m, v, vhat, from, to, (float) alpha, (float) epsilon);
        } else {
            adamFromMomentsDouble(var, m, v, vhat, from, to, alpha, epsilon);
        }
    }

    private static void adamFromMomentsFloat(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                                             long from, long to, float alpha, float epsilon) {
        FloatVector alphaV = FloatVector.broadcast(FS, alpha);
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector denominatorSquare = loadF(v, i);
            if (vhat != null) {
                denominatorSquare = loadF(vhat, i).max(denominatorSquare);
                store(denominatorSquare, vhat, i);
            }
            FloatVector denominator = denominatorSquare.lanewise(VectorOperators.SQRT).add(epsilon);
            FloatVector mi = loadF(m, i);
            FloatVector w = loadF(var, i);
            store(w.sub(alphaV.mul(mi).div(denominator)), var, i);
        }
        ScalarAdamFamily.adamFromMomentsFloat(var, m, v, vhat, from + j, to, alpha, epsilon);
    }

    private static void adamFromMomentsDouble(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                                              long from, long to, double alpha, double epsilon) {
        DoubleVector alphaV = DoubleVector.broadcast(DS, alpha);
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector denominatorSquare = loadD(v, i);
            if (vhat != null) {
                denominatorSquare = loadD(vhat, i).max(denominatorSquare);
                store(denominatorSquare, vhat, i);
            }
            DoubleVector denominator = denominatorSquare.lanewise(VectorOperators.SQRT).add(epsilon);
            DoubleVector mi = loadD(m, i);
            DoubleVector w = loadD(var, i);
            store(w.sub(alphaV.mul(mi).div(denominator)), var, i);
        }
        ScalarAdamFamily.adamFromMomentsDouble(var, m, v, vhat, from + j, to, alpha, epsilon);
    }
}
