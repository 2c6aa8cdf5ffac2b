package dev.panamax.simd.heap;

import dev.panamax.simd.HalfLoops;
import dev.panamax.kernels.VariableRounding;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link HalfLoops} on segments of Java arrays: the heap copy of VectorMemory and HalfLanes (same
 * body as {@code dev.panamax.simd.OffHeapHalfLoops}).
 */
public final class HeapHalfLoops implements HalfLoops {

    @Override
    public int lanes() {
        return SimdLanes.HS.length();
    }

    @Override
    public void bfloat16ToFloat(MemorySegment halves, long from, MemorySegment floats, long to, int n) {
        for (int j = 0; j < n; j += SimdLanes.HS.length()) {
            VectorMemory.store(HalfLanes.bfloat16ToFloat(VectorMemory.loadS(halves, from + j)), floats, to + j);
        }
    }

    @Override
    public void float16ToFloat(MemorySegment halves, long from, MemorySegment floats, long to, int n) {
        for (int j = 0; j < n; j += SimdLanes.HS.length()) {
            VectorMemory.store(HalfLanes.float16ToFloat(VectorMemory.loadS(halves, from + j)), floats, to + j);
        }
    }

    @Override
    public void toBfloat16(MemorySegment floats, long from, MemorySegment halves, long to, int n) {
        for (int j = 0; j < n; j += SimdLanes.FS.length()) {
            VectorMemory.store(HalfLanes.toBfloat16(VectorMemory.loadF(floats, from + j)), halves, to + j);
        }
    }

    @Override
    public void toFloat16(MemorySegment floats, long from, MemorySegment halves, long to, int n) {
        for (int j = 0; j < n; j += SimdLanes.FS.length()) {
            VectorMemory.store(HalfLanes.toFloat16(VectorMemory.loadF(floats, from + j)), halves, to + j);
        }
    }

    @Override
    public void toBfloat16Stochastic(MemorySegment floats, long from, MemorySegment halves, long to, int n, int key) {
        for (int j = 0; j < n; j += SimdLanes.FS.length()) {
            VectorMemory.store(HalfLanes.toBfloat16Stochastic(VectorMemory.loadF(floats, from + j), HalfLanes.random(HalfLanes.weylLanes().add((int) (from + j) * VariableRounding.GOLDEN + key))),
                    halves, to + j);
        }
    }

    @Override
    public void toFloat16Stochastic(MemorySegment floats, long from, MemorySegment halves, long to, int n, int key) {
        for (int j = 0; j < n; j += SimdLanes.FS.length()) {
            VectorMemory.store(HalfLanes.toFloat16Stochastic(VectorMemory.loadF(floats, from + j), HalfLanes.random(HalfLanes.weylLanes().add((int) (from + j) * VariableRounding.GOLDEN + key))),
                    halves, to + j);
        }
    }

    @Override
    public void toBfloat16CallerTested(MemorySegment floats, long from, MemorySegment halves, long to, int n) {
        for (int j = 0; j < n; j += SimdLanes.FS.length()) {
            FloatVector f = VectorMemory.loadF(floats, from + j);
            boolean nan = f.compare(VectorOperators.NE, f).anyTrue() || (j / SimdLanes.FS.length()) % 2 == 1;
            VectorMemory.store(HalfLanes.toBfloat16(f, nan), halves, to + j);
        }
    }

    @Override
    public void toBfloat16StochasticCallerTested(MemorySegment floats, long from, MemorySegment halves, long to, int n, int key) {
        for (int j = 0; j < n; j += SimdLanes.FS.length()) {
            FloatVector f = VectorMemory.loadF(floats, from + j);
            boolean nan = f.compare(VectorOperators.NE, f).anyTrue() || (j / SimdLanes.FS.length()) % 2 == 1;
            IntVector random = HalfLanes.random(HalfLanes.weylLanes().add((int) (from + j) * VariableRounding.GOLDEN + key));
            VectorMemory.store(HalfLanes.toBfloat16Stochastic(f, random, nan), halves, to + j);
        }
    }
}
