package dev.panamax.optimizers;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.HostStorage;
import dev.panamax.tensor.Storage;
import dev.panamax.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * A host buffer that grows to the largest tensor asked of it; each tensor is a view of its
 * start. Off-heap, or a Java array for a variable that wraps one (the kernels of one call see
 * one kind of memory).
 */
final class HostScratch {
    private HostStorage storage;
    private MemorySegment array;

    Tensor tensor(DType dtype, long[] shape, boolean javaArray) {
        long bytes = dtype.byteSize();
        for (long d : shape) {
            bytes = Math.multiplyExact(bytes, d);
        }
        if (javaArray) {
            if (array == null || array.byteSize() < bytes || !array.heapBase().orElseThrow().getClass().equals(
                    dtype == DType.FLOAT32 ? float[].class : double[].class)) {
                int n = Math.toIntExact(bytes / dtype.byteSize());
                array = dtype == DType.FLOAT32 ? MemorySegment.ofArray(new float[n]) : MemorySegment.ofArray(new double[n]);
            }
            return new Tensor(dtype, shape, HostStorage.wrap(array.asSlice(0, bytes)));
        }
        if (storage == null || storage.byteSize() < bytes) {
            close();
            storage = HostStorage.allocate(Math.max(bytes, 64));
        }
        Storage view = HostStorage.wrap(storage.segment().asSlice(0, bytes));
        return new Tensor(dtype, shape, view);
    }

    void close() {
        array = null;
        if (storage != null) {
            storage.close();
            storage = null;
        }
    }
}
