package dev.panamax.opencl;

import dev.panamax.tensor.DType;
import java.util.Arrays;
import java.util.Objects;

/**
 * The arguments and launch of an element-wise kernel of {@code kernels.cl}, in the file's one
 * order: the buffers, then {@code from} and {@code n}, then the scalars. An instance sets the
 * scalars ({@link #real}, {@link #size}, {@link #kind}, {@link #flag}, {@link #key}) after the buffers; the
 * static methods check a range against the buffers, set the buffers and launch.
 * {@link OpenClKernels} holds the kernel's lock around all of it.
 */
final class KernelArguments {

    /** Work-items per work-group of the element-wise kernels (less if a kernel cannot take it). */
    static final long ELEMENTWISE_GROUP_SIZE = 128;

    private final OpenClKernel kernel;
    private final DType dtype;
    private int index;

    /** Scalars of {@code kernel} from argument {@code index} on, REALs narrowed to {@code dtype}. */
    KernelArguments(OpenClKernel kernel, DType dtype, int index) {
        this.kernel = kernel;
        this.dtype = dtype;
        this.index = index;
    }

    /** A REAL argument, narrowed as the reference narrows it: (float) for float32. */
    KernelArguments real(double value) {
        if (dtype == DType.FLOAT32) {
            kernel.setArg(index++, (float) value);
        } else {
            kernel.setArg(index++, value);
        }
        return this;
    }

    /** A ulong argument: a count or a size. */
    KernelArguments size(long value) {
        kernel.setArg(index++, value);
        return this;
    }

    /** The int kind of a mixed kernel's variable or slot: 0 float32, 1 bfloat16, 2 float16. */
    KernelArguments kind(DType stored) {
        kernel.setArg(index++, switch (stored) {
            case FLOAT32 -> 0;
            case BFLOAT16 -> 1;
            case FLOAT16 -> 2;
            default -> throw new IllegalArgumentException("A mixed-precision kernel stores float32, bfloat16 or float16, got "
                    + stored.kerasName());
        });
        return this;
    }

    /** A uint argument: the 32 bits of a stochastic rounding key. */
    KernelArguments key(int bits) {
        kernel.setArg(index++, bits);
        return this;
    }

    /** An int argument, 1 for true and 0 for false. */
    KernelArguments flag(boolean value) {
        kernel.setArg(index++, value ? 1 : 0);
        return this;
    }

    /** Checks {@code [from, to)} against every buffer and returns the element count. */
    static long elements(DType dtype, long from, long to, OpenClBuffer... buffers) {
        DType[] types = new DType[buffers.length];
        Arrays.fill(types, dtype);
        return elements(types, from, to, buffers);
    }

    /** Checks {@code [from, to)} against every buffer, each holding elements of its dtype, and returns the element count. */
    static long elements(DType[] types, long from, long to, OpenClBuffer... buffers) {
        if (from < 0 || to < from) {
            throw new IndexOutOfBoundsException("Element range [" + from + ", " + to + ") is invalid: expected 0 <= from <= to");
        }
        for (int b = 0; b < buffers.length; b++) {
            OpenClBuffer buffer = Objects.requireNonNull(buffers[b], "buffer argument " + b);
            long capacity = buffer.byteSize() / types[b].byteSize();
            if (to > capacity) {
                throw new IndexOutOfBoundsException("Element range [" + from + ", " + to + ") exceeds buffer argument " + b
                        + " of " + capacity + " " + types[b].kerasName() + " elements");
            }
        }
        return to - from;
    }

    /** Sets the buffers as arguments 0.., then {@code from} and {@code n}; returns the next argument index. */
    static int buffers(OpenClKernel k, long from, long n, OpenClBuffer... buffers) {
        int a = 0;
        for (OpenClBuffer buffer : buffers) {
            k.setArg(a++, buffer);
        }
        k.setArg(a++, from);
        k.setArg(a++, n);
        return a;
    }

    /** Enqueues {@code n} work-items (one per element, or per item of a sum) on {@code queue}, in whole work-groups. */
    static void launch(OpenClQueue queue, OpenClKernel k, long n) {
        long local = Math.min(ELEMENTWISE_GROUP_SIZE, k.workGroupSize());
        k.enqueue(queue, (n + local - 1) / local * local, local);
    }
}
