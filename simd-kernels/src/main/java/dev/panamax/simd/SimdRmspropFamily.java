package dev.panamax.simd;

import static dev.panamax.simd.SimdLanes.*;
import static dev.panamax.simd.VectorMemory.*;

import dev.panamax.kernels.RmspropCoefficients;
import dev.panamax.kernels.ScalarRmspropFamily;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * SIMD kernels of the accumulator family: RMSprop, Adagrad and Adadelta (Keras 2 and 3). See
 * {@link SimdKernels} for the conventions.
 */
final class SimdRmspropFamily {

    private SimdRmspropFamily() {
    }

    static void adadeltaKeras3(DType dtype, MemorySegment var, MemorySegment accumGrad, MemorySegment accumDelta,
                               MemorySegment grad, long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        if (dtype == DType.FLOAT32) {
            adadeltaKeras3Float(var, accumGrad, accumDelta, grad, from, to, lr, rho, oneMinusRho, epsilon);
        } else {
            adadeltaKeras3Double(var, accumGrad, accumDelta, grad, from, to, lr, rho, oneMinusRho, epsilon);
        }
    }

    private static void adadeltaKeras3Float(MemorySegment var, MemorySegment accumGrad, MemorySegment accumDelta, MemorySegment grad, long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        float a = (float) lr;
        float r = (float) rho;
        float c = (float) oneMinusRho;
        float eps = (float) epsilon;
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector ag = loadF(accumGrad, i).mul(r).add(g.mul(g).mul(c));
            store(ag, accumGrad, i);
            FloatVector ad = loadF(accumDelta, i);
            FloatVector delta = ad.add(eps).sqrt().mul(g).div(ag.add(eps).sqrt()).neg();
            store(ad.mul(r).add(delta.mul(delta).mul(c)), accumDelta, i);
            store(loadF(var, i).add(delta.mul(a)), var, i);
        }
        ScalarRmspropFamily.adadeltaKeras3Float(var, accumGrad, accumDelta, grad, from + j, to, a, r, c, eps);
    }

    private static void adadeltaKeras3Double(MemorySegment var, MemorySegment accumGrad, MemorySegment accumDelta, MemorySegment grad, long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector g = loadD(grad, i);
            DoubleVector ag = loadD(accumGrad, i).mul(rho).add(g.mul(g).mul(oneMinusRho));
            store(ag, accumGrad, i);
            DoubleVector ad = loadD(accumDelta, i);
            DoubleVector delta = ad.add(epsilon).sqrt().mul(g).div(ag.add(epsilon).sqrt()).neg();
            store(ad.mul(rho).add(delta.mul(delta).mul(oneMinusRho)), accumDelta, i);
            store(loadD(var, i).add(delta.mul(lr)), var, i);
        }
        ScalarRmspropFamily.adadeltaKeras3Double(var, accumGrad, accumDelta, grad, from + j, to, lr, rho, oneMinusRho, epsilon);
    }

    static void rmsprop(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                        MemorySegment grad, long from, long to, RmspropCoefficients c) {
        if (dtype == DType.FLOAT32) {
            rmspropFloat(var, ms, mg, mom, grad, from, to, (float) c.learningRate(), (float) c.rho(), (float) c.oneMinusRho(),
                    (float) c.momentum(), (float) c.epsilon(), c.epsilonInsideSqrt());
        } else {
            rmspropDouble(var, ms, mg, mom, grad, from, to, c.learningRate(), c.rho(), c.oneMinusRho(), c.momentum(),
                    c.epsilon(), c.epsilonInsideSqrt());
        }
    }

    private static void rmspropFloat(MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                     MemorySegment grad, long from, long to, float lr, float rho, float oneMinusRho,
                                     float momentum, float epsilon, boolean epsilonInsideSqrt) {
        boolean centered = mg != null;
        boolean withMomentum = mom != null;
        FloatVector rhoV = FloatVector.broadcast(FS, rho);
        FloatVector oneMinusRhoV = FloatVector.broadcast(FS, oneMinusRho);
        FloatVector lrV = FloatVector.broadcast(FS, lr);
        FloatVector momentumV = FloatVector.broadcast(FS, momentum);
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector msi = rhoV.mul(loadF(ms, i)).add(oneMinusRhoV.mul(g.mul(g)));
            store(msi, ms, i);
            FloatVector denominator = msi;
            if (centered) {
                FloatVector mgi = rhoV.mul(loadF(mg, i)).add(oneMinusRhoV.mul(g));
                store(mgi, mg, i);
                denominator = msi.sub(mgi.mul(mgi));
            }
            FloatVector increment = epsilonInsideSqrt
                    ? lrV.mul(g).div(denominator.add(epsilon).lanewise(VectorOperators.SQRT))
                    : lrV.mul(g).div(denominator.lanewise(VectorOperators.SQRT).add(epsilon));
            if (withMomentum) {
                increment = momentumV.mul(loadF(mom, i)).add(increment);
                store(increment, mom, i);
            }
            store(loadF(var, i).sub(increment), var, i);
        }
        ScalarRmspropFamily.rmspropFloat(var, ms, mg, mom, grad, from + j, to, lr, rho, oneMinusRho, momentum, epsilon, epsilonInsideSqrt);
    }

    private static void rmspropDouble(MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                      MemorySegment grad, long from, long to, double lr, double rho, double oneMinusRho,
                                      double momentum, double epsilon, boolean epsilonInsideSqrt) {
        boolean centered = mg != null;
        boolean withMomentum = mom != null;
        DoubleVector rhoV = DoubleVector.broadcast(DS, rho);
        DoubleVector oneMinusRhoV = DoubleVector.broadcast(DS, oneMinusRho);
        DoubleVector lrV = DoubleVector.broadcast(DS, lr);
        DoubleVector momentumV = DoubleVector.broadcast(DS, momentum);
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector g = loadD(grad, i);
            DoubleVector msi = rhoV.mul(loadD(ms, i)).add(oneMinusRhoV.mul(g.mul(g)));
            store(msi, ms, i);
            DoubleVector denominator = msi;
            if (centered) {
                DoubleVector mgi = rhoV.mul(loadD(mg, i)).add(oneMinusRhoV.mul(g));
                store(mgi, mg, i);
                denominator = msi.sub(mgi.mul(mgi));
            }
            DoubleVector increment = epsilonInsideSqrt
                    ? lrV.mul(g).div(denominator.add(epsilon).lanewise(VectorOperators.SQRT))
                    : lrV.mul(g).div(denominator.lanewise(VectorOperators.SQRT).add(epsilon));
            if (withMomentum) {
                increment = momentumV.mul(loadD(mom, i)).add(increment);
                store(increment, mom, i);
            }
            store(loadD(var, i).sub(increment), var, i);
        }
        ScalarRmspropFamily.rmspropDouble(var, ms, mg, mom, grad, from + j, to, lr, rho, oneMinusRho, momentum, epsilon, epsilonInsideSqrt);
    }

    static void rmspropMomentum(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                MemorySegment grad, long from, long to, RmspropCoefficients c) {
        if (dtype == DType.FLOAT32) {
            rmspropMomentumFloat(var, ms, mg, mom, grad, from, to, (float) c.learningRate(), (float) c.oneMinusRho(),
                    (float) c.momentum(), (float) c.epsilon());
        } else {
            rmspropMomentumDouble(var, ms, mg, mom, grad, from, to, c.learningRate(), c.oneMinusRho(), c.momentum(), c.epsilon());
        }
    }

    private static void rmspropMomentumFloat(MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                             MemorySegment grad, long from, long to, float lr, float oneMinusRho,
                                             float momentum, float epsilon) {
        boolean centered = mg != null;
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector msi = loadF(ms, i);
            msi = msi.add(g.mul(g).sub(msi).mul(oneMinusRho));
            store(msi, ms, i);
            FloatVector denominator;
            if (centered) {
                FloatVector mgi = loadF(mg, i);
                mgi = mgi.add(g.sub(mgi).mul(oneMinusRho));
                store(mgi, mg, i);
                denominator = msi.sub(mgi.mul(mgi)).add(epsilon);
            } else {
                denominator = msi.add(epsilon);
            }
            FloatVector momi = loadF(mom, i).mul(momentum).add(g.mul(lr).div(denominator.lanewise(VectorOperators.SQRT)));
            store(momi, mom, i);
            store(loadF(var, i).sub(momi), var, i);
        }
        ScalarRmspropFamily.rmspropMomentumFloat(var, ms, mg, mom, grad, from + j, to, lr, oneMinusRho, momentum, epsilon);
    }

    private static void rmspropMomentumDouble(MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                              MemorySegment grad, long from, long to, double lr, double oneMinusRho,
                                              double momentum, double epsilon) {
        boolean centered = mg != null;
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector g = loadD(grad, i);
            DoubleVector msi = loadD(ms, i);
            msi = msi.add(g.mul(g).sub(msi).mul(oneMinusRho));
            store(msi, ms, i);
            DoubleVector denominator;
            if (centered) {
                DoubleVector mgi = loadD(mg, i);
                mgi = mgi.add(g.sub(mgi).mul(oneMinusRho));
                store(mgi, mg, i);
                denominator = msi.sub(mgi.mul(mgi)).add(epsilon);
            } else {
                denominator = msi.add(epsilon);
            }
            DoubleVector momi = loadD(mom, i).mul(momentum).add(g.mul(lr).div(denominator.lanewise(VectorOperators.SQRT)));
            store(momi, mom, i);
            store(loadD(var, i).sub(momi), var, i);
        }
        ScalarRmspropFamily.rmspropMomentumDouble(var, ms, mg, mom, grad, from + j, to, lr, oneMinusRho, momentum, epsilon);
    }

    static void adagrad(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                        double lr, double epsilon, boolean epsilonInsideSqrt) {
        if (dtype == DType.FLOAT32) {
            adagradFloat(var, accum, grad, from, to, (float) lr, (float) epsilon, epsilonInsideSqrt);
        } else {
            adagradDouble(var, accum, grad, from, to, lr, epsilon, epsilonInsideSqrt);
        }
    }

    private static void adagradFloat(MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                                     float lr, float epsilon, boolean epsilonInsideSqrt) {
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector a = loadF(accum, i).add(g.mul(g));
            store(a, accum, i);
            FloatVector denominator = epsilonInsideSqrt
                    ? a.add(epsilon).lanewise(VectorOperators.SQRT)
                    : a.lanewise(VectorOperators.SQRT).add(epsilon);
            store(loadF(var, i).sub(g.mul(lr).div(denominator)), var, i);
        }
        ScalarRmspropFamily.adagradFloat(var, accum, grad, from + j, to, lr, epsilon, epsilonInsideSqrt);
    }

    private static void adagradDouble(MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                                      double lr, double epsilon, boolean epsilonInsideSqrt) {
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector g = loadD(grad, i);
            DoubleVector a = loadD(accum, i).add(g.mul(g));
            store(a, accum, i);
            DoubleVector denominator = epsilonInsideSqrt
                    ? a.add(epsilon).lanewise(VectorOperators.SQRT)
                    : a.lanewise(VectorOperators.SQRT).add(epsilon);
            store(loadD(var, i).sub(g.mul(lr).div(denominator)), var, i);
        }
        ScalarRmspropFamily.adagradDouble(var, accum, grad, from + j, to, lr, epsilon, epsilonInsideSqrt);
    }

    static void adadelta(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment accumUpdate, MemorySegment grad,
                         long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        if (dtype == DType.FLOAT32) {
            adadeltaFloat(var, accum, accumUpdate, grad, from, to, (float) lr, (float) rho, (float) oneMinusRho, (float) epsilon);
        } else {
            adadeltaDouble(var, accum, accumUpdate, grad, from, to, lr, rho, oneMinusRho, epsilon);
        }
    }

    /** TensorFlow's rsqrt is {@code 1 / sqrt}, as in the reference: a true division, no approximate rsqrt. */
    private static void adadeltaFloat(MemorySegment var, MemorySegment accum, MemorySegment accumUpdate, MemorySegment grad,
                                      long from, long to, float lr, float rho, float oneMinusRho, float epsilon) {
        FloatVector one = FloatVector.broadcast(FS, 1f);
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector a = loadF(accum, i).mul(rho).add(g.mul(g).mul(oneMinusRho));
            store(a, accum, i);
            FloatVector au = loadF(accumUpdate, i);
            FloatVector update = au.add(epsilon).lanewise(VectorOperators.SQRT)
                    .mul(one.div(a.add(epsilon).lanewise(VectorOperators.SQRT)))
                    .mul(g);
            store(loadF(var, i).sub(update.mul(lr)), var, i);
            store(au.mul(rho).add(update.mul(update).mul(oneMinusRho)), accumUpdate, i);
        }
        ScalarRmspropFamily.adadeltaFloat(var, accum, accumUpdate, grad, from + j, to, lr, rho, oneMinusRho, epsilon);
    }

    /** As {@link #adadeltaFloat}: {@code 1 / sqrt} is a true division. */
    private static void adadeltaDouble(MemorySegment var, MemorySegment accum, MemorySegment accumUpdate, MemorySegment grad,
                                       long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        DoubleVector one = DoubleVector.broadcast(DS, 1.0);
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector g = loadD(grad, i);
            DoubleVector a = loadD(accum, i).mul(rho).add(g.mul(g).mul(oneMinusRho));
            store(a, accum, i);
            DoubleVector au = loadD(accumUpdate, i);
            DoubleVector update = au.add(epsilon).lanewise(VectorOperators.SQRT)
                    .mul(one.div(a.add(epsilon).lanewise(VectorOperators.SQRT)))
                    .mul(g);
            store(loadD(var, i).sub(update.mul(lr)), var, i);
            store(au.mul(rho).add(update.mul(update).mul(oneMinusRho)), accumUpdate, i);
        }
        ScalarRmspropFamily.adadeltaDouble(var, accum, accumUpdate, grad, from + j, to, lr, rho, oneMinusRho, epsilon);
    }
}
