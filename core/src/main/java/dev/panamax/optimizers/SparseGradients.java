package dev.panamax.optimizers;

import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The checks and the de-duplication of {@link IndexedSlices} gradients, for {@link Optimizer} and
 * the stages of its step. Not an API of its own.
 */
public final class SparseGradients {

    private SparseGradients() {
    }

    /** The indices as longs (int32 or int64 in the tensor). */
    static long[] readIndices(Tensor indices) {
        long[] out = new long[Math.toIntExact(indices.size())];
        MemorySegment s = indices.segment();
        if (indices.dtype() == DType.INT32) {
            for (int i = 0; i < out.length; i++) {
                out[i] = s.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i);
            }
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = s.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
            }
        }
        return out;
    }

    /** Elements per row of a tensor of {@code shape} (rank >= 1): the product of all but the first dimension. */
    static long rowLength(long[] shape) {
        long n = 1;
        for (int d = 1; d < shape.length; d++) {
            n *= shape[d];
        }
        return n;
    }

    /**
     * Every check of a sparse gradient against its variable, before anything is written: the
     * messages name the variable, what was expected and what came.
     */
    public static void check(String variableName, Tensor variable, boolean hasConstraint, IndexedSlices g, String where) {
        Tensor values = g.values();
        Tensor indices = g.indices();
        if (!values.isAlive() || !indices.isAlive()) {
            throw new IllegalStateException("Gradient for variable '" + variableName + "' is an IndexedSlices whose "
                    + (values.isAlive() ? "indices are" : "values are") + " closed" + where);
        }
        if (!values.isHost() || !indices.isHost()) {
            throw new IllegalArgumentException("Gradient for variable '" + variableName + "' is an IndexedSlices on device '"
                    + (values.isHost() ? indices : values).storage().device() + "', the variable on the host" + where);
        }
        if (hasConstraint) {
            // OptimizerV2.apply_grad_to_update_var refuses this before any update.
            throw new IllegalArgumentException("Cannot use a constraint function on a sparse variable: variable '"
                    + variableName + "' has a constraint and its gradient is an IndexedSlices" + where);
        }
        if (values.dtype() != variable.dtype()) {
            throw new IllegalArgumentException("Gradient for variable '" + variableName + "' has dtype "
                    + values.dtype().kerasName() + ", expected " + variable.dtype().kerasName() + " (the variable's dtype)" + where);
        }
        long[] shape = variable.shape();
        if (shape.length == 0) {
            throw new IllegalArgumentException("Gradient for variable '" + variableName + "' is an IndexedSlices, but the"
                    + " variable is a scalar: sparse gradients need a variable of rank >= 1" + where);
        }
        if (!Arrays.equals(g.denseShape(), shape)) {
            // TF would scatter the rows into a tensor of the dense shape and fail on the shapes there.
            // (IndexedSlices checked its values against its dense shape when it was made.)
            throw new IllegalArgumentException("Gradient for variable '" + variableName + "' is an IndexedSlices of dense shape "
                    + Arrays.toString(g.denseShape()) + ", expected " + Arrays.toString(shape) + " (the variable's shape)" + where);
        }
        long rows = shape[0];
        long[] idx = readIndices(indices);
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= rows) {
                throw new IllegalArgumentException("Gradient for variable '" + variableName + "' has indices[" + i + "] = "
                        + idx[i] + ", out of range [0, " + rows + ") (the variable's first dimension)" + where);
            }
        }
    }

    /**
     * Keras's {@code _deduplicate_indexed_slices}: the unique indices in first-seen order
     * ({@code tf.unique}), each with the sum of its rows ({@code tf.math.unsorted_segment_sum}:
     * a zero row, then every value row added in input order). {@code sums} must hold
     * {@code indices.length} rows; the result uses its first {@code unique} rows.
     */
    static SparseRows deduplicate(OptimizerKernels kernels, DType dtype, long[] indices, MemorySegment values,
                                  MemorySegment sums, long rows, long rowLength) {
        int k = indices.length;
        int[] position = new int[k];
        long[] unique = new long[k];
        int count = 0;
        // Open addressing over a power-of-two table at most half full: slot -> 1 + position.
        int capacity = Integer.highestOneBit(Math.max(4, k) * 2) * 2;
        long[] keys = new long[capacity];
        int[] slots = new int[capacity];
        int mask = capacity - 1;
        for (int i = 0; i < k; i++) {
            long index = indices[i];
            int h = (int) (index ^ (index >>> 32)) * 0x9E3779B9 & mask;
            while (slots[h] != 0 && keys[h] != index) {
                h = (h + 1) & mask;
            }
            if (slots[h] == 0) {
                keys[h] = index;
                slots[h] = ++count;
                unique[count - 1] = index;
            }
            position[i] = slots[h] - 1;
        }
        long rowBytes = rowLength * dtype.byteSize();
        MemorySegment used = sums.asSlice(0, count * rowBytes);
        used.fill((byte) 0);
        for (int i = 0; i < k; i++) {
            // y = y + 1 * x, and 1 * x is exactly x: the sum is formed in input order from +0.
            kernels.axpy(dtype, 1.0, values.asSlice(i * rowBytes, rowBytes), used.asSlice(position[i] * rowBytes, rowBytes),
                    0, rowLength);
        }
        return new SparseRows(dtype, Arrays.copyOf(unique, count), used, rows, rowLength);
    }

    /** {@link #densify(OptimizerKernels, DType, long[], MemorySegment, Tensor, long)} of a checked gradient into {@code dense}. */
    public static void densify(OptimizerKernels kernels, IndexedSlices gradient, Tensor dense) {
        densify(kernels, dense.dtype(), readIndices(gradient.indices()), gradient.values().segment(), dense, rowLength(dense.shape()));
    }

    /** {@code tf.convert_to_tensor(IndexedSlices)}: zeros with every value row added to its row, in input order. */
    static void densify(OptimizerKernels kernels, DType dtype, long[] indices, MemorySegment values, Tensor dense,
                        long rowLength) {
        MemorySegment d = dense.segment();
        d.fill((byte) 0);
        long rowBytes = rowLength * dtype.byteSize();
        for (int i = 0; i < indices.length; i++) {
            kernels.axpy(dtype, 1.0, values.asSlice(i * rowBytes, rowBytes), d.asSlice(indices[i] * rowBytes, rowBytes),
                    0, rowLength);
        }
    }
}
