package dev.panamax.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheLinesTest {

    @Test
    void offHeapSegmentsCountTheElementsBeforeTheirFirstBoundary() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment line = arena.allocate(1024, 64);
            assertEquals(0, CacheLines.elementsBeforeBoundary(line, 4));
            assertEquals(12, CacheLines.elementsBeforeBoundary(line.asSlice(16), 4));
            assertEquals(6, CacheLines.elementsBeforeBoundary(line.asSlice(16), 8));
            assertEquals(15, CacheLines.elementsBeforeBoundary(line.asSlice(4), 4));
            assertEquals(0, CacheLines.elementsBeforeBoundary(line.asSlice(2), 4), "elements never reach a boundary");
        }
    }

    @Test
    void javaArraysCountFromTheArrayHeader() {
        // 16 header bytes on HotSpot's default layout, 12 with compact object headers.
        long floats = CacheLines.elementsBeforeBoundary(MemorySegment.ofArray(new float[256]), 4);
        assertTrue(floats == 12 || floats == 13, "float[]: " + floats);
        assertEquals(6, CacheLines.elementsBeforeBoundary(MemorySegment.ofArray(new double[256]), 8));
    }

    @Test
    void elementWiseKernelsRunTheElementsBeforeTheBoundaryAsACallOfTheirOwn() {
        List<long[]> calls = new ArrayList<>();
        ScalarKernels scalar = new ScalarKernels();
        OptimizerKernels recording = (OptimizerKernels) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {OptimizerKernels.class}, (proxy, method, args) -> {
                    if (method.getName().equals("forHeapArrays")) {
                        return proxy;
                    }
                    if (method.getName().equals("gradientDescent")) {
                        calls.add(new long[] {(long) args[3], (long) args[4]});
                    }
                    return method.invoke(scalar, args);
                });
        HostTensorKernels kernels = new HostTensorKernels(recording, ChunkedExecutor.shared(1));
        float[] values = fill(100, 1f);
        try (Tensor heap = Tensor.wrap(values, 100); Tensor heapGrad = Tensor.wrap(fill(100, 2f), 100)) {
            kernels.forHeapArrays().gradientDescent(heap, heapGrad, 0.5);
            long head = CacheLines.elementsBeforeBoundary(heap.segment(), 4);
            assertEquals(2, calls.size());
            assertEquals(List.of(0L, head, head, 100L), List.of(calls.get(0)[0], calls.get(0)[1], calls.get(1)[0], calls.get(1)[1]));
            for (float v : values) {
                assertEquals(0f, v, "every element updated once: 1 - 0.5 * 2");
            }
        }
        calls.clear();
        try (Tensor offHeap = Tensor.full(DType.FLOAT32, 1, 100); Tensor grad = Tensor.full(DType.FLOAT32, 2, 100)) {
            kernels.gradientDescent(offHeap, grad, 0.5);
            assertEquals(1, calls.size(), "Tensor.full is 64-byte aligned: one call");
            assertEquals(List.of(0L, 100L), List.of(calls.get(0)[0], calls.get(0)[1]));
        }
    }

    private static float[] fill(int n, float value) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, value);
        return a;
    }
}
