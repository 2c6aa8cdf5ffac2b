package dev.panamax.optimizers;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A sparse gradient as an optimizer applies it to one variable: row {@code index(i)} of the
 * variable gets the gradient row {@code i} of the gradient values. Every index is checked to lie in
 * {@code [0, rows)}. After {@link Optimizer}'s de-duplication the indices are unique, in the
 * order they were first seen; on SGD's scatter-add path they are as given, duplicates included.
 *
 * <p>A row is {@link #rowLength()} consecutive elements: the variable viewed as a
 * {@code rows x rowLength} matrix, as TensorFlow's sparse kernels view it.
 */
public final class SparseRows {

    private final DType dtype;
    private final long[] indices;
    private final MemorySegment values;
    private final long rows;
    private final long rowLength;
    private long[] sorted;

    SparseRows(DType dtype, long[] indices, MemorySegment values, long rows, long rowLength) {
        this.dtype = dtype;
        this.indices = indices;
        this.values = values;
        this.rows = rows;
        this.rowLength = rowLength;
    }

    /** The dtype of the values and of the variable. */
    public DType dtype() {
        return dtype;
    }

    /** Number of gradient rows. */
    public int count() {
        return indices.length;
    }

    /** The variable row that gradient row {@code i} updates. */
    public long index(int i) {
        return indices[i];
    }

    /** Rows of the variable (its first dimension). */
    public long rows() {
        return rows;
    }

    /** Elements per row (the product of the variable's other dimensions; 1 for a rank-1 variable). */
    public long rowLength() {
        return rowLength;
    }

    /** Gradient row {@code i}, off-heap, {@code rowLength()} elements. */
    public MemorySegment valueRow(int i) {
        long bytes = rowLength * dtype.byteSize();
        return values.asSlice(i * bytes, bytes);
    }

    /** Row {@code row} of {@code tensor} (the variable or one of its slots, seen as {@code rows x rowLength}). */
    public MemorySegment row(Tensor tensor, long row) {
        long bytes = rowLength * dtype.byteSize();
        return tensor.segment().asSlice(row * bytes, bytes);
    }

    /** Row {@code index(i)} of {@code tensor}. */
    public MemorySegment touchedRow(Tensor tensor, int i) {
        return row(tensor, indices[i]);
    }

    /**
     * Calls {@code task} with each element range of the variable that no index touches, in
     * ascending order: the rows between the touched ones. Needs unique indices.
     */
    public void forEachUntouchedRange(RangeConsumer task) {
        long next = 0;
        for (long index : sortedIndices()) {
            if (index > next) {
                task.accept(next * rowLength, index * rowLength);
            }
            next = index + 1;
        }
        if (next < rows) {
            task.accept(next * rowLength, rows * rowLength);
        }
    }

    private long[] sortedIndices() {
        if (sorted == null) {
            sorted = indices.clone();
            Arrays.sort(sorted);
        }
        return sorted;
    }

    /** An element range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeConsumer {
        /** Handles the elements {@code [from, to)}. */
        void accept(long from, long to);
    }
}
