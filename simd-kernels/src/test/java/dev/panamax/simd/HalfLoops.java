package dev.panamax.simd;

import java.lang.foreign.MemorySegment;

/**
 * The vector loops {@link HalfLanesTest} runs: {@code n} elements (whole vectors) of one segment,
 * from element {@code from}, converted into another from element {@code to}, through one
 * package's {@code VectorMemory} and {@code HalfLanes}. One copy per package: {@link OffHeapHalfLoops}
 * and {@code dev.panamax.simd.heap.HeapHalfLoops}.
 */
public interface HalfLoops {

    /** Lanes per vector: {@code n} is a multiple of it. */
    int lanes();

    void bfloat16ToFloat(MemorySegment halves, long from, MemorySegment floats, long to, int n);

    void float16ToFloat(MemorySegment halves, long from, MemorySegment floats, long to, int n);

    void toBfloat16(MemorySegment floats, long from, MemorySegment halves, long to, int n);

    void toFloat16(MemorySegment floats, long from, MemorySegment halves, long to, int n);

    /** Stochastic narrowing, element {@code from + j} with {@code VariableRounding.random(key, from + j)}. */
    void toBfloat16Stochastic(MemorySegment floats, long from, MemorySegment halves, long to, int n, int key);

    /** As {@link #toBfloat16Stochastic}, to float16. */
    void toFloat16Stochastic(MemorySegment floats, long from, MemorySegment halves, long to, int n, int key);

    /**
     * {@link #toBfloat16} through {@code HalfLanes.toBfloat16(f, mayHoldNaN)}: the flag is set for
     * every vector with a NaN lane and for every other vector without one, as a kernel's shared
     * test sets it for a NaN in another vector.
     */
    void toBfloat16CallerTested(MemorySegment floats, long from, MemorySegment halves, long to, int n);

    /** {@link #toBfloat16Stochastic} through the overload with the caller's NaN test, flagged as {@link #toBfloat16CallerTested}. */
    void toBfloat16StochasticCallerTested(MemorySegment floats, long from, MemorySegment halves, long to, int n, int key);
}
