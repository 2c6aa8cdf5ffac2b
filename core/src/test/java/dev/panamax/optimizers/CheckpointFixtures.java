package dev.panamax.optimizers;

import dev.panamax.optimizers.state.OptimizerVariable;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** A small model, deterministic gradients and state fingerprints for the checkpoint tests. */
final class CheckpointFixtures {

    private CheckpointFixtures() {
    }

    /** A kernel [3, 4] and a bias [4] of {@code dtype} on wrapped Java arrays, with fixed values. */
    static List<Variable> model(DType dtype) {
        return model(dtype, new long[] {3, 4}, "dense/kernel", "dense/bias");
    }

    static List<Variable> model(DType dtype, long[] kernelShape, String kernelName, String biasName) {
        long n = Tensor.elementCount(kernelShape);
        return List.of(new Variable(kernelName, filled(dtype, n, 0.25, kernelShape)),
                new Variable(biasName, filled(dtype, 4, -0.5, 4)));
    }

    /** Heap copies of {@code model}'s values, as new variables of the same names (the model restored from its own save). */
    static List<Variable> copyOf(List<Variable> model) {
        List<Variable> out = new ArrayList<>();
        for (Variable v : model) {
            out.add(new Variable(v.name(), v.value().copyToHeap()));
        }
        return out;
    }

    private static Tensor filled(DType dtype, long n, double start, long... shape) {
        double[] values = new double[(int) n];
        for (int i = 0; i < values.length; i++) {
            values[i] = start + 0.1 * i - 0.03 * i * i;
        }
        return dtype == DType.FLOAT64 ? Tensor.wrap(values, shape) : Tensor.wrap(toFloats(values), shape);
    }

    /** A heap tensor (no close needed) of zeros. */
    static Tensor heapZeros(DType dtype, long... shape) {
        try (Tensor zeros = Tensor.zeros(dtype, shape)) {
            return zeros.copyToHeap();
        }
    }

    private static float[] toFloats(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }

    /** The gradients of step {@code step}: a fixed function of the step and the element, never all zero. */
    static List<Tensor> gradients(List<Variable> model, long step) {
        List<Tensor> out = new ArrayList<>();
        for (int v = 0; v < model.size(); v++) {
            Variable var = model.get(v);
            double[] g = new double[(int) var.value().size()];
            for (int i = 0; i < g.length; i++) {
                g[i] = Math.sin(step * 0.7 + i * 0.37 + v) * (1 + step % 3);
            }
            out.add(var.dtype() == DType.FLOAT64 ? Tensor.wrap(g, var.shape()) : Tensor.wrap(toFloats(g), var.shape()));
        }
        return out;
    }

    /** Runs steps {@code from} to {@code to - 1} on {@code model}. */
    static void train(Optimizer optimizer, List<Variable> model, long from, long to) {
        for (long step = from; step < to; step++) {
            optimizer.apply(gradients(model, step), model);
        }
    }

    /**
     * Everything a load may change, as text: config, iterations, calls, the learning rate and every
     * optimizer variable's bits (host tensors only).
     */
    static String fingerprint(Optimizer optimizer) {
        StringBuilder sb = new StringBuilder(Optimizers.toJson(optimizer));
        sb.append("\niterations=").append(optimizer.getIterations()).append(" calls=").append(optimizer.getCalls())
                .append(" lr=")
                // As the steps see it (in float32). A schedule is in the config; its object has no useful toString.
                .append(optimizer.getLearningRate() instanceof Hyperparameter.Constant c ? (float) c.constant() : "schedule");
        for (OptimizerVariable v : optimizer.variables()) {
            sb.append('\n').append(v.name()).append(' ').append(v.value().describe()).append(' ').append(bits(v.value()));
        }
        return sb.toString();
    }

    /** The raw bits of every element, for bit-for-bit comparisons. */
    static String bits(Tensor t) {
        StringBuilder sb = new StringBuilder();
        for (long i = 0; i < t.size(); i++) {
            double d = t.getDouble(i);
            sb.append(t.dtype() == DType.FLOAT32 ? Integer.toHexString(Float.floatToRawIntBits((float) d))
                    : Long.toHexString(Double.doubleToRawLongBits(d))).append(',');
        }
        return sb.toString();
    }

    /** The model's values' bits. */
    static String bits(List<Variable> model) {
        StringBuilder sb = new StringBuilder();
        for (Variable v : model) {
            sb.append(v.name()).append('=').append(bits(v.value())).append('\n');
        }
        return sb.toString();
    }

    /**
     * Rewrites a checkpoint with its tensors changed by {@code edit} (name to tensor, in file order)
     * and a fresh checksum: a well-formed file whose content no optimizer wrote.
     */
    static void rewrite(Path file, UnaryOperator<Map<String, Tensor>> edit) throws IOException {
        Map<String, String> metadata;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
            metadata = new LinkedHashMap<>(reader.metadata());
            metadata.remove(SafeTensorsHeader.CHECKSUM_KEY);
            for (SafeTensorsHeader.Entry e : reader.entries()) {
                Tensor t = heapZeros(e.dtype(), e.shape());
                reader.read(e, t);
                tensors.put(e.name(), t);
            }
        }
        rewrite(file, metadata, edit.apply(tensors));
    }

    /** Writes {@code tensors} with {@code metadata} (and a checksum) over {@code file}. */
    static void rewrite(Path file, Map<String, String> metadata, Map<String, Tensor> tensors) throws IOException {
        List<SafeTensorsWriter.Named> named = new ArrayList<>();
        tensors.forEach((k, v) -> named.add(new SafeTensorsWriter.Named(k, v)));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            SafeTensorsWriter.write(channel, metadata, named);
        }
    }
}
