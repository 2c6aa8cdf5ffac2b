package dev.panamax.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * A sparse gradient as TensorFlow represents it: {@code values[i]} is the gradient of row
 * {@code indices[i]} of a variable whose dense shape is {@code denseShape}. Indices may repeat.
 *
 * <p>This type is validated on construction; optimizers that apply it are added by the sparse
 * update work.
 */
public final class IndexedSlices implements Gradient {

    private final Tensor values;
    private final Tensor indices;
    private final long[] denseShape;

    /** A sparse gradient: row {@code indices[i]} of a variable of {@code denseShape} gets {@code values[i]}; checked here. */
    public IndexedSlices(Tensor values, Tensor indices, long... denseShape) {
        this.values = Objects.requireNonNull(values, "values");
        this.indices = Objects.requireNonNull(indices, "indices");
        this.denseShape = denseShape.clone();
        if (indices.dtype() != DType.INT32 && indices.dtype() != DType.INT64) {
            throw new IllegalArgumentException("IndexedSlices indices must be int32 or int64, got " + indices.dtype().kerasName());
        }
        if (indices.rank() != 1) {
            throw new IllegalArgumentException("IndexedSlices indices must be rank 1, got shape " + Arrays.toString(indices.shape()));
        }
        if (denseShape.length == 0) {
            throw new IllegalArgumentException("IndexedSlices dense shape must have rank >= 1, got []");
        }
        long[] vs = values.shape();
        long[] expected = denseShape.clone();
        expected[0] = indices.size();
        if (!Arrays.equals(vs, expected)) {
            throw new IllegalArgumentException("IndexedSlices values must have shape " + Arrays.toString(expected)
                    + " (one row per index, rows of the dense shape " + Arrays.toString(denseShape) + "), got " + Arrays.toString(vs));
        }
    }

    /** One row of values per index. */
    public Tensor values() {
        return values;
    }

    /** The row indices (int32 or int64, rank 1); they may repeat. */
    public Tensor indices() {
        return indices;
    }

    /** The shape of the variable the rows belong to (a copy). */
    public long[] denseShape() {
        return denseShape.clone();
    }

    @Override
    public DType dtype() {
        return values.dtype();
    }
}
