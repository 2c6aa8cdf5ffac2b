package dev.panamax.optimizers.custom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.Optimizers;
import dev.panamax.optimizers.SGD;
import dev.panamax.optimizers.SparseRows;
import dev.panamax.optimizers.VariableUpdate;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * User optimizers written outside the package, both ways Keras allows: Keras 3's
 * ({@code build} with {@code add_variable_from_reference}, {@code update_step} with
 * {@code assign_*}) and TF2's (slots, a dense and a sparse apply, a config). Each implements SGD
 * with momentum and must equal the built-in SGD bit for bit through the whole pipeline: clipping,
 * weight decay, EMA, gradient accumulation, and a config round trip.
 */
class CustomOptimizerTest {

    /** Keras 3's way: {@code velocity = velocity * momentum - g * lr; var += velocity}. */
    static final class Keras3Momentum extends Optimizer {
        final double momentum;

        Keras3Momentum(Builder b) {
            super(b, "Keras3Momentum");
            this.momentum = b.momentum;
        }

        @Override
        protected double defaultLearningRate() {
            return 0.01;
        }

        @Override
        protected void createSlots(List<Variable> variables) {
            for (Variable v : variables) {
                addVariableFromReference(v, "momentum");
            }
        }

        @Override
        protected void updateStep(Tensor gradient, Variable variable, double learningRate) {
            Tensor velocity = getSlot(variable, "momentum");
            double m = variable.dtype().round(momentum);
            tensorKernels(velocity).scale(velocity, m);
            tensorKernels(velocity).axpy(gradient, velocity, -learningRate);
            assignAdd(variable.value(), velocity);
        }

        @Override
        protected void addConfig(Map<String, Object> config) {
            super.addConfig(config);
            config.put("momentum", momentum);
        }

        static Keras3Momentum fromConfig(Map<String, ?> config) {
            Builder b = new Builder();
            Map<String, Object> rest = b.readBaseConfig(config, true, 0.01);
            b.momentum = ((Number) rest.remove("momentum")).doubleValue();
            assertTrue(rest.isEmpty(), "unknown keys " + rest);
            return b.build();
        }

        static final class Builder extends Optimizer.Builder<Builder> {
            double momentum;

            @Override
            protected Builder self() {
                return this;
            }

            @Override
            public Keras3Momentum build() {
                return new Keras3Momentum(this);
            }
        }
    }

    /** TF2's way: a slot, a dense and a sparse apply computed once per dtype, a config. */
    static final class Tf2Momentum extends Optimizer {
        final double momentum;

        Tf2Momentum(Builder b) {
            super(b, "Tf2Momentum");
            this.momentum = b.momentum;
        }

        @Override
        protected double defaultLearningRate() {
            return 0.01;
        }

        @Override
        protected void createSlots(List<Variable> variables) {
            for (Variable v : variables) {
                addSlot(v, "momentum", 0.0);
            }
        }

        @Override
        protected VariableUpdate prepare(DType dtype, double learningRate) {
            double m = dtype.round(momentum);
            return withSparse((variable, value, gradient) -> {
                Tensor velocity = getSlot(variable, "momentum");
                tensorKernels(value).kerasMomentum(value, velocity, gradient, learningRate, m, false);
            }, (variable, value, rows) -> {
                Tensor velocity = getSlot(variable, "momentum");
                forEachRow(rows, i -> kernels().kerasMomentum(dtype, rows.touchedRow(value, i), rows.touchedRow(velocity, i),
                        rows.valueRow(i), 0, rows.rowLength(), learningRate, m, false));
            });
        }

        @Override
        protected void addConfig(Map<String, Object> config) {
            super.addConfig(config);
            config.put("momentum", momentum);
        }

        static Tf2Momentum fromConfig(Map<String, ?> config) {
            Builder b = new Builder();
            Map<String, Object> rest = b.readBaseConfig(config, false, 0.01);
            b.momentum = ((Number) rest.remove("momentum")).doubleValue();
            assertTrue(rest.isEmpty(), "unknown keys " + rest);
            return b.build();
        }

        static final class Builder extends Optimizer.Builder<Builder> {
            double momentum;

            @Override
            protected Builder self() {
                return this;
            }

            @Override
            public Tf2Momentum build() {
                return new Tf2Momentum(this);
            }
        }
    }

    /** The options of the whole Keras 3 pipeline, on any builder. */
    private static <B extends Optimizer.Builder<B>> B everyStage(B b) {
        return b.learningRate(0.1).clipnorm(0.5).weightDecay(0.01).useEma(true).emaMomentum(0.9).emaOverwriteFrequency(3)
                .gradientAccumulationSteps(2).lossScaleFactor(4);
    }

