package dev.panamax.simd;

import dev.panamax.kernels.ChunkedExecutor;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The species, byte order and lane helpers every SIMD kernel shares. See {@link SimdKernels} for
 * the conventions.
 */
final class SimdLanes {

    private SimdLanes() {
    }

    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;

    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;

    /** The int lanes of {@link #FS}'s shape: a float vector's bits, one lane per float. */
    static final VectorSpecies<Integer> IS = FS.withLanes(int.class);

    /**
     * The 16-bit lanes (bfloat16 or float16 bits, see {@link HalfLanes}) matching {@link #FS} lane
     * for lane: half its bit size, as many lanes. {@code null} where {@code FS} is 64 bits (two
     * lanes, e.g. {@code -XX:MaxVectorSize=8}), which has no 32-bit shape to match; code on
     * 16-bit data then keeps to the scalar reference.
     */
    static final VectorSpecies<Short> HS = FS.vectorBitSize() < 128 ? null
            : VectorSpecies.of(short.class, VectorShape.forBitSize(FS.vectorBitSize() / 2));

    /**
     * The elements {@code [from, to)} a call's vector loop covers: all of them up to
     * {@link ChunkedExecutor#MAX_CALL_ELEMENTS}, so that its counter is an {@code int} (see
     * {@link SimdKernels}); beyond that the reference loop of the tail does the rest.
     */
    static int span(long from, long to) {
        return (int) Math.min(to - from, ChunkedExecutor.MAX_CALL_ELEMENTS);
    }

    /** Element layouts for the few single-element accesses outside the scalar tails. */
    static final ValueLayout.OfFloat F_LAYOUT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    static final ValueLayout.OfDouble D_LAYOUT = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    /**
     * {@code Math.signum} lane by lane: 1 above zero, -1 below, and the lane itself otherwise, so
     * that 0 stays 0, -0 stays -0 and NaN stays NaN.
     */
    static FloatVector signum(FloatVector x) {
        VectorMask<Float> positive = x.compare(VectorOperators.GT, 0f);
        VectorMask<Float> negative = x.compare(VectorOperators.LT, 0f);
        return x.blend(1f, positive).blend(-1f, negative);
    }

    /** {@code Math.signum} lane by lane (see the float version). */
    static DoubleVector signum(DoubleVector x) {
        VectorMask<Double> positive = x.compare(VectorOperators.GT, 0.0);
        VectorMask<Double> negative = x.compare(VectorOperators.LT, 0.0);
        return x.blend(1.0, positive).blend(-1.0, negative);
    }
}
