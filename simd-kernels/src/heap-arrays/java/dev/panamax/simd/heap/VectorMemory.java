package dev.panamax.simd.heap;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Every vector load and store of the heap copy of the kernels: the segments are views of Java
 * arrays ({@code Tensor.wrap}), read and written with {@code fromArray}/{@code intoArray} at the
 * element the segment's offset names. See {@code dev.panamax.simd.VectorMemory} for why the
 * kernels are compiled twice; this class is the only source that differs between the copies.
 */
final class VectorMemory {

    /** Each thread's scratch ({@link #scratch}). */
    private static final ThreadLocal<MemorySegment> SCRATCH = new ThreadLocal<>();

    private VectorMemory() {
    }

    static FloatVector loadF(MemorySegment s, long element) {
        return loadF(SimdLanes.FS, s, element);
    }

    static FloatVector loadF(VectorSpecies<Float> species, MemorySegment s, long element) {
        return FloatVector.fromArray(species, floats(s), index(s, element, 2));
    }

    static DoubleVector loadD(MemorySegment s, long element) {
        return loadD(SimdLanes.DS, s, element);
    }

    static DoubleVector loadD(VectorSpecies<Double> species, MemorySegment s, long element) {
        return DoubleVector.fromArray(species, doubles(s), index(s, element, 3));
    }

    /** {@code HS.length()} 16-bit elements (bfloat16 or float16 bits) from element {@code element}. */
    static ShortVector loadS(MemorySegment s, long element) {
        return ShortVector.fromArray(SimdLanes.HS, shorts(s), index(s, element, 1));
    }

    static void store(FloatVector v, MemorySegment s, long element) {
        v.intoArray(floats(s), index(s, element, 2));
    }

    static void store(DoubleVector v, MemorySegment s, long element) {
        v.intoArray(doubles(s), index(s, element, 3));
    }

    static void store(ShortVector v, MemorySegment s, long element) {
        v.intoArray(shorts(s), index(s, element, 1));
    }

    private static float[] floats(MemorySegment s) {
        return (float[]) s.heapBase().orElseThrow(VectorMemory::notAnArray);
    }

    private static double[] doubles(MemorySegment s) {
        return (double[]) s.heapBase().orElseThrow(VectorMemory::notAnArray);
    }

    private static short[] shorts(MemorySegment s) {
        return (short[]) s.heapBase().orElseThrow(VectorMemory::notAnArray);
    }

    /** A bug in the caller, not bad input: every kernel call sees one kind of memory. */
    private static IllegalStateException notAnArray() {
        return new IllegalStateException("the Java-array copy of the SIMD kernels was handed an off-heap segment");
    }

    /**
     * The array index of {@code s}'s element {@code element} (a heap segment's address is its byte
     * offset in the array). The sum's first term is the loop's {@code int} counter plus a constant
     * (the kernels' loops run {@code i = from + j}), which keeps C2's range-check elimination working.
     */
    private static int index(MemorySegment s, long element, int log2ElementBytes) {
        return (int) element + (int) (s.address() >>> log2ElementBytes);
    }

    /**
     * This thread's float32 scratch of at least {@code floats} elements, on a {@code float[]} as
     * the segments this copy reads; its contents are whatever the thread's last kernel left there.
     */
    static MemorySegment scratch(int floats) {
        MemorySegment s = SCRATCH.get();
        if (s == null || s.byteSize() < (long) floats * Float.BYTES) {
            s = MemorySegment.ofArray(new float[floats]);
            SCRATCH.set(s);
        }
        return s;
    }
}
