package dev.panamax.simd;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.AdamaxCoefficients;
import dev.panamax.kernels.FtrlCoefficients;
import dev.panamax.kernels.Keras3AdamaxCoefficients;
import dev.panamax.kernels.LionCoefficients;
import dev.panamax.kernels.NadamCoefficients;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.RmspropCoefficients;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.kernels.ScalarKernels.NadamFloat;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels. Each loop runs whole vectors of the preferred species up to
 * {@code loopBound}, then hands the tail to the {@link ScalarKernels} method of the same name.
 * Every element-wise formula is written in the reference's operation order with no fused
 * multiply-add, so the results are bit-identical to {@link ScalarKernels}.
 *
 * <p>Conventions of the kernels below: a scalar that is the left operand in the reference
 * ({@code rho * ms}) is a broadcast vector hoisted out of the loop ({@code rhoV.mul(ms)}), one
 * that is the right operand stays a scalar argument ({@code ms.mul(rho)}), so every line reads in
 * the reference's operand order. Square roots are {@code lanewise(SQRT)} (correctly rounded, as
 * {@code Math.sqrt}; for float32 {@code (float) Math.sqrt(x)} is the correctly rounded float
 * square root too), {@code max}/{@code min} follow {@code Math.max}/{@code Math.min}, and a
 * ternary becomes a compare and a blend. A null optional segment (RMSprop's {@code mg} and
 * {@code mom}, AMSGrad's {@code vhat}) or a flag is a loop-invariant test inside one loop, as in
 * the reference, rather than one copy of the loop per variant. Each dtype has its own method: a
 * method holding both the float and the double loop exceeds C2's inlining budget, and the second
 * loop then allocates a box per vector (about ten times slower).
 */
public final class SimdKernels implements OptimizerKernels {

    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final long F_BYTES = Float.BYTES;
    private static final long D_BYTES = Double.BYTES;

    @Override
    public String name() {
        return "simd";
    }

    // ---- helpers -------------------------------------------------------------------------------

    @Override
    public void scale(DType dtype, MemorySegment x, long from, long to, double factor) {
        if (dtype == DType.FLOAT32) {
            float f = (float) factor;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                FloatVector.fromMemorySegment(FS, x, i * F_BYTES, ORDER).mul(f).intoMemorySegment(x, i * F_BYTES, ORDER);
            }
            ScalarKernels.scaleFloat(x, i, to, f);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                DoubleVector.fromMemorySegment(DS, x, i * D_BYTES, ORDER).mul(factor).intoMemorySegment(x, i * D_BYTES, ORDER);
            }
            ScalarKernels.scaleDouble(x, i, to, factor);
        }
    }

    @Override
    public void scaleDivide(DType dtype, MemorySegment x, long from, long to, double multiplier, double divisor) {
        if (dtype == DType.FLOAT32) {
            float mul = (float) multiplier;
            float div = (float) divisor;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                FloatVector.fromMemorySegment(FS, x, i * F_BYTES, ORDER).mul(mul).div(div).intoMemorySegment(x, i * F_BYTES, ORDER);
            }
            ScalarKernels.scaleDivideFloat(x, i, to, mul, div);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                DoubleVector.fromMemorySegment(DS, x, i * D_BYTES, ORDER).mul(multiplier).div(divisor)
                        .intoMemorySegment(x, i * D_BYTES, ORDER);
            }
            ScalarKernels.scaleDivideDouble(x, i, to, multiplier, divisor);
        }
    }

    @Override
    public void clipByValue(DType dtype, MemorySegment x, long from, long to, double min, double max) {
        if (dtype == DType.FLOAT32) {
            float lo = (float) min;
            float hi = (float) max;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                FloatVector.fromMemorySegment(FS, x, i * F_BYTES, ORDER).min(hi).max(lo).intoMemorySegment(x, i * F_BYTES, ORDER);
            }
            ScalarKernels.clipByValueFloat(x, i, to, lo, hi);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                DoubleVector.fromMemorySegment(DS, x, i * D_BYTES, ORDER).min(max).max(min).intoMemorySegment(x, i * D_BYTES, ORDER);
            }
            ScalarKernels.clipByValueDouble(x, i, to, min, max);
        }
    }

    @Override
    public void axpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        if (dtype == DType.FLOAT32) {
            float a = (float) alpha;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector yv = FloatVector.fromMemorySegment(FS, y, off, ORDER);
                FloatVector xv = FloatVector.fromMemorySegment(FS, x, off, ORDER);
                yv.add(xv.mul(a)).intoMemorySegment(y, off, ORDER);
            }
            ScalarKernels.axpyFloat(a, x, y, i, to);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector yv = DoubleVector.fromMemorySegment(DS, y, off, ORDER);
                DoubleVector xv = DoubleVector.fromMemorySegment(DS, x, off, ORDER);
                yv.add(xv.mul(alpha)).intoMemorySegment(y, off, ORDER);
            }
            ScalarKernels.axpyDouble(alpha, x, y, i, to);
        }
    }

    @Override
    public double sumOfSquares(DType dtype, MemorySegment x, long from, long to) {
        // Like the reference, square and add in double (float32 squares over 1.8e19 would overflow a float).
        DoubleVector acc = DoubleVector.zero(DS);
        long i = from;
        if (dtype == DType.FLOAT32) {
            int parts = FS.length() / DS.length();
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                FloatVector xv = FloatVector.fromMemorySegment(FS, x, i * F_BYTES, ORDER);
                for (int part = 0; part < parts; part++) {
                    DoubleVector d = (DoubleVector) xv.convertShape(VectorOperators.F2D, DS, part);
                    acc = acc.add(d.mul(d));
                }
            }
        } else {
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                DoubleVector xv = DoubleVector.fromMemorySegment(DS, x, i * D_BYTES, ORDER);
                acc = acc.add(xv.mul(xv));
            }
        }
        return acc.reduceLanes(VectorOperators.ADD) + ScalarKernels.sumOfSquaresTail(dtype, x, i, to);
    }

    // ---- Keras 3's base stages -------------------------------------------------------------------

    @Override
    public void weightDecay(DType dtype, MemorySegment var, long from, long to, double weightDecay, double lr) {
        if (dtype == DType.FLOAT32) {
            float wd = (float) weightDecay;
            float a = (float) lr;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector w = FloatVector.fromMemorySegment(FS, var, off, ORDER);
                w.sub(w.mul(wd).mul(a)).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.weightDecayFloat(var, i, to, wd, a);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector w = DoubleVector.fromMemorySegment(DS, var, off, ORDER);
                w.sub(w.mul(weightDecay).mul(lr)).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.weightDecayDouble(var, i, to, weightDecay, lr);
        }
    }

    @Override
    public void movingAverage(DType dtype, MemorySegment average, MemorySegment var, long from, long to, double momentum,
                              double oneMinusMomentum) {
        if (dtype == DType.FLOAT32) {
            float m = (float) momentum;
            float c = (float) oneMinusMomentum;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector a = FloatVector.fromMemorySegment(FS, average, off, ORDER);
                FloatVector w = FloatVector.fromMemorySegment(FS, var, off, ORDER);
                a.mul(m).add(w.mul(c)).intoMemorySegment(average, off, ORDER);
            }
            ScalarKernels.movingAverageFloat(average, var, i, to, m, c);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector a = DoubleVector.fromMemorySegment(DS, average, off, ORDER);
                DoubleVector w = DoubleVector.fromMemorySegment(DS, var, off, ORDER);
                a.mul(momentum).add(w.mul(oneMinusMomentum)).intoMemorySegment(average, off, ORDER);
            }
            ScalarKernels.movingAverageDouble(average, var, i, to, momentum, oneMinusMomentum);
        }
    }

    @Override
    public void lion(DType dtype, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, LionCoefficients c) {
        if (dtype == DType.FLOAT32) {
            float lr = (float) c.lr();
            float b1 = (float) c.beta1();
            float c1 = (float) c.oneMinusBeta1();
            float b2 = (float) c.beta2();
            float c2 = (float) c.oneMinusBeta2();
            FloatVector zero = FloatVector.zero(FS);
            FloatVector one = FloatVector.broadcast(FS, 1f);
            FloatVector minusOne = FloatVector.broadcast(FS, -1f);
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector g = loadF(grad, off);
                FloatVector mi = loadF(m, off);
                FloatVector d = mi.mul(b1).add(g.mul(c1));
                // TF's Sign: +-1, +0 at either zero, the NaN itself at NaN.
                FloatVector s = zero.blend(one, d.compare(VectorOperators.GT, 0f)).blend(minusOne, d.compare(VectorOperators.LT, 0f))
                        .blend(d, d.test(VectorOperators.IS_NAN));
                loadF(var, off).sub(s.mul(lr)).intoMemorySegment(var, off, ORDER);
                mi.mul(b2).add(g.mul(c2)).intoMemorySegment(m, off, ORDER);
            }
            ScalarKernels.lionFloat(var, m, grad, i, to, lr, b1, c1, b2, c2);
        } else {
            DoubleVector zero = DoubleVector.zero(DS);
            DoubleVector one = DoubleVector.broadcast(DS, 1.0);
            DoubleVector minusOne = DoubleVector.broadcast(DS, -1.0);
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector g = loadD(grad, off);
                DoubleVector mi = loadD(m, off);
                DoubleVector d = mi.mul(c.beta1()).add(g.mul(c.oneMinusBeta1()));
                DoubleVector s = zero.blend(one, d.compare(VectorOperators.GT, 0.0)).blend(minusOne, d.compare(VectorOperators.LT, 0.0))
                        .blend(d, d.test(VectorOperators.IS_NAN));
                loadD(var, off).sub(s.mul(c.lr())).intoMemorySegment(var, off, ORDER);
                mi.mul(c.beta2()).add(g.mul(c.oneMinusBeta2())).intoMemorySegment(m, off, ORDER);
            }
            ScalarKernels.lionDouble(var, m, grad, i, to, c.lr(), c.beta1(), c.oneMinusBeta1(), c.beta2(), c.oneMinusBeta2());
        }
    }

    @Override
    public void adamaxKeras3(DType dtype, MemorySegment var, MemorySegment m, MemorySegment u, MemorySegment grad, long from,
                             long to, Keras3AdamaxCoefficients c) {
        if (dtype == DType.FLOAT32) {
            float lr = (float) c.lr();
            float c1 = (float) c.oneMinusBeta1();
            float b2 = (float) c.beta2();
            float bp = (float) c.oneMinusBeta1Power();
            float eps = (float) c.epsilon();
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector g = loadF(grad, off);
                FloatVector mi = loadF(m, off);
                mi = mi.add(g.sub(mi).mul(c1));
                mi.intoMemorySegment(m, off, ORDER);
                FloatVector ui = loadF(u, off).mul(b2).max(g.abs());
                ui.intoMemorySegment(u, off, ORDER);
                loadF(var, off).sub(mi.mul(lr).div(ui.add(eps).mul(bp))).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.adamaxKeras3Float(var, m, u, grad, i, to, lr, c1, b2, bp, eps);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector g = loadD(grad, off);
                DoubleVector mi = loadD(m, off);
                mi = mi.add(g.sub(mi).mul(c.oneMinusBeta1()));
                mi.intoMemorySegment(m, off, ORDER);
                DoubleVector ui = loadD(u, off).mul(c.beta2()).max(g.abs());
                ui.intoMemorySegment(u, off, ORDER);
                loadD(var, off).sub(mi.mul(c.lr()).div(ui.add(c.epsilon()).mul(c.oneMinusBeta1Power())))
                        .intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.adamaxKeras3Double(var, m, u, grad, i, to, c.lr(), c.oneMinusBeta1(), c.beta2(), c.oneMinusBeta1Power(),
                    c.epsilon());
        }
    }

    @Override
    public void adadeltaKeras3(DType dtype, MemorySegment var, MemorySegment accumGrad, MemorySegment accumDelta,
                               MemorySegment grad, long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        if (dtype == DType.FLOAT32) {
            float a = (float) lr;
            float r = (float) rho;
            float c = (float) oneMinusRho;
            float eps = (float) epsilon;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector g = loadF(grad, off);
                FloatVector ag = loadF(accumGrad, off).mul(r).add(g.mul(g).mul(c));
                ag.intoMemorySegment(accumGrad, off, ORDER);
                FloatVector ad = loadF(accumDelta, off);
                FloatVector delta = ad.add(eps).sqrt().mul(g).div(ag.add(eps).sqrt()).neg();
                ad.mul(r).add(delta.mul(delta).mul(c)).intoMemorySegment(accumDelta, off, ORDER);
                loadF(var, off).add(delta.mul(a)).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.adadeltaKeras3Float(var, accumGrad, accumDelta, grad, i, to, a, r, c, eps);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector g = loadD(grad, off);
                DoubleVector ag = loadD(accumGrad, off).mul(rho).add(g.mul(g).mul(oneMinusRho));
                ag.intoMemorySegment(accumGrad, off, ORDER);
                DoubleVector ad = loadD(accumDelta, off);
                DoubleVector delta = ad.add(epsilon).sqrt().mul(g).div(ag.add(epsilon).sqrt()).neg();
                ad.mul(rho).add(delta.mul(delta).mul(oneMinusRho)).intoMemorySegment(accumDelta, off, ORDER);
                loadD(var, off).add(delta.mul(lr)).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.adadeltaKeras3Double(var, accumGrad, accumDelta, grad, i, to, lr, rho, oneMinusRho, epsilon);
        }
    }

    // ---- algorithms ----------------------------------------------------------------------------

    @Override
    public void gradientDescent(DType dtype, MemorySegment var, MemorySegment grad, long from, long to, double lr) {
        if (dtype == DType.FLOAT32) {
            float a = (float) lr;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector w = FloatVector.fromMemorySegment(FS, var, off, ORDER);
                FloatVector g = FloatVector.fromMemorySegment(FS, grad, off, ORDER);
                w.sub(g.mul(a)).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.gradientDescentFloat(var, grad, i, to, a);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector w = DoubleVector.fromMemorySegment(DS, var, off, ORDER);
                DoubleVector g = DoubleVector.fromMemorySegment(DS, grad, off, ORDER);
                w.sub(g.mul(lr)).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.gradientDescentDouble(var, grad, i, to, lr);
        }
    }

    @Override
    public void kerasMomentum(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                              double lr, double momentum, boolean nesterov) {
        if (dtype == DType.FLOAT32) {
            float lrF = (float) lr;
            float mu = (float) momentum;
            long i = from;
            for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
                long off = i * F_BYTES;
                FloatVector g = FloatVector.fromMemorySegment(FS, grad, off, ORDER);
                FloatVector a = FloatVector.fromMemorySegment(FS, accum, off, ORDER).mul(mu).sub(g.mul(lrF));
                a.intoMemorySegment(accum, off, ORDER);
                FloatVector step = nesterov ? a.mul(mu).sub(g.mul(lrF)) : a;
                FloatVector.fromMemorySegment(FS, var, off, ORDER).add(step).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.kerasMomentumFloat(var, accum, grad, i, to, lrF, mu, nesterov);
        } else {
            long i = from;
            for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
                long off = i * D_BYTES;
                DoubleVector g = DoubleVector.fromMemorySegment(DS, grad, off, ORDER);
                DoubleVector a = DoubleVector.fromMemorySegment(DS, accum, off, ORDER).mul(momentum).sub(g.mul(lr));
                a.intoMemorySegment(accum, off, ORDER);
                DoubleVector step = nesterov ? a.mul(momentum).sub(g.mul(lr)) : a;
                DoubleVector.fromMemorySegment(DS, var, off, ORDER).add(step).intoMemorySegment(var, off, ORDER);
            }
            ScalarKernels.kerasMomentumDouble(var, accum, grad, i, to, lr, momentum, nesterov);
        }
    }

    @Override
    public void adam(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                     AdamCoefficients c) {
        adamOrAmsgrad(dtype, var, m, v, null, grad, from, to, c);
    }

    @Override
    public void adamAmsgrad(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                            MemorySegment grad, long from, long to, AdamCoefficients c) {
        adamOrAmsgrad(dtype, var, m, v, vhat, grad, from, to, c);
    }

    private static void adamOrAmsgrad(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                                      MemorySegment grad, long from, long to, AdamCoefficients c) {
        if (dtype == DType.FLOAT32) {
            adamFloat(var, m, v, vhat, grad, from, to, (float) c.alpha(), (float) c.oneMinusBeta1(),
                    (float) c.oneMinusBeta2(), (float) c.epsilon());
        } else {
            adamDouble(var, m, v, vhat, grad, from, to, c.alpha(), c.oneMinusBeta1(), c.oneMinusBeta2(), c.epsilon());
        }
    }

    private static void adamFloat(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat, MemorySegment grad,
                                  long from, long to, float alpha, float oneMinusBeta1, float oneMinusBeta2, float epsilon) {
        long i = from;
        for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector g = FloatVector.fromMemorySegment(FS, grad, off, ORDER);
            FloatVector mi = FloatVector.fromMemorySegment(FS, m, off, ORDER);
            FloatVector vi = FloatVector.fromMemorySegment(FS, v, off, ORDER);
            mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
            vi = vi.add(g.mul(g).sub(vi).mul(oneMinusBeta2));
            mi.intoMemorySegment(m, off, ORDER);
            vi.intoMemorySegment(v, off, ORDER);
            FloatVector denominatorSquare = vi;
            if (vhat != null) {
                denominatorSquare = FloatVector.fromMemorySegment(FS, vhat, off, ORDER).max(vi);
                denominatorSquare.intoMemorySegment(vhat, off, ORDER);
            }
            FloatVector denominator = denominatorSquare.lanewise(VectorOperators.SQRT).add(epsilon);
            FloatVector w = FloatVector.fromMemorySegment(FS, var, off, ORDER);
            w.sub(mi.mul(alpha).div(denominator)).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.adamFloat(var, m, v, vhat, grad, i, to, alpha, oneMinusBeta1, oneMinusBeta2, epsilon);
    }

    private static void adamDouble(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat, MemorySegment grad,
                                   long from, long to, double alpha, double oneMinusBeta1, double oneMinusBeta2, double epsilon) {
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector g = DoubleVector.fromMemorySegment(DS, grad, off, ORDER);
            DoubleVector mi = DoubleVector.fromMemorySegment(DS, m, off, ORDER);
            DoubleVector vi = DoubleVector.fromMemorySegment(DS, v, off, ORDER);
            mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
            vi = vi.add(g.mul(g).sub(vi).mul(oneMinusBeta2));
            mi.intoMemorySegment(m, off, ORDER);
            vi.intoMemorySegment(v, off, ORDER);
            DoubleVector denominatorSquare = vi;
            if (vhat != null) {
                denominatorSquare = DoubleVector.fromMemorySegment(DS, vhat, off, ORDER).max(vi);
                denominatorSquare.intoMemorySegment(vhat, off, ORDER);
            }
            DoubleVector denominator = denominatorSquare.lanewise(VectorOperators.SQRT).add(epsilon);
            DoubleVector w = DoubleVector.fromMemorySegment(DS, var, off, ORDER);
            w.sub(mi.mul(alpha).div(denominator)).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.adamDouble(var, m, v, vhat, grad, i, to, alpha, oneMinusBeta1, oneMinusBeta2, epsilon);
    }

    // ---- RMSprop -------------------------------------------------------------------------------

    @Override
    public void rmsprop(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
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
        long i = from;
        for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector g = loadF(grad, off);
            FloatVector msi = rhoV.mul(loadF(ms, off)).add(oneMinusRhoV.mul(g.mul(g)));
            msi.intoMemorySegment(ms, off, ORDER);
            FloatVector denominator = msi;
            if (centered) {
                FloatVector mgi = rhoV.mul(loadF(mg, off)).add(oneMinusRhoV.mul(g));
                mgi.intoMemorySegment(mg, off, ORDER);
                denominator = msi.sub(mgi.mul(mgi));
            }
            FloatVector increment = epsilonInsideSqrt
                    ? lrV.mul(g).div(denominator.add(epsilon).lanewise(VectorOperators.SQRT))
                    : lrV.mul(g).div(denominator.lanewise(VectorOperators.SQRT).add(epsilon));
            if (withMomentum) {
                increment = momentumV.mul(loadF(mom, off)).add(increment);
                increment.intoMemorySegment(mom, off, ORDER);
            }
            loadF(var, off).sub(increment).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.rmspropFloat(var, ms, mg, mom, grad, i, to, lr, rho, oneMinusRho, momentum, epsilon, epsilonInsideSqrt);
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
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector g = loadD(grad, off);
            DoubleVector msi = rhoV.mul(loadD(ms, off)).add(oneMinusRhoV.mul(g.mul(g)));
            msi.intoMemorySegment(ms, off, ORDER);
            DoubleVector denominator = msi;
            if (centered) {
                DoubleVector mgi = rhoV.mul(loadD(mg, off)).add(oneMinusRhoV.mul(g));
                mgi.intoMemorySegment(mg, off, ORDER);
                denominator = msi.sub(mgi.mul(mgi));
            }
            DoubleVector increment = epsilonInsideSqrt
                    ? lrV.mul(g).div(denominator.add(epsilon).lanewise(VectorOperators.SQRT))
                    : lrV.mul(g).div(denominator.lanewise(VectorOperators.SQRT).add(epsilon));
            if (withMomentum) {
                increment = momentumV.mul(loadD(mom, off)).add(increment);
                increment.intoMemorySegment(mom, off, ORDER);
            }
            loadD(var, off).sub(increment).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.rmspropDouble(var, ms, mg, mom, grad, i, to, lr, rho, oneMinusRho, momentum, epsilon, epsilonInsideSqrt);
    }

    @Override
    public void rmspropMomentum(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
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
        long i = from;
        for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector g = loadF(grad, off);
            FloatVector msi = loadF(ms, off);
            msi = msi.add(g.mul(g).sub(msi).mul(oneMinusRho));
            msi.intoMemorySegment(ms, off, ORDER);
            FloatVector denominator;
            if (centered) {
                FloatVector mgi = loadF(mg, off);
                mgi = mgi.add(g.sub(mgi).mul(oneMinusRho));
                mgi.intoMemorySegment(mg, off, ORDER);
                denominator = msi.sub(mgi.mul(mgi)).add(epsilon);
            } else {
                denominator = msi.add(epsilon);
            }
            FloatVector momi = loadF(mom, off).mul(momentum).add(g.mul(lr).div(denominator.lanewise(VectorOperators.SQRT)));
            momi.intoMemorySegment(mom, off, ORDER);
            loadF(var, off).sub(momi).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.rmspropMomentumFloat(var, ms, mg, mom, grad, i, to, lr, oneMinusRho, momentum, epsilon);
    }

    private static void rmspropMomentumDouble(MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                              MemorySegment grad, long from, long to, double lr, double oneMinusRho,
                                              double momentum, double epsilon) {
        boolean centered = mg != null;
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector g = loadD(grad, off);
            DoubleVector msi = loadD(ms, off);
            msi = msi.add(g.mul(g).sub(msi).mul(oneMinusRho));
            msi.intoMemorySegment(ms, off, ORDER);
            DoubleVector denominator;
            if (centered) {
                DoubleVector mgi = loadD(mg, off);
                mgi = mgi.add(g.sub(mgi).mul(oneMinusRho));
                mgi.intoMemorySegment(mg, off, ORDER);
                denominator = msi.sub(mgi.mul(mgi)).add(epsilon);
            } else {
                denominator = msi.add(epsilon);
            }
            DoubleVector momi = loadD(mom, off).mul(momentum).add(g.mul(lr).div(denominator.lanewise(VectorOperators.SQRT)));
            momi.intoMemorySegment(mom, off, ORDER);
            loadD(var, off).sub(momi).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.rmspropMomentumDouble(var, ms, mg, mom, grad, i, to, lr, oneMinusRho, momentum, epsilon);
    }

    // ---- Adagrad, Adadelta, Adamax -------------------------------------------------------------

    @Override
    public void adagrad(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                        double lr, double epsilon, boolean epsilonInsideSqrt) {
        if (dtype == DType.FLOAT32) {
            adagradFloat(var, accum, grad, from, to, (float) lr, (float) epsilon, epsilonInsideSqrt);
        } else {
            adagradDouble(var, accum, grad, from, to, lr, epsilon, epsilonInsideSqrt);
        }
    }

    private static void adagradFloat(MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                                     float lr, float epsilon, boolean epsilonInsideSqrt) {
        long i = from;
        for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector g = loadF(grad, off);
            FloatVector a = loadF(accum, off).add(g.mul(g));
            a.intoMemorySegment(accum, off, ORDER);
            FloatVector denominator = epsilonInsideSqrt
                    ? a.add(epsilon).lanewise(VectorOperators.SQRT)
                    : a.lanewise(VectorOperators.SQRT).add(epsilon);
            loadF(var, off).sub(g.mul(lr).div(denominator)).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.adagradFloat(var, accum, grad, i, to, lr, epsilon, epsilonInsideSqrt);
    }

    private static void adagradDouble(MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                                      double lr, double epsilon, boolean epsilonInsideSqrt) {
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector g = loadD(grad, off);
            DoubleVector a = loadD(accum, off).add(g.mul(g));
            a.intoMemorySegment(accum, off, ORDER);
            DoubleVector denominator = epsilonInsideSqrt
                    ? a.add(epsilon).lanewise(VectorOperators.SQRT)
                    : a.lanewise(VectorOperators.SQRT).add(epsilon);
            loadD(var, off).sub(g.mul(lr).div(denominator)).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.adagradDouble(var, accum, grad, i, to, lr, epsilon, epsilonInsideSqrt);
    }

    @Override
    public void adadelta(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment accumUpdate, MemorySegment grad,
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
        long i = from;
        for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector g = loadF(grad, off);
            FloatVector a = loadF(accum, off).mul(rho).add(g.mul(g).mul(oneMinusRho));
            a.intoMemorySegment(accum, off, ORDER);
            FloatVector au = loadF(accumUpdate, off);
            FloatVector update = au.add(epsilon).lanewise(VectorOperators.SQRT)
                    .mul(one.div(a.add(epsilon).lanewise(VectorOperators.SQRT)))
                    .mul(g);
            loadF(var, off).sub(update.mul(lr)).intoMemorySegment(var, off, ORDER);
            au.mul(rho).add(update.mul(update).mul(oneMinusRho)).intoMemorySegment(accumUpdate, off, ORDER);
        }
        ScalarKernels.adadeltaFloat(var, accum, accumUpdate, grad, i, to, lr, rho, oneMinusRho, epsilon);
    }

    /** As {@link #adadeltaFloat}: {@code 1 / sqrt} is a true division. */
    private static void adadeltaDouble(MemorySegment var, MemorySegment accum, MemorySegment accumUpdate, MemorySegment grad,
                                       long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        DoubleVector one = DoubleVector.broadcast(DS, 1.0);
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector g = loadD(grad, off);
            DoubleVector a = loadD(accum, off).mul(rho).add(g.mul(g).mul(oneMinusRho));
            a.intoMemorySegment(accum, off, ORDER);
            DoubleVector au = loadD(accumUpdate, off);
            DoubleVector update = au.add(epsilon).lanewise(VectorOperators.SQRT)
                    .mul(one.div(a.add(epsilon).lanewise(VectorOperators.SQRT)))
                    .mul(g);
            loadD(var, off).sub(update.mul(lr)).intoMemorySegment(var, off, ORDER);
            au.mul(rho).add(update.mul(update).mul(oneMinusRho)).intoMemorySegment(accumUpdate, off, ORDER);
        }
        ScalarKernels.adadeltaDouble(var, accum, accumUpdate, grad, i, to, lr, rho, oneMinusRho, epsilon);
    }

    @Override
    public void adamax(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
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
        long i = from;
        for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector g = loadF(grad, off);
            FloatVector mi = loadF(m, off);
            mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
            mi.intoMemorySegment(m, off, ORDER);
            FloatVector vi = beta2V.mul(loadF(v, off)).max(g.abs());
            vi.intoMemorySegment(v, off, ORDER);
            loadF(var, off).sub(scaledLrV.mul(mi.div(vi.add(epsilon)))).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.adamaxFloat(var, m, v, grad, i, to, scaledLr, oneMinusBeta1, beta2, epsilon);
    }

    private static void adamaxDouble(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                     double scaledLr, double oneMinusBeta1, double beta2, double epsilon) {
        DoubleVector scaledLrV = DoubleVector.broadcast(DS, scaledLr);
        DoubleVector beta2V = DoubleVector.broadcast(DS, beta2);
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector g = loadD(grad, off);
            DoubleVector mi = loadD(m, off);
            mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
            mi.intoMemorySegment(m, off, ORDER);
            DoubleVector vi = beta2V.mul(loadD(v, off)).max(g.abs());
            vi.intoMemorySegment(v, off, ORDER);
            loadD(var, off).sub(scaledLrV.mul(mi.div(vi.add(epsilon)))).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.adamaxDouble(var, m, v, grad, i, to, scaledLr, oneMinusBeta1, beta2, epsilon);
    }

    // ---- Nadam ---------------------------------------------------------------------------------

    @Override
    public void nadam(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
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
        long i = from;
        for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector g = loadF(grad, off);
            FloatVector gPrime = g.div(c.oneMinusScheduleNew());
            FloatVector mi = beta1V.mul(loadF(m, off)).add(oneMinusBeta1V.mul(g));
            mi.intoMemorySegment(m, off, ORDER);
            FloatVector mPrime = mi.div(c.oneMinusScheduleNext());
            FloatVector vi = beta2V.mul(loadF(v, off)).add(oneMinusBeta2V.mul(g.mul(g)));
            vi.intoMemorySegment(v, off, ORDER);
            FloatVector vPrime = vi.div(c.oneMinusBeta2Power());
            FloatVector mBar = oneMinusMomentumV.mul(gPrime).add(nextMomentumV.mul(mPrime));
            FloatVector denominator = vPrime.lanewise(VectorOperators.SQRT).add(c.epsilon());
            loadF(var, off).sub(lrV.mul(mBar).div(denominator)).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.nadamFloat(var, m, v, grad, i, to, c);
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
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector g = loadD(grad, off);
            DoubleVector gPrime = g.div(c.oneMinusScheduleNew());
            DoubleVector mi = beta1V.mul(loadD(m, off)).add(oneMinusBeta1V.mul(g));
            mi.intoMemorySegment(m, off, ORDER);
            DoubleVector mPrime = mi.div(c.oneMinusScheduleNext());
            DoubleVector vi = beta2V.mul(loadD(v, off)).add(oneMinusBeta2V.mul(g.mul(g)));
            vi.intoMemorySegment(v, off, ORDER);
            DoubleVector vPrime = vi.div(c.oneMinusBeta2Power());
            DoubleVector mBar = oneMinusMomentumV.mul(gPrime).add(nextMomentumV.mul(mPrime));
            DoubleVector denominator = vPrime.lanewise(VectorOperators.SQRT).add(c.epsilon());
            loadD(var, off).sub(lrV.mul(mBar).div(denominator)).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.nadamDouble(var, m, v, grad, i, to, c);
    }

    @Override
    public void nadamKeras3(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from,
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
        long i = from;
        for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector g = loadF(grad, off);
            FloatVector mi = loadF(m, off);
            mi = mi.add(g.sub(mi).mul(c.oneMinusBeta1()));
            mi.intoMemorySegment(m, off, ORDER);
            FloatVector vi = loadF(v, off);
            vi = vi.add(g.mul(g).sub(vi).mul(c.oneMinusBeta2()));
            vi.intoMemorySegment(v, off, ORDER);
            FloatVector mHat = nextMomentumV.mul(mi).div(c.oneMinusScheduleNext())
                    .add(oneMinusMomentumV.mul(g).div(c.oneMinusScheduleNew()));
            FloatVector vHat = vi.div(c.oneMinusBeta2Power());
            FloatVector denominator = vHat.lanewise(VectorOperators.SQRT).add(c.epsilon());
            loadF(var, off).sub(mHat.mul(c.lr()).div(denominator)).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.nadamKeras3Float(var, m, v, grad, i, to, c);
    }

    private static void nadamKeras3Double(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from,
                                          long to, NadamCoefficients c) {
        DoubleVector nextMomentumV = DoubleVector.broadcast(DS, c.nextMomentum());
        DoubleVector oneMinusMomentumV = DoubleVector.broadcast(DS, c.oneMinusMomentum());
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector g = loadD(grad, off);
            DoubleVector mi = loadD(m, off);
            mi = mi.add(g.sub(mi).mul(c.oneMinusBeta1()));
            mi.intoMemorySegment(m, off, ORDER);
            DoubleVector vi = loadD(v, off);
            vi = vi.add(g.mul(g).sub(vi).mul(c.oneMinusBeta2()));
            vi.intoMemorySegment(v, off, ORDER);
            DoubleVector mHat = nextMomentumV.mul(mi).div(c.oneMinusScheduleNext())
                    .add(oneMinusMomentumV.mul(g).div(c.oneMinusScheduleNew()));
            DoubleVector vHat = vi.div(c.oneMinusBeta2Power());
            DoubleVector denominator = vHat.lanewise(VectorOperators.SQRT).add(c.epsilon());
            loadD(var, off).sub(mHat.mul(c.learningRate()).div(denominator)).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.nadamKeras3Double(var, m, v, grad, i, to, c);
    }

    // ---- FTRL ----------------------------------------------------------------------------------

    @Override
    public void ftrl(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                     long from, long to, FtrlCoefficients c) {
        if (dtype == DType.FLOAT32) {
            float lr = (float) c.learningRate();
            float l1 = (float) c.l1();
            float twoL2 = (float) c.twoL2();
            float twoL2Shrinkage = (float) c.twoL2Shrinkage();
            float lrPower = (float) c.learningRatePower();
            if (lrPower == -0.5f) {
                ftrlSqrtFloat(var, accum, linear, grad, from, to, lr, l1, twoL2, twoL2Shrinkage);
            } else {
                // accum^-lr_power needs Math.pow: the Vector API's POW is not correctly rounded
                // (nor is Math.pow, but the reference is Math.pow), so the scalar loop does it all.
                ScalarKernels.ftrlFloat(var, accum, linear, grad, from, to, lr, l1, twoL2, twoL2Shrinkage, lrPower);
            }
        } else {
            double lrPower = c.learningRatePower();
            if (lrPower == -0.5) {
                ftrlSqrtDouble(var, accum, linear, grad, from, to, c.learningRate(), c.l1(), c.twoL2(), c.twoL2Shrinkage());
            } else {
                // As for float32: no vector pow gives Math.pow's bits.
                ScalarKernels.ftrlDouble(var, accum, linear, grad, from, to, c.learningRate(), c.l1(), c.twoL2(),
                        c.twoL2Shrinkage(), lrPower);
            }
        }
    }

    /** FTRL with lr_power = -0.5, where {@code accum^-lr_power} is a square root. */
    private static void ftrlSqrtFloat(MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                                      long from, long to, float lr, float l1, float twoL2, float twoL2Shrinkage) {
        // V2 keeps linear times lr, as TensorFlow's ApplyFtrlV2MultiplyLinearByLr (see ScalarKernels).
        boolean v2 = twoL2Shrinkage > 0;
        float threshold = v2 ? l1 * lr : l1;
        float twoL2Lr = twoL2 * lr;
        FloatVector twoL2ShrinkageV = FloatVector.broadcast(FS, twoL2Shrinkage);
        FloatVector thresholdV = FloatVector.broadcast(FS, threshold);
        FloatVector zero = FloatVector.zero(FS);
        long i = from;
        for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector g = loadF(grad, off);
            FloatVector w = loadF(var, off);
            FloatVector a = loadF(accum, off);
            FloatVector newAccum = a.add(g.mul(g));
            FloatVector newPower = newAccum.lanewise(VectorOperators.SQRT);
            FloatVector powerStep = newPower.sub(a.lanewise(VectorOperators.SQRT));
            FloatVector l = v2
                    ? loadF(linear, off).add(g.add(twoL2ShrinkageV.mul(w)).mul(lr).sub(powerStep.mul(w)))
                    : loadF(linear, off).add(g.sub(powerStep.div(lr).mul(w)));
            l.intoMemorySegment(linear, off, ORDER);
            FloatVector x = thresholdV.mul(signum(l)).sub(l);
            FloatVector y = v2 ? newPower.add(twoL2Lr) : newPower.div(lr).add(twoL2);
            zero.blend(x.div(y), l.abs().compare(VectorOperators.GT, threshold)).intoMemorySegment(var, off, ORDER);
            newAccum.intoMemorySegment(accum, off, ORDER);
        }
        ScalarKernels.ftrlFloat(var, accum, linear, grad, i, to, lr, l1, twoL2, twoL2Shrinkage, -0.5f);
    }

    /** FTRL with lr_power = -0.5, where {@code accum^-lr_power} is a square root. */
    private static void ftrlSqrtDouble(MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                                       long from, long to, double lr, double l1, double twoL2, double twoL2Shrinkage) {
        // V2 keeps linear times lr, as TensorFlow's ApplyFtrlV2MultiplyLinearByLr (see ScalarKernels).
        boolean v2 = twoL2Shrinkage > 0;
        double threshold = v2 ? l1 * lr : l1;
        double twoL2Lr = twoL2 * lr;
        DoubleVector twoL2ShrinkageV = DoubleVector.broadcast(DS, twoL2Shrinkage);
        DoubleVector thresholdV = DoubleVector.broadcast(DS, threshold);
        DoubleVector zero = DoubleVector.zero(DS);
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector g = loadD(grad, off);
            DoubleVector w = loadD(var, off);
            DoubleVector a = loadD(accum, off);
            DoubleVector newAccum = a.add(g.mul(g));
            DoubleVector newPower = newAccum.lanewise(VectorOperators.SQRT);
            DoubleVector powerStep = newPower.sub(a.lanewise(VectorOperators.SQRT));
            DoubleVector l = v2
                    ? loadD(linear, off).add(g.add(twoL2ShrinkageV.mul(w)).mul(lr).sub(powerStep.mul(w)))
                    : loadD(linear, off).add(g.sub(powerStep.div(lr).mul(w)));
            l.intoMemorySegment(linear, off, ORDER);
            DoubleVector x = thresholdV.mul(signum(l)).sub(l);
            DoubleVector y = v2 ? newPower.add(twoL2Lr) : newPower.div(lr).add(twoL2);
            zero.blend(x.div(y), l.abs().compare(VectorOperators.GT, threshold)).intoMemorySegment(var, off, ORDER);
            newAccum.intoMemorySegment(accum, off, ORDER);
        }
        ScalarKernels.ftrlDouble(var, accum, linear, grad, i, to, lr, l1, twoL2, twoL2Shrinkage, -0.5);
    }

    /**
     * {@code Math.signum} lane by lane: 1 above zero, -1 below, and the lane itself otherwise, so
     * that 0 stays 0, -0 stays -0 and NaN stays NaN.
     */
    private static FloatVector signum(FloatVector x) {
        VectorMask<Float> positive = x.compare(VectorOperators.GT, 0f);
        VectorMask<Float> negative = x.compare(VectorOperators.LT, 0f);
        return x.blend(1f, positive).blend(-1f, negative);
    }

    /** {@code Math.signum} lane by lane (see the float version). */
    private static DoubleVector signum(DoubleVector x) {
        VectorMask<Double> positive = x.compare(VectorOperators.GT, 0.0);
        VectorMask<Double> negative = x.compare(VectorOperators.LT, 0.0);
        return x.blend(1.0, positive).blend(-1.0, negative);
    }

    // ---- loads ---------------------------------------------------------------------------------

    private static FloatVector loadF(MemorySegment s, long byteOffset) {
        return FloatVector.fromMemorySegment(FS, s, byteOffset, ORDER);
    }

    private static DoubleVector loadD(MemorySegment s, long byteOffset) {
        return DoubleVector.fromMemorySegment(DS, s, byteOffset, ORDER);
    }

    // ---- sparse rows ---------------------------------------------------------------------------------

    @Override
    public void squareAxpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        if (dtype == DType.FLOAT32) {
            squareAxpyFloat((float) alpha, x, y, from, to);
        } else {
            squareAxpyDouble(alpha, x, y, from, to);
        }
    }

    private static void squareAxpyFloat(float alpha, MemorySegment x, MemorySegment y, long from, long to) {
        long i = from;
        for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector xv = FloatVector.fromMemorySegment(FS, x, off, ORDER);
            FloatVector.fromMemorySegment(FS, y, off, ORDER).add(xv.mul(xv).mul(alpha)).intoMemorySegment(y, off, ORDER);
        }
        ScalarKernels.squareAxpyFloat(alpha, x, y, i, to);
    }

    private static void squareAxpyDouble(double alpha, MemorySegment x, MemorySegment y, long from, long to) {
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector xv = DoubleVector.fromMemorySegment(DS, x, off, ORDER);
            DoubleVector.fromMemorySegment(DS, y, off, ORDER).add(xv.mul(xv).mul(alpha)).intoMemorySegment(y, off, ORDER);
        }
        ScalarKernels.squareAxpyDouble(alpha, x, y, i, to);
    }

    @Override
    public void adamFromMoments(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
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
        long i = from;
        for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector denominatorSquare = FloatVector.fromMemorySegment(FS, v, off, ORDER);
            if (vhat != null) {
                denominatorSquare = FloatVector.fromMemorySegment(FS, vhat, off, ORDER).max(denominatorSquare);
                denominatorSquare.intoMemorySegment(vhat, off, ORDER);
            }
            FloatVector denominator = denominatorSquare.lanewise(VectorOperators.SQRT).add(epsilon);
            FloatVector mi = FloatVector.fromMemorySegment(FS, m, off, ORDER);
            FloatVector w = FloatVector.fromMemorySegment(FS, var, off, ORDER);
            w.sub(alphaV.mul(mi).div(denominator)).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.adamFromMomentsFloat(var, m, v, vhat, i, to, alpha, epsilon);
    }

    private static void adamFromMomentsDouble(MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                                              long from, long to, double alpha, double epsilon) {
        DoubleVector alphaV = DoubleVector.broadcast(DS, alpha);
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector denominatorSquare = DoubleVector.fromMemorySegment(DS, v, off, ORDER);
            if (vhat != null) {
                denominatorSquare = DoubleVector.fromMemorySegment(DS, vhat, off, ORDER).max(denominatorSquare);
                denominatorSquare.intoMemorySegment(vhat, off, ORDER);
            }
            DoubleVector denominator = denominatorSquare.lanewise(VectorOperators.SQRT).add(epsilon);
            DoubleVector mi = DoubleVector.fromMemorySegment(DS, m, off, ORDER);
            DoubleVector w = DoubleVector.fromMemorySegment(DS, var, off, ORDER);
            w.sub(alphaV.mul(mi).div(denominator)).intoMemorySegment(var, off, ORDER);
        }
        ScalarKernels.adamFromMomentsDouble(var, m, v, vhat, i, to, alpha, epsilon);
    }

    // The row kernels below run only on the rows a sparse gradient touches (k rows, not the whole
    // variable), so they share the reference's code: bit-identical by construction.

    private static final ScalarKernels ROWS = new ScalarKernels();

    @Override
    public void adamaxRows(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad,
                           long from, long to, AdamaxCoefficients c, double beta1) {
        ROWS.adamaxRows(dtype, var, m, v, grad, from, to, c, beta1);
    }

    @Override
    public void rmspropMomentumRows(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                    MemorySegment grad, long from, long to, RmspropCoefficients c) {
        ROWS.rmspropMomentumRows(dtype, var, ms, mg, mom, grad, from, to, c);
    }

    @Override
    public void ftrlRows(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                         long from, long to, FtrlCoefficients c, boolean oneElementRows) {
        ROWS.ftrlRows(dtype, var, accum, linear, grad, from, to, c, oneElementRows);
    }
}
