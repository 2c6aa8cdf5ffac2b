package dev.panamax.optimizers.step;

import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.state.OptimizerVariables;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.List;

/**
 * Keras 3's {@code gradient_accumulation_steps}: each call but every N-th only adds its gradients
 * to per-variable accumulators ({@code acc = g + acc}); the N-th call (by the raw step counter)
 * updates with the mean {@code (g + acc) / N}, then sets every accumulator to zero. Sparse
 * gradients are made dense first, as TF's {@code g + acc} does.
 */
public final class AccumulateGradients {

    /** The name of the accumulator of each variable (Keras 3's {@code add_variable_from_reference}). */
    public static final String NAME = "gradient_accumulator";

    private final int steps;
    private final OptimizerVariables store;
    private final GradientBuffers buffers;
    private final TensorKernelsLookup kernels;

    /** The accumulation stage over {@code steps} calls, with its accumulators in {@code store}. */
    public AccumulateGradients(int steps, OptimizerVariables store, GradientBuffers buffers, TensorKernelsLookup kernels) {
        this.steps = steps;
        this.store = store;
        this.buffers = buffers;
        this.kernels = kernels;
    }

    /** The number of calls whose gradients are averaged into one update. */
    public int steps() {
        return steps;
    }

    /** Creates the accumulators of {@code variables}, zeros where each variable lives. */
    public void build(List<Variable> variables) {
        for (Variable v : variables) {
            store.addFor(v, NAME, false, () -> kernels.of(v.value()).full(v.dtype(), 0.0, v.shape()));
        }
    }

    /** Keras 3's {@code (_iterations + 1) % steps == 0}, on the raw counter before this call's increment. */
    public boolean isUpdateStep(long rawIterations) {
        return (rawIterations + 1) % steps == 0;
    }

    /** A call that only accumulates: {@code acc = acc + g} for each pair. */
    public void accumulate(List<GradientAndVariable> pairs) {
        for (GradientAndVariable p : pairs) {
            Tensor g = buffers.dense(p.variable(), p.gradient());
            Tensor acc = store.find(p.variable(), NAME);
            kernels.of(acc).axpy(g, acc, 1.0);
        }
    }

    /** The gradients of an update call: {@code (g + acc) / steps} in each variable's private copy. */
    public List<GradientAndVariable> averaged(List<GradientAndVariable> pairs) {
        List<GradientAndVariable> out = new ArrayList<>(pairs.size());
        for (GradientAndVariable p : pairs) {
            Variable v = p.variable();
            Tensor mean = buffers.copyOf(v, buffers.dense(v, p.gradient()));
            // g + 1 * acc is g + acc exactly; then * 1 / steps is / steps exactly.
            kernels.of(mean).axpy(store.find(v, NAME), mean, 1.0);
            kernels.of(mean).scaleDivide(mean, 1.0, steps);
            out.add(new GradientAndVariable(mean, v));
        }
        return out;
    }

    /** Sets every accumulator to zero, after an update. */
    public void reset() {
        for (Variable v : store.trainableVariables()) {
            Tensor acc = store.find(v, NAME);
            kernels.of(acc).zero(acc);
        }
    }
}
