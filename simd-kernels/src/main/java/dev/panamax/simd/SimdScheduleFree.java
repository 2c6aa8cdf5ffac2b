package dev.panamax.simd;

import static dev.panamax.simd.SimdLanes.*;
import static dev.panamax.simd.VectorMemory.*;

import dev.panamax.kernels.ScalarScheduleFree;
import dev.panamax.kernels.ScheduleFreeCoefficients;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** SIMD kernel of Keras 3's ScheduleFreeAdamW. See {@link SimdKernels} for the conventions. */
final class SimdScheduleFree {

    private SimdScheduleFree() {
    }

    static void scheduleFreeAdamw(DType dtype, MemorySegment var, MemorySegment z, MemorySegment v, MemorySegment grad, long from,
                                  long to, ScheduleFreeCoefficients c) {
        if (dtype == DType.FLOAT32) {
            floats(var, z, v, grad, from, to, (float) c.lr(), (float) c.oneMinusBeta1(), (float) c.beta1(),
                    (float) c.oneMinusBeta2(), (float) c.biasCorrection2(), (float) c.epsilon(), (float) c.weight(),
                    (float) c.oneMinusWeight());
        } else {
            doubles(var, z, v, grad, from, to, c.lr(), c.oneMinusBeta1(), c.beta1(), c.oneMinusBeta2(), c.biasCorrection2(),
                    c.epsilon(), c.weight(), c.oneMinusWeight());
        }
    }

    private static void floats(MemorySegment var, MemorySegment z, MemorySegment v, MemorySegment grad, long from, long to,
                               float lr, float oneMinusBeta1, float beta1, float oneMinusBeta2, float biasCorrection2,
                               float epsilon, float weight, float oneMinusWeight) {
        FloatVector lrV = FloatVector.broadcast(FS, lr);
        FloatVector oneMinusBeta1V = FloatVector.broadcast(FS, oneMinusBeta1);
        FloatVector beta1V = FloatVector.broadcast(FS, beta1);
        FloatVector weightV = FloatVector.broadcast(FS, weight);
        FloatVector oneMinusWeightV = FloatVector.broadcast(FS, oneMinusWeight);
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector g = loadF(grad, i);
            FloatVector zOld = loadF(z, i);
            FloatVector vi = loadF(v, i);
            vi = vi.add(g.mul(g).sub(vi).mul(oneMinusBeta2));
            FloatVector zi = zOld.sub(lrV.mul(g).div(vi.div(biasCorrection2).lanewise(VectorOperators.SQRT).add(epsilon)));
            FloatVector x = loadF(var, i).sub(oneMinusBeta1V.mul(zOld)).div(beta1);
            FloatVector xNew = oneMinusWeightV.mul(x).add(weightV.mul(zi));
            store(oneMinusBeta1V.mul(zi).add(beta1V.mul(xNew)), var, i);
            store(zi, z, i);
            store(vi, v, i);
        }
        ScalarScheduleFree.scheduleFreeAdamwFloat(var, z, v, grad, from + j, to, lr, oneMinusBeta1, beta1, oneMinusBeta2, biasCorrection2,
                epsilon, weight, oneMinusWeight);
    }

    private static void doubles(MemorySegment var, MemorySegment z, MemorySegment v, MemorySegment grad, long from, long to,
                                double lr, double oneMinusBeta1, double beta1, double oneMinusBeta2, double biasCorrection2,
                                double epsilon, double weight, double oneMinusWeight) {
        DoubleVector lrV = DoubleVector.broadcast(DS, lr);
        DoubleVector oneMinusBeta1V = DoubleVector.broadcast(DS, oneMinusBeta1);
        DoubleVector beta1V = DoubleVector.broadcast(DS, beta1);
        DoubleVector weightV = DoubleVector.broadcast(DS, weight);
        DoubleVector oneMinusWeightV = DoubleVector.broadcast(DS, oneMinusWeight);
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector g = loadD(grad, i);
            DoubleVector zOld = loadD(z, i);
            DoubleVector vi = loadD(v, i);
            vi = vi.add(g.mul(g).sub(vi).mul(oneMinusBeta2));
            DoubleVector zi = zOld.sub(lrV.mul(g).div(vi.div(biasCorrection2).lanewise(VectorOperators.SQRT).add(epsilon)));
            DoubleVector x = loadD(var, i).sub(oneMinusBeta1V.mul(zOld)).div(beta1);
            DoubleVector xNew = oneMinusWeightV.mul(x).add(weightV.mul(zi));
            store(oneMinusBeta1V.mul(zi).add(beta1V.mul(xNew)), var, i);
            store(zi, z, i);
            store(vi, v, i);
        }
        ScalarScheduleFree.scheduleFreeAdamwDouble(var, z, v, grad, from + j, to, lr, oneMinusBeta1, beta1, oneMinusBeta2, biasCorrection2,
                epsilon, weight, oneMinusWeight);
    }
}
