package dev.panamax.simd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Every vector load and store of the kernels, here on off-heap segments. The build compiles a
 * second copy of the kernels, package {@code dev.panamax.simd.heap}, against the other
 * {@code VectorMemory} (in {@code src/heap-arrays}), which reads and writes the Java arrays behind
 * heap segments. Why two copies: C2 compiles the JDK's shared segment-access code for the kinds of
 * segment it has seen, and a JVM whose kernels have met both kinds runs either kind about twice
 * slower (Adam at 16M float32 elements: 8.9 ms alone, 20-22 ms when a loop also sees arrays).
 * Arrays read with {@code fromArray} never enter that code, so each kind keeps its own fast path.
 *
 * <p>Positions are element indexes, not byte offsets: the array copy then indexes its array with
 * {@code (int) element} plus a loop-invariant base, which C2 recognises as linear in the loop's
 * {@code int} counter and so checks the array bounds once per loop instead of once per vector.
 */
final class VectorMemory {

    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** Each thread's scratch ({@link #scratch}), freed by the garbage collector after its thread. */
    private static final ThreadLocal<MemorySegment> SCRATCH = new ThreadLocal<>();

    private VectorMemory() {
    }

    static FloatVector loadF(MemorySegment s, long element) {
        return loadF(SimdLanes.FS, s, element);
    }

    static FloatVector loadF(VectorSpecies<Float> species, MemorySegment s, long element) {
        return FloatVector.fromMemorySegment(species, s, element * Float.BYTES, ORDER);
    }

    static DoubleVector loadD(MemorySegment s, long element) {
        return loadD(SimdLanes.DS, s, element);
    }

    static DoubleVector loadD(VectorSpecies<Double> species, MemorySegment s, long element) {
        return DoubleVector.fromMemorySegment(species, s, element * Double.BYTES, ORDER);
    }

    /** {@code HS.length()} 16-bit elements (bfloat16 or float16 bits) from element {@code element}. */
    static ShortVector loadS(MemorySegment s, long element) {
        return ShortVector.fromMemorySegment(SimdLanes.HS, s, element * Short.BYTES, ORDER);
    }

    static void store(FloatVector v, MemorySegment s, long element) {
        v.intoMemorySegment(s, element * Float.BYTES, ORDER);
    }

    static void store(DoubleVector v, MemorySegment s, long element) {
        v.intoMemorySegment(s, element * Double.BYTES, ORDER);
    }

    static void store(ShortVector v, MemorySegment s, long element) {
        v.intoMemorySegment(s, element * Short.BYTES, ORDER);
    }

    /**
     * This thread's float32 scratch of at least {@code floats} elements, off-heap as the segments
     * this copy reads; its contents are whatever the thread's last kernel left there.
     */
    static MemorySegment scratch(int floats) {
        MemorySegment s = SCRATCH.get();
        if (s == null || s.byteSize() < (long) floats * Float.BYTES) {
            s = Arena.ofAuto().allocate((long) floats * Float.BYTES, 64);
            SCRATCH.set(s);
        }
        return s;
    }
}
