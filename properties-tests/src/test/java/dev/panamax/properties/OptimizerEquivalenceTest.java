package dev.panamax.properties;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panamax.kernels.KernelProvider;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.optimizers.Adadelta;
import dev.panamax.optimizers.Adagrad;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.AdamW;
import dev.panamax.optimizers.Adamax;
import dev.panamax.optimizers.Ftrl;
import dev.panamax.optimizers.Adafactor;
import dev.panamax.optimizers.Lamb;
import dev.panamax.optimizers.Lion;
import dev.panamax.optimizers.Muon;
import dev.panamax.optimizers.Nadam;
import dev.panamax.optimizers.RMSprop;
import dev.panamax.optimizers.ScheduleFreeAdamW;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.SGD;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole optimizers, end to end (coefficients, clipping, slots, chunking): the picked backend on
 * two threads gives bit-identical variables and slots to the scalar reference on one thread, norm
 * clipping, Lamb and Adafactor included: their sums of squares add in one order on every backend
 * ({@link OptimizerKernels#sumOfSquares}).
 */
class OptimizerEquivalenceTest {

    record Config(String name, Function<Optimizer.Builder<?>, Optimizer.Builder<?>> options,
                  Function<OptimizerKernels, Optimizer.Builder<?>> builder) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> optimizers() {
        List<Config> configs = List.of(
                new Config("sgd", b -> b, k -> SGD.builder().learningRate(0.05).kernels(k)),
                new Config("sgd momentum clipvalue", b -> b.clipvalue(0.5),
                        k -> SGD.builder().learningRate(0.05).momentum(0.9).kernels(k)),
                new Config("sgd nesterov clipnorm", b -> b.clipnorm(1.0),
                        k -> SGD.builder().learningRate(0.05).momentum(0.9).nesterov(true).kernels(k)),
                new Config("adam decay", b -> b.decay(0.01), k -> Adam.builder().learningRate(0.01).kernels(k)),
                new Config("adam global_clipnorm", b -> b.globalClipnorm(2.0), k -> Adam.builder().learningRate(0.01).kernels(k)),
                new Config("adam keras3 weight_decay ema accumulation loss_scale", b -> b.weightDecay(0.01).useEma(true)
                        .emaOverwriteFrequency(3).gradientAccumulationSteps(2).lossScaleFactor(8),
                        k -> Adam.builder().learningRate(0.01).keras3(true).kernels(k)),
                new Config("sgd momentum weight_decay ema clipvalue", b -> b.weightDecay(0.05).useEma(true).emaMomentum(0.5)
                        .clipvalue(0.5), k -> SGD.builder().learningRate(0.05).momentum(0.9).kernels(k)),
                new Config("lion weight_decay", b -> b.weightDecay(0.1), k -> Lion.builder().learningRate(0.01).kernels(k)),
                new Config("lamb weight_decay", b -> b.weightDecay(0.01), k -> Lamb.builder().learningRate(0.01).kernels(k)),
                new Config("adafactor", b -> b, k -> Adafactor.builder().learningRate(0.01).kernels(k)),
                new Config("muon nesterov weight decay", b -> b, k -> Muon.builder().learningRate(0.01).kernels(k)),
                new Config("schedule-free adamw warmup weight_decay", b -> b.weightDecay(0.01),
                        k -> ScheduleFreeAdamW.builder().learningRate(0.01).warmupSteps(3).kernels(k)),
                new Config("ftrl keras3 shrinkage", b -> b, k -> Ftrl.builder().keras3(true).learningRate(0.1).l1RegularizationStrength(0.01)
                        .l2ShrinkageRegularizationStrength(0.1).beta(0.1).kernels(k)),
                new Config("adamw amsgrad", b -> b, k -> AdamW.builder().learningRate(0.01).amsgrad(true).kernels(k)),
                new Config("amsgrad", b -> b, k -> Adam.builder().learningRate(0.01).amsgrad(true).kernels(k)),
                new Config("lazy amsgrad", b -> b, k -> Adam.builder().learningRate(0.01).amsgrad(true).lazy(true).kernels(k)),
                new Config("rmsprop", b -> b, k -> RMSprop.builder().learningRate(0.01).kernels(k)),
                new Config("rmsprop centered momentum", b -> b,
                        k -> RMSprop.builder().learningRate(0.01).centered(true).momentum(0.5).kernels(k)),
                new Config("rmsprop keras3 centered", b -> b,
                        k -> RMSprop.builder().learningRate(0.01).centered(true).keras3(true).kernels(k)),
                new Config("adagrad", b -> b, k -> Adagrad.builder().learningRate(0.1).kernels(k)),
                new Config("adagrad keras3", b -> b, k -> Adagrad.builder().learningRate(0.1).keras3(true).kernels(k)),
                new Config("adadelta", b -> b, k -> Adadelta.builder().learningRate(1.0).kernels(k)),
                new Config("adamax", b -> b, k -> Adamax.builder().learningRate(0.01).kernels(k)),
                new Config("adadelta keras3", b -> b, k -> Adadelta.builder().learningRate(1.0).keras3(true).kernels(k)),
                new Config("adamax keras3", b -> b, k -> Adamax.builder().learningRate(0.01).keras3(true).kernels(k)),
                new Config("nadam", b -> b, k -> Nadam.builder().learningRate(0.01).kernels(k)),
                new Config("nadam keras3", b -> b, k -> Nadam.builder().learningRate(0.01).keras3(true).kernels(k)),
                new Config("ftrl l1 l2 beta", b -> b, k -> Ftrl.builder().learningRate(0.1).l1RegularizationStrength(0.01)
                        .l2RegularizationStrength(0.01).beta(0.1).kernels(k)),
                new Config("ftrl shrinkage", b -> b, k -> Ftrl.builder().learningRate(0.1).l1RegularizationStrength(0.01)
                        .l2ShrinkageRegularizationStrength(0.1).kernels(k)),
                new Config("ftrl power 0", b -> b, k -> Ftrl.builder().learningRate(0.1).learningRatePower(0).kernels(k)));
        return configs.stream().flatMap(c -> Stream.of(DType.FLOAT32, DType.FLOAT64).map(t -> Arguments.of(c, t)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("optimizers")
    void pickedBackendOnTwoThreadsEqualsScalarOnOne(Config config, DType dtype) {
        runBoth(config, dtype, new long[][] {{3}, {17, 33}, {(1 << 18) + 5}}, OptimizerEquivalenceTest::step, "variable");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("optimizers")
    void pickedBackendOnTwoThreadsEqualsScalarOnOneWithSparseGradients(Config config, DType dtype) {
        // A rank-1 table, a small one, and one of several executor chunks (Adam decays all of it).
        runBoth(config, dtype, new long[][] {{37}, {50, 33}, {5000, 64}}, OptimizerEquivalenceTest::sparseStep,
                "sparse variable");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("optimizers")
    void pickedBackendOnJavaArraysEqualsScalarOffHeap(Config config, DType dtype) {
        // Variables and gradients that wrap float[] / double[]: their slots are Java arrays too, no staging copy.
        runBoth(config, dtype, new long[][] {{3}, {17, 33}, {(1 << 18) + 5}}, OptimizerEquivalenceTest::step, "array variable", true);
    }

    private static void runBoth(Config config, DType dtype, long[][] shapes, Step step, String what) {
        runBoth(config, dtype, shapes, step, what, false);
    }

    /**
     * Five steps on the reference (scalar, 1 thread, off-heap) and the candidate (picked backend, 2
     * threads, on Java arrays when {@code arrays}); compares everything.
     */
    private static void runBoth(Config config, DType dtype, long[][] shapes, Step step, String what, boolean arrays) {
        try (Optimizer reference = config.options().apply(config.builder().apply(new ScalarKernels()).threads(1)).build();
             Optimizer candidate = config.options().apply(config.builder().apply(KernelProvider.kernels()).threads(2)).build()) {
            Variable[] refVars = variables(dtype, shapes, PropertyData.SEED);
            Variable[] candVars = arrays ? onJavaArrays(variables(dtype, shapes, PropertyData.SEED))
                    : variables(dtype, shapes, PropertyData.SEED);
            try {
                for (int s = 0; s < 5; s++) {
                    step.run(reference, refVars, PropertyData.SEED + s);
                    step.run(candidate, candVars, PropertyData.SEED + s);
                }
                for (int i = 0; i < shapes.length; i++) {
                    String where = config + " " + dtype + " " + what + " " + i + " seed=" + PropertyData.SEED;
                    assertSame(config, dtype, refVars[i].value(), candVars[i].value(), where);
                    for (String slot : reference.getSlotNames()) {
                        if (!hasSlot(reference, refVars[i], slot)) {
                            continue;
                        }
                        // The slots live where the variable does: Java arrays for a variable on one.
                        assertEquals(candVars[i].value().isNative(), candidate.getSlot(candVars[i], slot).isNative(), where);
                        assertSame(config, dtype, reference.getSlot(refVars[i], slot), candidate.getSlot(candVars[i], slot),
                                where + " slot " + slot);
                    }
                }
            } finally {
                Stream.concat(Stream.of(refVars), Stream.of(candVars)).forEach(v -> v.value().close());
            }
        }
    }

    /** Whether {@code variable} has the slot {@code slot} (Muon's variables differ: velocity only on its AdamW path). */
    static boolean hasSlot(Optimizer optimizer, Variable variable, String slot) {
        try {
            optimizer.getSlot(variable, slot);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @FunctionalInterface
    private interface Step {
        void run(Optimizer optimizer, Variable[] vars, long seed);
    }

    /**
     * One step with IndexedSlices gradients drawn with repeats: 24 rows of the small tables, 2,100
     * of the large one (134,400 elements: its rows are shared across the two threads).
     */
    private static void sparseStep(Optimizer optimizer, Variable[] vars, long seed) {
        List<GradientAndVariable> pairs = new java.util.ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int i = 0; i < vars.length; i++) {
            long[] shape = vars[i].shape();
            boolean large = shape[0] > 1000;
            long[] indices = new long[large ? 2100 : 24];
            for (int k = 0; k < indices.length; k++) {
                indices[k] = r.nextLong(large ? shape[0] : Math.min(shape[0], 30));
            }
            long[] valuesShape = shape.clone();
            valuesShape[0] = indices.length;
            Tensor values = random(vars[i].dtype(), valuesShape, seed * 31 + i);
            pairs.add(new GradientAndVariable(new dev.panamax.tensor.IndexedSlices(values, Tensor.wrap(indices), shape), vars[i]));
        }
        optimizer.applyGradients(pairs);
    }

    private static void assertSame(Config config, DType dtype, Tensor expected, Tensor actual, String where) {
        assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), where);
    }

    private static Variable[] variables(DType dtype, long[][] shapes, long seed) {
        Variable[] vars = new Variable[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            vars[i] = new Variable("layer" + i + "/kernel", random(dtype, shapes[i], seed + 100 * i));
        }
        return vars;
    }

    /** The same variables on Java arrays (the off-heap ones are closed). */
    private static Variable[] onJavaArrays(Variable[] vars) {
        Variable[] out = new Variable[vars.length];
        for (int i = 0; i < vars.length; i++) {
            out[i] = new Variable(vars[i].name(), onJavaArray(vars[i].value()));
            vars[i].value().close();
        }
        return out;
    }

    private static Tensor onJavaArray(Tensor t) {
        return t.dtype() == DType.FLOAT32 ? Tensor.wrap(t.toFloatArray(), t.shape()) : Tensor.wrap(t.toDoubleArray(), t.shape());
    }

    /** One step with dense gradients of each variable's kind of memory. */
    private static void step(Optimizer optimizer, Variable[] vars, long seed) {
        Tensor[] grads = new Tensor[vars.length];
        try {
            List<GradientAndVariable> pairs = new java.util.ArrayList<>();
            for (int i = 0; i < vars.length; i++) {
                grads[i] = random(vars[i].dtype(), vars[i].shape(), seed * 31 + i);
                if (!vars[i].value().isNative()) {
                    Tensor onArray = onJavaArray(grads[i]);
                    grads[i].close();
                    grads[i] = onArray;
                }
                pairs.add(new GradientAndVariable(grads[i], vars[i]));
            }
            optimizer.applyGradients(pairs);
        } finally {
            for (Tensor g : grads) {
                if (g != null) {
                    g.close();
                }
            }
        }
    }

    private static Tensor random(DType dtype, long[] shape, long seed) {
        Tensor t = Tensor.zeros(dtype, shape);
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (long i = 0; i < t.size(); i++) {
            t.setDouble(i, r.nextGaussian());
        }
        return t;
    }
}
