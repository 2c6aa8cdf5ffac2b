package dev.panamax.distributed;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.HostStorage;
import dev.panamax.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/** The element ranges collectives move and add: slices of tensors' segments, and the addition of one to another. */
final class Slices {

    private static final OptimizerKernels MIXED = new ScalarKernels();

    private Slices() {
    }

    /** Elements {@code [from, to)} of {@code t}. */
    static MemorySegment of(Tensor t, long from, long to) {
        long bytes = t.dtype().byteSize();
        return t.segment().asSlice(from * bytes, (to - from) * bytes);
    }

    /** A one-dimensional tensor over elements {@code [from, to)} of {@code t}, sharing its memory (the caller keeps {@code t} open). */
    static Tensor view(Tensor t, long from, long to) {
        return new Tensor(t.dtype(), new long[] {to - from}, HostStorage.wrap(of(t, from, to)));
    }

    /** {@code sum += x}, element by element in {@code dtype}: one addition each, {@code sum + 1 * x}, whose product is exact. */
    static void add(DType dtype, MemorySegment x, MemorySegment sum) {
        long n = x.byteSize() / dtype.byteSize();
        OptimizerKernels kernels = kernelsFor(x, sum);
        for (long from = 0; from < n; from += ChunkedExecutor.MAX_CALL_ELEMENTS) {
            kernels.axpy(dtype, 1.0, x, sum, from, Math.min(n, from + ChunkedExecutor.MAX_CALL_ELEMENTS));
        }
    }

    /** The SIMD kernels of the segments' kind of memory; the reference's loop when the kinds differ. */
    private static OptimizerKernels kernelsFor(MemorySegment x, MemorySegment y) {
        if (x.isNative() != y.isNative()) {
            return MIXED;
        }
        return x.isNative() ? KernelProvider.kernels() : KernelProvider.kernels().forHeapArrays();
    }
}
