package dev.panamax.optimizers.step;

import dev.panamax.kernels.TensorKernelsLookup;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.SparseGradients;
import dev.panamax.tensor.Gradient;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The optimizer's private copies of gradients, one per variable, reused from step to step. The
 * stages that change gradients (loss scaling, accumulation, clipping) write these copies, never the
 * caller's tensors, as TF's ops return new tensors. A gradient whose memory is not of its host
 * variable's kind (a Java array for an off-heap variable, or the reverse) is copied into that kind
 * first, so that no kernel call meets both heap and native segments: a vector loop that does loses
 * its compiled vector loads.
 */
public final class GradientBuffers implements AutoCloseable {

    private final TensorKernelsLookup kernels;
    private final Map<Variable, Tensor> copies = new IdentityHashMap<>();
    /** Sparse gradients made dense, one per variable. */
    private final Map<Variable, Tensor> dense = new IdentityHashMap<>();

    /** Buffers made with {@code kernels} where each gradient lives. */
    public GradientBuffers(TensorKernelsLookup kernels) {
        this.kernels = kernels;
    }

    /** The dense tensor of a gradient: itself, or an IndexedSlices' values (duplicates included). */
    public static Tensor denseValues(Gradient g) {
        return g instanceof IndexedSlices s ? s.values() : (Tensor) g;
    }

    /** {@code g} with its dense tensor replaced by {@code values}. */
    public static Gradient withValues(Gradient g, Tensor values) {
        return g instanceof IndexedSlices s ? new IndexedSlices(values, s.indices(), s.denseShape()) : values;
    }

    /** Whether {@code gradient} can go to a kernel with {@code variable} as it is: the same kind of host memory, or not host. */
    private static boolean sameKind(Variable variable, Tensor gradient) {
        Tensor value = variable.value();
        return !gradient.isHost() || !value.isHost() || gradient.isNative() == value.isNative();
    }

    /** {@code pairs} with every host gradient (or IndexedSlices' values) in its variable's kind of memory. */
    public List<GradientAndVariable> inVariableKind(List<GradientAndVariable> pairs) {
        boolean ready = true;
        for (GradientAndVariable p : pairs) {
            ready &= sameKind(p.variable(), denseValues(p.gradient()));
        }
        if (ready) {
            return pairs;
        }
        List<GradientAndVariable> out = new ArrayList<>(pairs.size());
        for (GradientAndVariable p : pairs) {
            Tensor t = denseValues(p.gradient());
            out.add(sameKind(p.variable(), t) ? p
                    : new GradientAndVariable(withValues(p.gradient(), copyOf(p.variable(), t)), p.variable()));
        }
        return out;
    }

    /**
     * The variable's private copy, now holding {@code gradient} (no copy if it already is the copy),
     * in the variable's kind of memory.
     */
    public Tensor copyOf(Variable variable, Tensor gradient) {
        Tensor copy = copies.get(variable);
        if (gradient != copy) {
            if (copy == null || copy.dtype() != gradient.dtype() || !copy.hasSameShape(gradient)) {
                if (copy != null) {
                    copy.close();
                }
                copy = kernels.of(gradient.isHost() ? variable.value() : gradient).full(gradient.dtype(), 0.0, gradient.shape());
                copies.put(variable, copy);
            }
            kernels.of(gradient).copy(gradient, copy);
        }
        return copy;
    }

    /** The work of a stage on one private gradient copy, in place. */
    @FunctionalInterface
    public interface InPlace {
        /** Transforms one gradient in place. */
        void apply(Tensor gradient);
    }

    /**
     * {@code pairs} with {@code op} applied to a private copy of each gradient, or of an
     * IndexedSlices' values; the caller's tensors stay as they are.
     */
    public List<GradientAndVariable> mapInPlace(List<GradientAndVariable> pairs, InPlace op) {
        List<GradientAndVariable> out = new ArrayList<>(pairs.size());
        for (GradientAndVariable p : pairs) {
            Tensor copy = copyOf(p.variable(), denseValues(p.gradient()));
            op.apply(copy);
            out.add(new GradientAndVariable(withValues(p.gradient(), copy), p.variable()));
        }
        return out;
    }

    /**
     * {@code tf.convert_to_tensor(gradient)}: the variable's dense buffer, holding the (checked,
     * host) sparse gradient with repeated rows added in input order.
     */
    public Tensor densified(Variable variable, IndexedSlices gradient) {
        Tensor out = dense.computeIfAbsent(variable, v -> kernels.of(v.value()).full(v.dtype(), 0.0, v.shape()));
        SparseGradients.densify(kernels.host().kernels(), gradient, out);
        return out;
    }

    /** {@code gradient} as a dense tensor: itself, or its {@link #densified} form. */
    public Tensor dense(Variable variable, Gradient gradient) {
        return gradient instanceof IndexedSlices s ? densified(variable, s) : (Tensor) gradient;
    }

    @Override
    public void close() {
        for (Map<Variable, Tensor> m : List.of(copies, dense)) {
            m.values().forEach(Tensor::close);
            m.clear();
        }
    }
}
