package dev.panamax.optimizers;

import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.optimizers.step.GradientBuffers;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Gradient;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The update stage of a step: the algorithm's update of each variable ({@code update_step}), its
 * coefficients computed once per dtype and step ({@link Optimizer#prepare}). A sparse gradient goes
 * to the algorithm's sparse path, de-duplicated unless the algorithm scatter-adds, or is made dense
 * when the algorithm has none.
 */
final class UpdateVariables implements AutoCloseable {

    private final BaseOptimizer optimizer;
    private final GradientBuffers buffers;
    private final Map<DType, VariableUpdate> updates = new EnumMap<>(DType.class);
    /** Per-variable buffers of de-duplicated sparse rows. */
    private final Map<Variable, Tensor> sparseSums = new IdentityHashMap<>();

    UpdateVariables(BaseOptimizer optimizer, GradientBuffers buffers) {
        this.optimizer = optimizer;
        this.buffers = buffers;
    }

    /** Forgets the coefficients of the last step. */
    void beginStep() {
        updates.clear();
    }

    /**
     * Updates {@code value}, the tensor of {@code variable} (off-heap, on a Java array or on a device), with
     * {@code gradient}.
     */
    void apply(Variable variable, Tensor value, Gradient gradient) {
        // A 16-bit variable's update computes in float32: its coefficients are float32's.
        VariableUpdate update = updates.computeIfAbsent(HalfVariableRounding.computeDtype(variable.dtype()), t -> optimizer.prepare(t, optimizer.decayedLearningRate(t)));
        if (gradient instanceof Tensor dense) {
            update.apply(variable, value, dense);
            return;
        }
        IndexedSlices sparse = (IndexedSlices) gradient;
        if (!(update instanceof VariableUpdate.WithSparse s)) {
            update.apply(variable, value, buffers.densified(variable, sparse));
            return;
        }
        DType dtype = variable.dtype();
        OptimizerKernels kernels = optimizer.kernels();
        long[] indices = SparseGradients.readIndices(sparse.indices());
        long rows = value.shape()[0];
        long rowLength = SparseGradients.rowLength(value.shape());
        MemorySegment values = sparse.values().segment();
        if (s.summingDuplicates()) {
            MemorySegment sums = sparseBuffer(variable, indices.length * rowLength);
            s.applySparse(variable, value, SparseGradients.deduplicate(kernels, dtype, indices, values, sums, rows, rowLength));
        } else {
            s.applySparse(variable, value, new SparseRows(dtype, indices, values, rows, rowLength));
        }
    }

    /** The variable's reusable buffer for summed sparse rows, in its kind of memory, grown to at least {@code elements}. */
    private MemorySegment sparseBuffer(Variable variable, long elements) {
        Tensor buffer = sparseSums.get(variable);
        if (buffer == null || buffer.size() < elements) {
            if (buffer != null) {
                buffer.close();
            }
            buffer = optimizer.tensorKernels(variable.value()).full(variable.dtype(), 0.0, Math.max(elements, 1));
            sparseSums.put(variable, buffer);
        }
        return buffer.segment();
    }

    @Override
    public void close() {
        sparseSums.values().forEach(Tensor::close);
        sparseSums.clear();
        updates.clear();
    }
}
