package dev.panamax.simd;

import static dev.panamax.simd.SimdLanes.*;
import static dev.panamax.simd.VectorMemory.*;

import dev.panamax.kernels.LambCoefficients;
import dev.panamax.kernels.ScalarLamb;
import dev.panamax.kernels.ScalarSums;
import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * SIMD kernels of Keras 3's Lamb. See {@link SimdKernels} for the conventions. The moments and
 * the update equal the reference bit for bit, and so does the sum of squares of the update,
 * added in {@link dev.panamax.kernels.ScalarSums}' order ({@link SimdSums#addSquares}).
 */
final class SimdLamb {

    private SimdLamb() {
    }

    static double lambMoments(DType dtype, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                              LambCoefficients c) {
        return dtype == DType.FLOAT32
                ? lambMomentsFloat(m, v, grad, from, to, (float) c.oneMinusBeta1(), (float) c.oneMinusBeta2(),
                        (float) c.oneMinusBeta1Power(), (float) c.oneMinusBeta2Power(), (float) c.epsilon())
                : lambMomentsDouble(m, v, grad, from, to, c.oneMinusBeta1(), c.oneMinusBeta2(), c.oneMinusBeta1Power(),
                        c.oneMinusBeta2Power(), c.epsilon());
    }

    private static FloatVector update(FloatVector m, FloatVector v, float oneMinusBeta1Power, float oneMinusBeta2Power,
                                      float epsilon) {
        return m.div(oneMinusBeta1Power).div(v.div(oneMinusBeta2Power).lanewise(VectorOperators.SQRT).add(epsilon));
    }

    private static DoubleVector update(DoubleVector m, DoubleVector v, double oneMinusBeta1Power, double oneMinusBeta2Power,
                                       double epsilon) {
        return m.div(oneMinusBeta1Power).div(v.div(oneMinusBeta2Power).lanewise(VectorOperators.SQRT).add(epsilon));
    }

    private static double lambMomentsFloat(MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                           float oneMinusBeta1, float oneMinusBeta2, float oneMinusBeta1Power,
                                           float oneMinusBeta2Power, float epsilon) {
        if (!SimdSums.LANES_DIVIDE_BLOCK) {
            return ScalarLamb.lambMomentsFloat(m, v, grad, from, to, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power,
                    oneMinusBeta2Power, epsilon);
        }
        return ScalarSums.inChunks(from, to, (a, b) -> lambMomentsFloatChunk(m, v, grad, a, b, oneMinusBeta1, oneMinusBeta2,
                oneMinusBeta1Power, oneMinusBeta2Power, epsilon));
    }

    private static double lambMomentsFloatChunk(MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                                float oneMinusBeta1, float oneMinusBeta2, float oneMinusBeta1Power,
                                                float oneMinusBeta2Power, float epsilon) {
        double[] acc = new double[ScalarSums.BLOCK];
        long end = ScalarSums.blocksEnd(from, to);
        for (long i = from; i < end; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector g = loadF(grad, off);
            FloatVector mi = loadF(m, off);
            FloatVector vi = loadF(v, off);
            mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
            vi = vi.add(g.mul(g).sub(vi).mul(oneMinusBeta2));
            store(mi, m, off);
            store(vi, v, off);
            SimdSums.addSquares(acc, SimdSums.lane(i, from), update(mi, vi, oneMinusBeta1Power, oneMinusBeta2Power, epsilon));
        }
        return ScalarSums.combine(acc) + ScalarLamb.lambMomentsFloat(m, v, grad, end, to, oneMinusBeta1, oneMinusBeta2,
                oneMinusBeta1Power, oneMinusBeta2Power, epsilon);
    }

    private static double lambMomentsDouble(MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                            double oneMinusBeta1, double oneMinusBeta2, double oneMinusBeta1Power,
                                            double oneMinusBeta2Power, double epsilon) {
        if (!SimdSums.LANES_DIVIDE_BLOCK) {
            return ScalarLamb.lambMomentsDouble(m, v, grad, from, to, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power,
                    oneMinusBeta2Power, epsilon);
        }
        return ScalarSums.inChunks(from, to, (a, b) -> lambMomentsDoubleChunk(m, v, grad, a, b, oneMinusBeta1, oneMinusBeta2,
                oneMinusBeta1Power, oneMinusBeta2Power, epsilon));
    }

    private static double lambMomentsDoubleChunk(MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                                 double oneMinusBeta1, double oneMinusBeta2, double oneMinusBeta1Power,
                                                 double oneMinusBeta2Power, double epsilon) {
        double[] acc = new double[ScalarSums.BLOCK];
        long end = ScalarSums.blocksEnd(from, to);
        for (long i = from; i < end; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector g = loadD(grad, off);
            DoubleVector mi = loadD(m, off);
            DoubleVector vi = loadD(v, off);
            mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
            vi = vi.add(g.mul(g).sub(vi).mul(oneMinusBeta2));
            store(mi, m, off);
            store(vi, v, off);
            SimdSums.addSquares(acc, SimdSums.lane(i, from), update(mi, vi, oneMinusBeta1Power, oneMinusBeta2Power, epsilon));
        }
        return ScalarSums.combine(acc) + ScalarLamb.lambMomentsDouble(m, v, grad, end, to, oneMinusBeta1, oneMinusBeta2,
                oneMinusBeta1Power, oneMinusBeta2Power, epsilon);
    }

    static void lambApply(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, long from, long to,
                          LambCoefficients c, double scale) {
        if (dtype == DType.FLOAT32) {
            lambApplyFloat(var, m, v, from, to, (float) c.oneMinusBeta1Power(), (float) c.oneMinusBeta2Power(),
                    (float) c.epsilon(), (float) scale);
        } else {
            lambApplyDouble(var, m, v, from, to, c.oneMinusBeta1Power(), c.oneMinusBeta2Power(), c.epsilon(), scale);
        }
    }

    private static void lambApplyFloat(MemorySegment var, MemorySegment m, MemorySegment v, long from, long to,
                                       float oneMinusBeta1Power, float oneMinusBeta2Power, float epsilon, float scale) {
        FloatVector scaleV = FloatVector.broadcast(FS, scale);
        long i = from;
        for (long bound = from + FS.loopBound(to - from); i < bound; i += FS.length()) {
            long off = i * F_BYTES;
            FloatVector u = update(loadF(m, off), loadF(v, off), oneMinusBeta1Power, oneMinusBeta2Power, epsilon);
            store(loadF(var, off).sub(scaleV.mul(u)), var, off);
        }
        ScalarLamb.lambApplyFloat(var, m, v, i, to, oneMinusBeta1Power, oneMinusBeta2Power, epsilon, scale);
    }

    private static void lambApplyDouble(MemorySegment var, MemorySegment m, MemorySegment v, long from, long to,
                                        double oneMinusBeta1Power, double oneMinusBeta2Power, double epsilon, double scale) {
        DoubleVector scaleV = DoubleVector.broadcast(DS, scale);
        long i = from;
        for (long bound = from + DS.loopBound(to - from); i < bound; i += DS.length()) {
            long off = i * D_BYTES;
            DoubleVector u = update(loadD(m, off), loadD(v, off), oneMinusBeta1Power, oneMinusBeta2Power, epsilon);
            store(loadD(var, off).sub(scaleV.mul(u)), var, off);
        }
        ScalarLamb.lambApplyDouble(var, m, v, i, to, oneMinusBeta1Power, oneMinusBeta2Power, epsilon, scale);
    }
}
