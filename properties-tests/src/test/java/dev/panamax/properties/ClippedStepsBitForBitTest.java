package dev.panamax.properties;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.optimizers.Adafactor;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.Lamb;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.SGD;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many steps of the optimizers that take norms ({@code clipnorm}, {@code global_clipnorm}, Lamb's
 * trust ratio, Adafactor's update clipping), on the picked backend with two threads against the
 * scalar reference on one: the variables are bit-identical after every step. Before the sums had
 * one order, {@code clipnorm} moved 39 elements by up to 8 ulp in 100 steps, and
 * {@code global_clipnorm} gave sums up to 14,848 ulp apart. The gradients have spread
 * magnitudes, so every norm clips and any other order of additions would show.
 */
class ClippedStepsBitForBitTest {

    private static final int STEPS = 100;

    record Config(String name, Function<OptimizerKernels, Optimizer.Builder<?>> builder) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> configs() {
        List<Config> configs = List.of(
                new Config("sgd momentum clipnorm", k -> SGD.builder().learningRate(0.01).momentum(0.9).clipnorm(1.0).kernels(k)),
                new Config("adam global_clipnorm", k -> Adam.builder().learningRate(0.001).globalClipnorm(1.0).kernels(k)),
                new Config("adam keras3 clipnorm", k -> Adam.builder().learningRate(0.001).keras3(true).clipnorm(0.5).kernels(k)),
                new Config("lamb", k -> Lamb.builder().learningRate(0.001).kernels(k)),
                new Config("adafactor", k -> Adafactor.builder().learningRate(0.001).kernels(k)));
        return configs.stream().flatMap(c -> Stream.of(DType.FLOAT32, DType.FLOAT64).map(t -> Arguments.of(c, t)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("configs")
    void everyStepIsBitIdenticalToTheReference(Config config, DType dtype) {
        // A vector, a matrix (Adafactor factors it) and a variable of two 64K chunks plus an odd tail.
        long[][] shapes = {{17}, {33, 65}, {(1 << 17) + 11}};
        try (Optimizer reference = config.builder().apply(new ScalarKernels()).threads(1).build();
             Optimizer candidate = config.builder().apply(KernelProvider.kernels()).threads(2).build()) {
            List<Variable> refVars = variables(dtype, shapes);
            List<Variable> candVars = variables(dtype, shapes);
            try {
                for (int step = 0; step < STEPS; step++) {
                    apply(reference, refVars, step);
                    apply(candidate, candVars, step);
                    for (int i = 0; i < shapes.length; i++) {
                        assertSameBits(refVars.get(i).value(), candVars.get(i).value(), config + " " + dtype + " variable " + i
                                + " after step " + (step + 1) + " (backend " + KernelProvider.kernels().name() + ", seed "
                                + PropertyData.SEED + ")");
                    }
                }
                assertTrue(moved(refVars.get(2).value(), dtype, shapes[2]), "the steps must change the variable");
            } finally {
                Stream.concat(refVars.stream(), candVars.stream()).forEach(v -> v.value().close());
            }
        }
    }

    private static void apply(Optimizer optimizer, List<Variable> vars, int step) {
        List<GradientAndVariable> pairs = new ArrayList<>();
        List<Tensor> grads = new ArrayList<>();
        try {
            for (int i = 0; i < vars.size(); i++) {
                Tensor g = spread(vars.get(i).dtype(), vars.get(i).shape(), PropertyData.SEED * 131 + 7L * step + i);
                grads.add(g);
                pairs.add(new GradientAndVariable(g, vars.get(i)));
            }
            optimizer.applyGradients(pairs);
        } finally {
            grads.forEach(Tensor::close);
        }
    }

    private static List<Variable> variables(DType dtype, long[][] shapes) {
        List<Variable> vars = new ArrayList<>();
        for (int i = 0; i < shapes.length; i++) {
            vars.add(new Variable("layer" + i + "/kernel", spread(dtype, shapes[i], PropertyData.SEED + 1000L * i)));
        }
        return vars;
    }

    /** Values of magnitudes from 1e-3 to 1e3: norms well above the clipping thresholds, sums sensitive to their order. */
    private static Tensor spread(DType dtype, long[] shape, long seed) {
        Tensor t = Tensor.zeros(dtype, shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < t.size(); i++) {
            t.setDouble(i, r.nextDouble(-1, 1) * Math.pow(10, r.nextInt(-3, 4)));
        }
        return t;
    }

    private static boolean moved(Tensor value, DType dtype, long[] shape) {
        try (Tensor initial = spread(dtype, shape, PropertyData.SEED + 2000L)) {
            double[] a = initial.toDoubleArray();
            double[] b = value.toDoubleArray();
            for (int i = 0; i < a.length; i++) {
                if (a[i] != b[i]) {
                    return true;
                }
            }
            return false;
        }
    }

    private static void assertSameBits(Tensor expected, Tensor actual, String where) {
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        int differing = 0;
        int first = -1;
        for (int i = 0; i < e.length; i++) {
            if (Double.doubleToLongBits(e[i]) != Double.doubleToLongBits(a[i])) {
                differing++;
                first = first < 0 ? i : first;
            }
        }
        if (differing > 0) {
            fail(where + ": " + differing + " elements differ, the first at " + first + ": reference " + e[first] + ", got "
                    + a[first]);
        }
    }
}