    private static float[] runSteps(Optimizer o, Variable v, int steps) {
        for (int s = 0; s < steps; s++) {
            float[] g = new float[v.value().toFloatArray().length];
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) Math.sin(1 + s * 7 + i * 3) * 4;
            }
            o.apply(List.of(Tensor.wrap(g, v.shape())), List.of(v));
        }
        o.finalizeVariableValues(List.of(v));
        return v.value().toFloatArray();
    }

    private static Variable heapVariable() {
        return new Variable("dense/kernel", Tensor.wrap(new float[] {0.5f, -1, 2, 0.25f, 3, -2}, 3, 2));
    }

    @Test
    void keras3UserOptimizerEqualsBuiltInSgdThroughEveryStage() {
        Keras3Momentum.Builder b = everyStage(new Keras3Momentum.Builder()).keras3(true);
        b.momentum = 0.9;
        try (Keras3Momentum user = b.build();
             SGD sgd = everyStage(SGD.builder()).keras3(true).momentum(0.9).build()) {
            assertArrayEquals(runSteps(sgd, heapVariable(), 7), runSteps(user, heapVariable(), 7));
            assertEquals(List.of("momentum"), user.getSlotNames());
        }
    }

    @Test
    void tf2UserOptimizerEqualsBuiltInSgdDenseAndSparse() {
        Tf2Momentum.Builder b = everyStage(new Tf2Momentum.Builder());
        b.momentum = 0.9;
        try (Tf2Momentum user = b.build(); SGD sgd = everyStage(SGD.builder()).momentum(0.9).build()) {
            assertArrayEquals(runSteps(sgd, heapVariable(), 7), runSteps(user, heapVariable(), 7));
        }
        Tf2Momentum.Builder plain = new Tf2Momentum.Builder().learningRate(0.1);
        plain.momentum = 0.5;
        Variable a = new Variable("embedding", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2));
        Variable c = new Variable("embedding", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2));
        try (Tf2Momentum user = plain.build(); SGD sgd = SGD.builder().learningRate(0.1).momentum(0.5).build();
             Tensor values = Tensor.of(new float[] {1, -1, 0.5f, 2}, 2, 2)) {
            IndexedSlices rows = new IndexedSlices(values, Tensor.wrap(new int[] {2, 0}), new long[] {3, 2});
            for (int s = 0; s < 3; s++) {
                user.apply(List.of(rows), List.of(a));
                sgd.apply(List.of(rows), List.of(c));
            }
            assertArrayEquals(c.value().toFloatArray(), a.value().toFloatArray());
        } finally {
            a.value().close();
            c.value().close();
        }
    }

    @Test
    void userOptimizersRoundTripThroughTheirConfigs() {
        Optimizers.register("Custom>Keras3Momentum", Keras3Momentum.class, Keras3Momentum::fromConfig);
        Optimizers.register("Custom>Tf2Momentum", Tf2Momentum.class, Tf2Momentum::fromConfig);
        try {
            Keras3Momentum.Builder k = everyStage(new Keras3Momentum.Builder()).keras3(true);
            k.momentum = 0.9;
            Tf2Momentum.Builder t = everyStage(new Tf2Momentum.Builder());
            t.momentum = 0.9;
            for (Optimizer original : List.of(k.build(), t.build())) {
                for (Function<Optimizer, String> write : List.<Function<Optimizer, String>>of(Optimizers::toJson,
                        Optimizers::toJsonKeras3)) {
                    try (Optimizer copy = Optimizers.fromJson(write.apply(original))) {
                        assertEquals(original.getClass(), copy.getClass());
                        assertEquals(original.getConfig(), copy.getConfig());
                        assertEquals(0.01, copy.getWeightDecay());
                        assertEquals(2, copy.getGradientAccumulationSteps());
                    }
                }
                original.close();
            }
        } finally {
            Optimizers.unregister("Custom>Keras3Momentum");
            Optimizers.unregister("Custom>Tf2Momentum");
        }
    }

    @Test
    void anOptimizerWithoutUpdateStepSaysWhatToOverride() {
        class Empty extends Optimizer {
            Empty(Keras3Momentum.Builder b) {
                super(b, "Empty");
            }

            @Override
            protected double defaultLearningRate() {
                return 0.1;
            }
        }
        UnaryOperator<Keras3Momentum.Builder> id = x -> x;
        try (Empty e = new Empty(id.apply(new Keras3Momentum.Builder()))) {
            Variable v = heapVariable();
            UnsupportedOperationException error = org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                    () -> e.apply(List.of(Tensor.wrap(new float[6], 3, 2)), List.of(v)));
            assertEquals("Empty must override updateStep(gradient, variable, learningRate) or prepare(dtype, learningRate)",
                    error.getMessage());
        }
    }
}
