package dev.panamax.simd;

import static dev.panamax.simd.SimdLanes.*;
import static dev.panamax.simd.VectorMemory.*;

import dev.panamax.kernels.FtrlCoefficients;
import dev.panamax.kernels.ScalarFtrl;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** SIMD kernels of FTRL-Proximal. See {@link SimdKernels} for the conventions. */
final class SimdFtrl {

    private SimdFtrl() {
    }

    static void ftrl(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                     long from, long to, FtrlCoefficients c) {
        if (dtype == DType.FLOAT32) {
            float lr = (float) c.learningRate();
            float l1 = (float) c.l1();
            float twoL2 = (float) c.twoL2();
            float twoL2Shrinkage = (float) c.twoL2Shrinkage();
            float lrPower = (float) c.learningRatePower();
            if (lrPower == -0.5f) {
                ftrlSqrtFloat(var, accum, linear, grad, from, to, lr, l1, twoL2, twoL2Shrinkage, c.keras3());
            } else {
                // accum^-lr_power needs Math.pow: the Vector API's POW is not correctly rounded
                // (nor is Math.pow, but the reference is Math.pow), so the scalar loop does it all.
                ScalarFtrl.ftrlFloat(var, accum, linear, grad, from, to, lr, l1, twoL2, twoL2Shrinkage, lrPower, c.keras3());
            }
        } else {
            double lrPower = c.learningRatePower();
            if (lrPower == -0.5) {
                ftrlSqrtDouble(var, accum, linear, grad, from, to, c.learningRate(), c.l1(), c.twoL2(), c.twoL2Shrinkage(),
                        c.keras3());
            } else {
                // As for float32: no vector pow gives Math.pow's bits.
                ScalarFtrl.ftrlDouble(var, accum, linear, grad, from, to, c.learningRate(), c.l1(), c.twoL2(),
                        c.twoL2Shrinkage(), lrPower, c.keras3());
            }
        }
    }

    /** FTRL with lr_power = -0.5, where {@code accum^-lr_power} is a square root. */
    private static void ftrlSqrtFloat(MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                                      long from, long to, float lr, float l1, float twoL2, float twoL2Shrinkage,
                                         boolean keras3) {
        // V2 keeps linear times lr, as TensorFlow's ApplyFtrlV2MultiplyLinearByLr (see ScalarKernels).
        boolean v2 = !keras3 && twoL2Shrinkage > 0;
        float threshold = v2 ? l1 * lr : l1;
        float twoL2Lr = twoL2 * lr;
        FloatVector twoL2ShrinkageV = FloatVector.broadcast(FS, twoL2Shrinkage);
        FloatVector thresholdV = FloatVector.broadcast(FS, threshold);
        FloatVector zero = FloatVector.zero(FS);
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector w = loadF(var, i);
            FloatVector a = loadF(accum, i);
            FloatVector newAccum = a.add(g.mul(g));
            FloatVector newPower = newAccum.lanewise(VectorOperators.SQRT);
            FloatVector powerStep = newPower.sub(a.lanewise(VectorOperators.SQRT));
            if (keras3) {
                FloatVector l = loadF(linear, i).add(g.add(twoL2ShrinkageV.mul(w)).sub(powerStep.div(lr).mul(w)));
                store(l, linear, i);
                store(l.min(l1).max(-l1).sub(l).div(newPower.div(lr).add(twoL2)), var, i);
                store(newAccum, accum, i);
                continue;
            }
            FloatVector l = v2
                    ? loadF(linear, i).add(g.add(twoL2ShrinkageV.mul(w)).mul(lr).sub(powerStep.mul(w)))
                    : loadF(linear, i).add(g.sub(powerStep.div(lr).mul(w)));
            store(l, linear, i);
            FloatVector x = thresholdV.mul(signum(l)).sub(l);
            FloatVector y = v2 ? newPower.add(twoL2Lr) : newPower.div(lr).add(twoL2);
            store(zero.blend(x.div(y), l.abs().compare(VectorOperators.GT, threshold)), var, i);
            store(newAccum, accum, i);
        }
        ScalarFtrl.ftrlFloat(var, accum, linear, grad, from + j, to, lr, l1, twoL2, twoL2Shrinkage, -0.5f, keras3);
    }

    /** FTRL with lr_power = -0.5, where {@code accum^-lr_power} is a square root. */
    private static void ftrlSqrtDouble(MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                                       long from, long to, double lr, double l1, double twoL2, double twoL2Shrinkage,
                                          boolean keras3) {
        // V2 keeps linear times lr, as TensorFlow's ApplyFtrlV2MultiplyLinearByLr (see ScalarKernels).
        boolean v2 = !keras3 && twoL2Shrinkage > 0;
        double threshold = v2 ? l1 * lr : l1;
        double twoL2Lr = twoL2 * lr;
        DoubleVector twoL2ShrinkageV = DoubleVector.broadcast(DS, twoL2Shrinkage);
        DoubleVector thresholdV = DoubleVector.broadcast(DS, threshold);
        DoubleVector zero = DoubleVector.zero(DS);
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector g = loadD(grad, i);
            DoubleVector w = loadD(var, i);
            DoubleVector a = loadD(accum, i);
            DoubleVector newAccum = a.add(g.mul(g));
            DoubleVector newPower = newAccum.lanewise(VectorOperators.SQRT);
            DoubleVector powerStep = newPower.sub(a.lanewise(VectorOperators.SQRT));
            if (keras3) {
                DoubleVector l = loadD(linear, i).add(g.add(twoL2ShrinkageV.mul(w)).sub(powerStep.div(lr).mul(w)));
                store(l, linear, i);
                store(l.min(l1).max(-l1).sub(l).div(newPower.div(lr).add(twoL2)), var, i);
                store(newAccum, accum, i);
                continue;
            }
            DoubleVector l = v2
                    ? loadD(linear, i).add(g.add(twoL2ShrinkageV.mul(w)).mul(lr).sub(powerStep.mul(w)))
                    : loadD(linear, i).add(g.sub(powerStep.div(lr).mul(w)));
            store(l, linear, i);
            DoubleVector x = thresholdV.mul(signum(l)).sub(l);
            DoubleVector y = v2 ? newPower.add(twoL2Lr) : newPower.div(lr).add(twoL2);
            store(zero.blend(x.div(y), l.abs().compare(VectorOperators.GT, threshold)), var, i);
            store(newAccum, accum, i);
        }
        ScalarFtrl.ftrlDouble(var, accum, linear, grad, from + j, to, lr, l1, twoL2, twoL2Shrinkage, -0.5, keras3);
    }
}
