package dev.panamax.distributed;

import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.GradientTransformer;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Data-parallel training's gradient aggregation, for TF2 optimizers' {@code gradientAggregator}
 * hook (what {@code tf.distribute.MirroredStrategy} plugs into {@code apply_gradients}): every
 * gradient becomes the sum of all ranks' gradients of its variable, added in rank order, so every
 * rank then takes the same step. As with TF2's strategies, each rank scales its loss by one over
 * the global batch size, so that the sum is the global batch's mean gradient.
 *
 * <pre>{@code
 * Adam adam = Adam.builder().gradientAggregator(new AllReduceGradients(collective)).build();
 * }</pre>
 *
 * <p>A dense sum is the same bits as one process adding the ranks' gradients in rank order (see
 * {@link Collective}), and clipping runs after it on the summed gradient, so a run on N ranks equals
 * one process that computes the same N partial gradients and adds them in that order. A sparse
 * gradient ({@link IndexedSlices}) is summed as TF sums them, by concatenation: every rank gets
 * every rank's rows and indices, in rank order, and the optimizer's sparse update adds duplicate
 * rows in that order. Its cost grows with the ranks' rows together: each rank receives all of them
 * (one broadcast per rank), where a dense sum moves each element twice whatever the rank count.
 *
 * <p>The ranks must start from the same weights ({@link Collective#broadcast} them from rank 0)
 * and give every variable a gradient of the same kind (dense or sparse) in the same order; dense
 * gradients are summed in place, sparse ones replaced by new heap tensors.
 */
public final class AllReduceGradients implements GradientTransformer {

    private final Collective collective;

    /** Sums gradients across {@code collective}'s ranks. */
    public AllReduceGradients(Collective collective) {
        this.collective = Objects.requireNonNull(collective, "collective");
    }

    @Override
    public List<GradientAndVariable> apply(List<GradientAndVariable> gradientsAndVariables) {
        for (GradientAndVariable pair : gradientsAndVariables) {
            if (pair.gradient() == null) {
                throw new IllegalArgumentException("Variable '" + pair.variable().name() + "' has no gradient on rank "
                        + collective.rank() + "; in data-parallel training every rank gives every variable a gradient");
            }
        }
        List<GradientAndVariable> summed = new ArrayList<>(gradientsAndVariables.size());
        for (GradientAndVariable pair : gradientsAndVariables) {
            if (pair.gradient() instanceof IndexedSlices rows) {
                summed.add(new GradientAndVariable(concatenated(rows), pair.variable()));
            } else {
                collective.allReduceSum((Tensor) pair.gradient());
                summed.add(pair);
            }
        }
        return summed;
    }

    /** Every rank's rows and indices, in rank order: the counts first, then each rank's rows broadcast from it. */
    private IndexedSlices concatenated(IndexedSlices mine) {
        int size = collective.size();
        long[] counts = new long[size];
        try (Tensor t = Tensor.zeros(DType.FLOAT64, size)) {
            t.setDouble(collective.rank(), mine.indices().size()); // zeros elsewhere: the sum is exact
            collective.allReduceSum(t);
            for (int r = 0; r < size; r++) {
                counts[r] = (long) t.getDouble(r);
            }
        }
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        long[] shape = mine.denseShape().clone();
        long rowLength = Tensor.elementCount(shape) / shape[0];
        shape[0] = total;
        Tensor values = heapZeros(mine.dtype(), shape);
        Tensor indices = Tensor.wrap(new long[Math.toIntExact(total)], total);
        long first = 0;
        for (int r = 0; r < size; r++) {
            Tensor rows = Slices.view(values, first * rowLength, (first + counts[r]) * rowLength);
            Tensor rowIndices = Slices.view(indices, first, first + counts[r]);
            if (r == collective.rank()) {
                MemorySegment.copy(mine.values().segment(), 0, rows.segment(), 0, rows.byteSize());
                for (long i = 0; i < counts[r]; i++) {
                    rowIndices.setDouble(i, mine.indices().getDouble(i)); // int32 or int64, exact as a double below 2^53
                }
            }
            collective.broadcast(rows, r);
            collective.broadcast(rowIndices, r);
            first += counts[r];
        }
        return new IndexedSlices(values, indices, mine.denseShape());
    }

    private static Tensor heapZeros(DType dtype, long[] shape) {
        if (dtype != DType.FLOAT32 && dtype != DType.FLOAT64) {
            throw new IllegalArgumentException("Sparse gradient values must be float32 or float64, got " + dtype.kerasName());
        }
        return Tensor.heapZeros(dtype, shape);
    }
}
