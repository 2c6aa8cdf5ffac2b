package dev.panamax.optimizers;

import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;

/**
 * What {@link Optimizer#prepare} returns: the step of one algorithm on one variable, with this
 * step's coefficients already computed. {@code value} is the variable's own tensor, the one to
 * update. The gradient is dense, of the variable's shape and dtype, and in the same kind of memory
 * as the variable (off-heap, a Java array, or the same device), as are its slots.
 */
@FunctionalInterface
public interface VariableUpdate {

    /** Updates {@code value}, the value of {@code variable}, with a dense gradient. */
    void apply(Variable variable, Tensor value, Tensor gradient);

    /**
     * An update with its own sparse path (TF2's {@code _resource_apply_sparse}). An update without
     * one gets sparse gradients made dense ({@code tf.convert_to_tensor}), which is what Keras 3's
     * formulas do with an {@code IndexedSlices}.
     */
    interface WithSparse extends VariableUpdate {

        /** Applies one step with gradient rows; called even when there are none (some algorithms decay every row). */
        void applySparse(Variable variable, Tensor value, SparseRows gradient);

        /** Whether repeated indices are summed first (Keras's {@code _deduplicate_indexed_slices}). */
        default boolean summingDuplicates() {
            return true;
        }
    }

    /** The sparse path of a {@link WithSparse}. */
    @FunctionalInterface
    interface SparsePath {
        /** Updates the variable's rows that the de-duplicated sparse gradient touches. */
        void apply(Variable variable, Tensor value, SparseRows gradient);
    }

    /** An update with a dense path and a sparse one; {@code summingDuplicates} as {@link WithSparse}. */
    static WithSparse withSparse(VariableUpdate dense, SparsePath sparse, boolean summingDuplicates) {
        return new WithSparse() {
            @Override
            public void apply(Variable variable, Tensor value, Tensor gradient) {
                dense.apply(variable, value, gradient);
            }

            @Override
            public void applySparse(Variable variable, Tensor value, SparseRows gradient) {
                sparse.apply(variable, value, gradient);
            }

            @Override
            public boolean summingDuplicates() {
                return summingDuplicates;
            }
        };
    }
}
