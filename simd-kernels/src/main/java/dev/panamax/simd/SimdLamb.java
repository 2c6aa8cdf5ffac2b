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
 * added in {@link dev.panamax.kernels.ScalarSums}' order, block by block in registers
 * ({@link SimdSums#REGISTER_BLOCKS}).
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
        if (!SimdSums.REGISTER_BLOCKS) {
            return ScalarLamb.lambMomentsFloat(m, v, grad, from, to, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power,
                    oneMinusBeta2Power, epsilon);
        }
        return ScalarSums.inChunks(from, to, (a, b) -> lambMomentsFloatChunk(m, v, grad, a, b, oneMinusBeta1, oneMinusBeta2,
                oneMinusBeta1Power, oneMinusBeta2Power, epsilon));
    }

    /** One chunk: whole blocks in registers (see {@link SimdSums#REGISTER_BLOCKS}), then the tail by the reference. */
    private static double lambMomentsFloatChunk(MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                                float oneMinusBeta1, float oneMinusBeta2, float oneMinusBeta1Power,
                                                float oneMinusBeta2Power, float epsilon) {
        DoubleVector a0 = DoubleVector.zero(DS), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int lanes = FS.length();
        long end = ScalarSums.blocksEnd(from, to);
        for (long i = from; i < end; i += ScalarSums.BLOCK) {
            FloatVector u = momentsFloat(m, v, grad, i, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power, oneMinusBeta2Power,
                    epsilon);
            a0 = a0.add(SimdSums.squareLow(u));
            a1 = a1.add(SimdSums.squareHigh(u));
            if (SimdSums.VECTORS_PER_BLOCK > 1) {
                u = momentsFloat(m, v, grad, i + lanes, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power, oneMinusBeta2Power,
                        epsilon);
                a2 = a2.add(SimdSums.squareLow(u));
                a3 = a3.add(SimdSums.squareHigh(u));
            }
            if (SimdSums.VECTORS_PER_BLOCK > 2) {
                u = momentsFloat(m, v, grad, i + 2 * lanes, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power,
                        oneMinusBeta2Power, epsilon);
                a4 = a4.add(SimdSums.squareLow(u));
                a5 = a5.add(SimdSums.squareHigh(u));
                u = momentsFloat(m, v, grad, i + 3 * lanes, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power,
                        oneMinusBeta2Power, epsilon);
                a6 = a6.add(SimdSums.squareLow(u));
                a7 = a7.add(SimdSums.squareHigh(u));
            }
        }
        return SimdSums.combine(a0, a1, a2, a3, a4, a5, a6, a7, ScalarLamb.lambMomentsFloat(m, v, grad, end, to, oneMinusBeta1,
                oneMinusBeta2, oneMinusBeta1Power, oneMinusBeta2Power, epsilon));
    }

    /** The new moments of the vector at element i, stored; returns the update they make. */
    private static FloatVector momentsFloat(MemorySegment m, MemorySegment v, MemorySegment grad, long i, float oneMinusBeta1,
                                            float oneMinusBeta2, float oneMinusBeta1Power, float oneMinusBeta2Power,
                                            float epsilon) {
        FloatVector g = loadF(grad, i);
        FloatVector mi = loadF(m, i);
        FloatVector vi = loadF(v, i);
        mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
        vi = vi.add(g.mul(g).sub(vi).mul(oneMinusBeta2));
        store(mi, m, i);
        store(vi, v, i);
        return update(mi, vi, oneMinusBeta1Power, oneMinusBeta2Power, epsilon);
    }

    private static double lambMomentsDouble(MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                            double oneMinusBeta1, double oneMinusBeta2, double oneMinusBeta1Power,
                                            double oneMinusBeta2Power, double epsilon) {
        if (!SimdSums.REGISTER_BLOCKS) {
            return ScalarLamb.lambMomentsDouble(m, v, grad, from, to, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power,
                    oneMinusBeta2Power, epsilon);
        }
        return ScalarSums.inChunks(from, to, (a, b) -> lambMomentsDoubleChunk(m, v, grad, a, b, oneMinusBeta1, oneMinusBeta2,
                oneMinusBeta1Power, oneMinusBeta2Power, epsilon));
    }

    /** One chunk: a block is {@code 2 * VECTORS_PER_BLOCK} double vectors, the k-th into {@code ak}. */
    private static double lambMomentsDoubleChunk(MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                                                 double oneMinusBeta1, double oneMinusBeta2, double oneMinusBeta1Power,
                                                 double oneMinusBeta2Power, double epsilon) {
        DoubleVector a0 = DoubleVector.zero(DS), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int w = DS.length();
        long end = ScalarSums.blocksEnd(from, to);
        for (long i = from; i < end; i += ScalarSums.BLOCK) {
            DoubleVector u = momentsDouble(m, v, grad, i, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power, oneMinusBeta2Power,
                    epsilon);
            a0 = a0.add(u.mul(u));
            u = momentsDouble(m, v, grad, i + w, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power, oneMinusBeta2Power, epsilon);
            a1 = a1.add(u.mul(u));
            if (SimdSums.VECTORS_PER_BLOCK > 1) {
                u = momentsDouble(m, v, grad, i + 2 * w, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power, oneMinusBeta2Power,
                        epsilon);
                a2 = a2.add(u.mul(u));
                u = momentsDouble(m, v, grad, i + 3 * w, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power, oneMinusBeta2Power,
                        epsilon);
                a3 = a3.add(u.mul(u));
            }
            if (SimdSums.VECTORS_PER_BLOCK > 2) {
                u = momentsDouble(m, v, grad, i + 4 * w, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power, oneMinusBeta2Power,
                        epsilon);
                a4 = a4.add(u.mul(u));
                u = momentsDouble(m, v, grad, i + 5 * w, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power, oneMinusBeta2Power,
                        epsilon);
                a5 = a5.add(u.mul(u));
                u = momentsDouble(m, v, grad, i + 6 * w, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power, oneMinusBeta2Power,
                        epsilon);
                a6 = a6.add(u.mul(u));
                u = momentsDouble(m, v, grad, i + 7 * w, oneMinusBeta1, oneMinusBeta2, oneMinusBeta1Power, oneMinusBeta2Power,
                        epsilon);
                a7 = a7.add(u.mul(u));
            }
        }
        return SimdSums.combine(a0, a1, a2, a3, a4, a5, a6, a7, ScalarLamb.lambMomentsDouble(m, v, grad, end, to, oneMinusBeta1,
                oneMinusBeta2, oneMinusBeta1Power, oneMinusBeta2Power, epsilon));
    }

    private static DoubleVector momentsDouble(MemorySegment m, MemorySegment v, MemorySegment grad, long i, double oneMinusBeta1,
                                              double oneMinusBeta2, double oneMinusBeta1Power, double oneMinusBeta2Power,
                                              double epsilon) {
        DoubleVector g = loadD(grad, i);
        DoubleVector mi = loadD(m, i);
        DoubleVector vi = loadD(v, i);
        mi = mi.add(g.sub(mi).mul(oneMinusBeta1));
        vi = vi.add(g.mul(g).sub(vi).mul(oneMinusBeta2));
        store(mi, m, i);
        store(vi, v, i);
        return update(mi, vi, oneMinusBeta1Power, oneMinusBeta2Power, epsilon);
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
        int j = 0;
        for (int bound = FS.loopBound(span(from, to)); j < bound; j += FS.length()) {
            long i = from + j;
            FloatVector u = update(loadF(m, i), loadF(v, i), oneMinusBeta1Power, oneMinusBeta2Power, epsilon);
            store(loadF(var, i).sub(scaleV.mul(u)), var, i);
        }
        ScalarLamb.lambApplyFloat(var, m, v, from + j, to, oneMinusBeta1Power, oneMinusBeta2Power, epsilon, scale);
    }

    private static void lambApplyDouble(MemorySegment var, MemorySegment m, MemorySegment v, long from, long to,
                                        double oneMinusBeta1Power, double oneMinusBeta2Power, double epsilon, double scale) {
        DoubleVector scaleV = DoubleVector.broadcast(DS, scale);
        int j = 0;
        for (int bound = DS.loopBound(span(from, to)); j < bound; j += DS.length()) {
            long i = from + j;
            DoubleVector u = update(loadD(m, i), loadD(v, i), oneMinusBeta1Power, oneMinusBeta2Power, epsilon);
            store(loadD(var, i).sub(scaleV.mul(u)), var, i);
        }
        ScalarLamb.lambApplyDouble(var, m, v, from + j, to, oneMinusBeta1Power, oneMinusBeta2Power, epsilon, scale);
    }
}
