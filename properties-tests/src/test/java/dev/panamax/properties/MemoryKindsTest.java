package dev.panamax.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.HostTensorKernels;
import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Which code runs for which kind of memory. A JVM that runs one vector loop over both off-heap
 * segments and Java arrays runs both about twice slower, so the SIMD backend keeps a separately
 * compiled copy of its kernels for arrays; that both stay fast is a benchmark's business
 * ({@code ProductPathBenchmark} with {@code memory=mixed}), these tests check that each kind
 * reaches its own copy.
 */
class MemoryKindsTest {

    private static final OptimizerKernels PICKED = KernelProvider.kernels();

    @Test
    void javaArraysRunTheirOwnCopyOfTheSimdKernels() {
        OptimizerKernels forArrays = PICKED.forHeapArrays();
        if (PICKED.name().equals("simd")) {
            assertEquals("dev.panamax.simd.SimdKernels", PICKED.getClass().getName());
            assertEquals("dev.panamax.simd.heap.SimdKernels", forArrays.getClass().getName());
            assertEquals("simd", forArrays.name());
            assertEquals(forArrays.getClass(), forArrays.forHeapArrays().getClass(), "the copy's copy is itself");
        } else {
            assertSame(PICKED, forArrays, "the scalar kernels have one copy for both kinds");
        }
    }

    @Test
    void anOptimizerLooksUpTheArrayCopyForAWrappedTensorAndTheOffHeapOneOtherwise() {
        TensorKernelsLookup lookup = new TensorKernelsLookup(new HostTensorKernels(PICKED, ChunkedExecutor.shared(1)));
        try (Tensor wrapped = Tensor.wrap(new float[16], 16); Tensor offHeap = Tensor.zeros(DType.FLOAT32, 16)) {
            assertSame(PICKED.forHeapArrays().getClass(), ((HostTensorKernels) lookup.of(wrapped)).kernels().getClass());
            assertSame(PICKED, ((HostTensorKernels) lookup.of(offHeap)).kernels());
        }
    }

    @Test
    void theArrayCopyReadsArraysNotSegments() {
        if (!PICKED.name().equals("simd")) {
            assertSame(PICKED, PICKED.forHeapArrays());
            return;
        }
        OptimizerKernels forArrays = PICKED.forHeapArrays();
        float[] values = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        forArrays.scale(DType.FLOAT32, MemorySegment.ofArray(values), 0, 16, 2);
        assertEquals(32f, values[15]);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offHeap = arena.allocate(64, 64);
            // An off-heap segment has no array behind it: the copy cannot be handed the other kind.
            assertThrows(IllegalStateException.class, () -> forArrays.scale(DType.FLOAT32, offHeap, 0, 16, 2));
        }
    }
}
