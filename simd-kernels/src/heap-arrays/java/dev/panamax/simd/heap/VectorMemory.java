package dev.panamax.simd.heap;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Every vector load and store of the heap copy of the kernels: the segments are views of Java
 * arrays ({@code Tensor.wrap}), read and written with {@code fromArray}/{@code intoArray} at the
 * element the segment's offset names. See {@code dev.panamax.simd.VectorMemory} for why the
 * kernels are compiled twice; this class is the only source that differs between the copies.
 */
final class VectorMemory {

    private VectorMemory() {
    }

    static FloatVector loadF(MemorySegment s, long byteOffset) {
        return loadF(SimdLanes.FS, s, byteOffset);
    }

    static FloatVector loadF(VectorSpecies<Float> species, MemorySegment s, long byteOffset) {
        return FloatVector.fromArray(species, floats(s), index(s, byteOffset, Float.BYTES));
    }

    static DoubleVector loadD(MemorySegment s, long byteOffset) {
        return loadD(SimdLanes.DS, s, byteOffset);
    }

    static DoubleVector loadD(VectorSpecies<Double> species, MemorySegment s, long byteOffset) {
        return DoubleVector.fromArray(species, doubles(s), index(s, byteOffset, Double.BYTES));
    }

    static void store(FloatVector v, MemorySegment s, long byteOffset) {
        v.intoArray(floats(s), index(s, byteOffset, Float.BYTES));
    }

    static void store(DoubleVector v, MemorySegment s, long byteOffset) {
        v.intoArray(doubles(s), index(s, byteOffset, Double.BYTES));
    }

    private static float[] floats(MemorySegment s) {
        return (float[]) s.heapBase().orElseThrow(VectorMemory::notAnArray);
    }

    private static double[] doubles(MemorySegment s) {
        return (double[]) s.heapBase().orElseThrow(VectorMemory::notAnArray);
    }

    /** A bug in the caller, not bad input: every kernel call sees one kind of memory. */
    private static IllegalStateException notAnArray() {
        return new IllegalStateException("the Java-array copy of the SIMD kernels was handed an off-heap segment");
    }

    /** The array index of the element at {@code byteOffset} in {@code s} (a heap segment's address is its offset in the array). */
    private static int index(MemorySegment s, long byteOffset, int elementBytes) {
        return (int) ((s.address() + byteOffset) / elementBytes);
    }
}
