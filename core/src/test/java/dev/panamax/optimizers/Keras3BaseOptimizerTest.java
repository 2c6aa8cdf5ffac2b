package dev.panamax.optimizers;

import static dev.panamax.optimizers.Fixtures.assertExactly;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.schedules.PolynomialDecay;
import dev.panamax.tensor.Constraint;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Keras 3's own tests of the base optimizer, ported with their values: keras/src/optimizers/
 * optimizer_test.py, sgd_test.py and adam_test.py of Keras 3.15.1 (commit 250b421, unchanged at
 * 3422977). Where Keras compares with {@code assertAllClose}, the test also checks the exact float32
 * result of Keras's operation order.
 */
class Keras3BaseOptimizerTest {

    private static Variable matrix(String name, float... values) {
        return new Variable(name, Tensor.wrap(values.clone(), 2, 2));
    }

    private static Tensor grads(float... values) {
        return Tensor.wrap(values.clone(), 2, 2);
    }

    private static void assertClose(double[] expected, Tensor actual, double tolerance) {
        assertEquals(expected.length, actual.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.getDouble(i), tolerance, "element " + i);
        }
    }

    // ---- optimizer_test.py ---------------------------------------------------------------------------

    @Test
    void iterationsCounter() {
        Variable v = matrix("v", 1, 2, 3, 4);
        try (Adam adam = Adam.builder().keras3(true).learningRate(1.0).build()) {
            assertEquals(0, adam.getIterations());
            adam.apply(List.of(grads(1, 1, 1, 1)), List.of(v));
            assertEquals(1, adam.getIterations());
            adam.apply(List.of(grads(1, 1, 1, 1)), List.of(v));
            assertEquals(2, adam.getIterations());
        }
    }

    @Test
    void clipArgs() {
        try (SGD a = SGD.builder().keras3(true).learningRate(1.0).clipnorm(0.1).build()) {
            assertEquals(0.1, a.getClipnorm());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SGD.builder().keras3(true).learningRate(1.0).clipnorm(0.1).clipvalue(0.1).build());
        assertEquals("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: clipnorm=0.1, "
                + "clipvalue=0.1, global_clipnorm=None", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SGD.builder().keras3(true).learningRate(1.0).clipnorm(0.1).globalClipnorm(0.1).build());
    }

    /** test_clip_norm, test_clip_value, test_global_clip_norm: SGD(lr=1) from 0 moves by minus the clipped gradient. */
    @Test
    void clipping() {
        record Case(SGD.Builder builder, float[] gradient, double[] clipped) {
        }
        double n = Math.sqrt(50f * 50f + 100f * 100f);
        List<Case> cases = List.of(
                new Case(SGD.builder().clipnorm(1), new float[] {100, 100}, new double[] {Math.sqrt(2) / 2, Math.sqrt(2) / 2}),
                new Case(SGD.builder().clipvalue(1), new float[] {100, 100}, new double[] {1, 1}),
                new Case(SGD.builder().globalClipnorm(1), new float[] {50, 100}, new double[] {50 / n, 100 / n}));
        for (Case c : cases) {
            Variable v = new Variable("v", Tensor.wrap(new float[2]));
            try (SGD sgd = c.builder().keras3(true).learningRate(1.0).build()) {
                sgd.apply(List.of(Tensor.wrap(c.gradient().clone())), List.of(v));
                assertClose(new double[] {-c.clipped()[0], -c.clipped()[1]}, v.value(), 1e-6);
            }
        }
    }

    @Test
    void ema() {
        Variable v = matrix("v", 3, 4, 5, 6);
        try (SGD sgd = SGD.builder().keras3(true).learningRate(1.0).useEma(true).emaMomentum(0.9).emaOverwriteFrequency(3).build()) {
            sgd.apply(List.of(grads(1, 1, 1, 1)), List.of(v));
            assertClose(new double[] {2, 3, 4, 5}, v.value(), 0);
            Tensor average = sgd.getSlot(v, "average");
            assertClose(new double[] {2, 3, 4, 5}, average, 0); // initialized after the first step
            sgd.apply(List.of(grads(1, 1, 1, 1)), List.of(v));
            assertClose(new double[] {1, 2, 3, 4}, v.value(), 0);
            assertClose(new double[] {1.9, 2.9, 3.9, 4.9}, average, 1e-6);
            float[] expected = new float[4];
            float m = 0.9f;
            float oneMinusM = 1 - m;
            for (int i = 0; i < 4; i++) {
                // Keras's order: (m * avg) + ((1 - m) * var), in float32.
                expected[i] = m * (float) average.getDouble(i) + oneMinusM * (i + 0f);
            }
            sgd.apply(List.of(grads(1, 1, 1, 1)), List.of(v));
            // The variables were overwritten with the EMA.
            assertClose(new double[] {1.71, 2.71, 3.71, 4.71}, v.value(), 1e-6);
            assertClose(new double[] {1.71, 2.71, 3.71, 4.71}, average, 1e-6);
            assertArrayEquals(expected, v.value().toFloatArray());
        }
    }

    @Test
    void emaWithModelFit() {
        // Dense(2, kernel ones, no bias), x = 1, y = 0, mse: the gradient is the kernel itself; 2 epochs of one batch.
        Variable kernel = new Variable("dense/kernel", Tensor.wrap(new float[] {1, 1}, 1, 2));
        try (SGD sgd = SGD.builder().keras3(true).learningRate(0.1).useEma(true).emaMomentum(0.9).build()) {
            for (int epoch = 0; epoch < 2; epoch++) {
                sgd.apply(List.of(Tensor.wrap(kernel.value().toFloatArray(), 1, 2)), List.of(kernel));
            }
            sgd.finalizeVariableValues(List.of(kernel));
            assertClose(new double[] {0.891, 0.891}, sgd.getSlot(kernel, "average"), 1e-5);
            assertClose(new double[] {0.891, 0.891}, kernel.value(), 1e-5);
        }
    }

    @Test
    void constraintsAreApplied() {
        Random random = new Random(7);
        float[] values = new float[4];
        for (int i = 0; i < 4; i++) {
            values[i] = random.nextFloat() - 1;
        }
        Variable v = new Variable("v", Tensor.wrap(values, 2, 2), true, Constraint.nonNeg());
        try (SGD sgd = SGD.builder().keras3(true).learningRate(0.0001).build()) {
            sgd.apply(List.of(grads(0, 0, 0, 0)), List.of(v));
            for (float f : v.value().toFloatArray()) {
                assertEquals(0.0f, f);
            }
        }
    }

    @Test
    void staticLossScaling() {
        Variable v = matrix("v", 1, 2, 3, 4);
        try (SGD sgd = SGD.builder().keras3(true).learningRate(1.0).lossScaleFactor(1024.0).build()) {
            Tensor scaled = grads(1024, 2048, 3072, 4096);
            sgd.apply(List.of(scaled), List.of(v));
            assertEquals(1024.0, sgd.scaleLoss(1.0));
            assertClose(new double[] {0, 0, 0, 0}, v.value(), 0);
            assertClose(new double[] {1024, 2048, 3072, 4096}, scaled, 0); // the caller's gradient is not touched
        }
    }

    /** test_set_weights: Keras 3's set_weights(optimizer.variables) is load_own_variables here. */
    @Test
    void setWeightsThroughOwnVariables() {
        Variable x = matrix("x", 1, 2, 3, 4);
        try (Adam one = Adam.builder().keras3(true).build(); Adam two = Adam.builder().keras3(true).build()) {
            one.apply(List.of(grads(1, 2, 3, 4)), List.of(x));
            Map<String, Tensor> store = new java.util.LinkedHashMap<>();
            one.saveOwnVariables(store);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> two.loadOwnVariables(store));
            assertEquals("Skipping variable loading for optimizer 'adam', because it has 2 variables whereas the saved optimizer "
                    + "has 4 variables. ", e.getMessage());
            two.build(List.of(x));
            two.loadOwnVariables(store);
            List<dev.panamax.optimizers.state.OptimizerVariable> a = one.variables();
            List<dev.panamax.optimizers.state.OptimizerVariable> b = two.variables();
            for (int i = 0; i < a.size(); i++) {
                assertEquals(a.get(i).path(), b.get(i).path());
                assertArrayEquals(Fixtures.bits(a.get(i).value()), Fixtures.bits(b.get(i).value()), a.get(i).path());
            }
        }
    }

    @Test
    void gradientAccumulation() {
        Variable v = matrix("v", 1, 2, 3, 4);
        try (SGD sgd = SGD.builder().keras3(true).learningRate(1.0).gradientAccumulationSteps(3).build()) {
            assertEquals(3, sgd.getGradientAccumulationSteps());
            double[][] values = {{1, 2, 3, 4}, {1, 2, 3, 4}, {0, 1, 2, 3}, {0, 1, 2, 3}};
            double[][] accumulators = {{1, 1, 1, 1}, {2, 2, 2, 2}, {0, 0, 0, 0}, {1, 1, 1, 1}};
            long[] iterations = {0, 0, 1, 1};
            for (int call = 0; call < 4; call++) {
                sgd.apply(List.of(grads(1, 1, 1, 1)), List.of(v));
                assertClose(values[call], v.value(), 0);
                assertClose(accumulators[call], sgd.getSlot(v, "gradient_accumulator"), 0);
                assertEquals(call + 1, sgd.getCalls());
                assertEquals(iterations[call], sgd.getIterations());
            }
        }
    }

    /** test_gradient_accumulation_with_weigth_decay: 3 accumulated batches equal one step on their mean. */
    @Test
    void gradientAccumulationWithWeightDecay() {
        for (String name : Optimizers.builtInNames()) {
            Map<String, Object> plain = new java.util.LinkedHashMap<>(Map.of("weight_decay", 0.05));
            Map<String, Object> accumulating = new java.util.LinkedHashMap<>(Map.of("weight_decay", 0.05,
                    "gradient_accumulation_steps", 3));
            Random random = new Random(42);
            Variable one = new Variable("v", Tensor.wrap(new float[] {0.9f, 0.5f}, 2, 1));
            Variable three = new Variable("v", Tensor.wrap(new float[] {0.9f, 0.5f}, 2, 1));
            try (Optimizer o1 = Optimizers.deserialize(Fixtures.keras3Form(name, plain));
                 Optimizer o3 = Optimizers.deserialize(Fixtures.keras3Form(name, accumulating))) {
                for (int epoch = 0; epoch < 8; epoch++) {
                    float[][] batches = new float[3][2];
                    float[] mean = new float[2];
                    for (int b = 0; b < 3; b++) {
                        for (int i = 0; i < 2; i++) {
                            batches[b][i] = random.nextFloat();
                        }
                    }
                    for (int i = 0; i < 2; i++) {
                        mean[i] = (batches[0][i] + batches[1][i] + batches[2][i]) / 3;
                    }
                    o1.apply(List.of(Tensor.wrap(mean, 2, 1)), List.of(one));
                    for (float[] batch : batches) {
                        o3.apply(List.of(Tensor.wrap(batch, 2, 1)), List.of(three));
                    }
                }
                assertClose(one.value().toDoubleArray(), three.value(), 1e-5);
            }
        }
    }

    @Test
    void callableLearningRate() {
        Variable v = matrix("v", 1, 2, 3, 4);
        try (SGD sgd = SGD.builder().keras3(true).learningRate(() -> 0.1).build()) {
            assertEquals(0, sgd.getIterations());
            sgd.apply(List.of(grads(1, 1, 1, 1)), List.of(v));
            assertClose(new double[] {0.9, 1.9, 2.9, 3.9}, v.value(), 1e-6);
            assertEquals(1, sgd.getIterations());
        }
    }

    @Test
    void settingTheLearningRateToAScheduleUntracksItsVariable() {
        try (Adam adam = Adam.builder().keras3(true).learningRate(0.001).build()) {
            assertEquals(2, adam.variables().size());
            adam.setLearningRate(new PolynomialDecay(0.001, 4));
            assertEquals(1, adam.variables().size());
        }
    }

    // ---- sgd_test.py / adam_test.py --------------------------------------------------------------------

    @Test
    void sgdSingleStep() {
        try (SGD sgd = SGD.builder().keras3(true).learningRate(0.5).build()) {
            assertEquals(2, sgd.variables().size());
            Variable v = new Variable("v", Tensor.wrap(new float[] {1, 2, 3, 4}));
            sgd.build(List.of(v));
            sgd.apply(List.of(Tensor.wrap(new float[] {1, 6, 7, 2})), List.of(v));
            assertClose(new double[] {0.5, -1, -0.5, 3}, v.value(), 1e-4);
            assertEquals(2, sgd.variables().size());
            assertEquals(1.0, sgd.variables().get(0).value().getDouble(0));
            assertEquals(0.5, sgd.variables().get(1).value().getDouble(0));
        }
    }

    /** test_weight_decay of SGD and Adam: var1 is decayed by three optimizers, 2 * 0.996^3 = 1.9760959. */
    @Test
    void weightDecay() {
        Fixtures.assertKeras3WeightDecay(() -> SGD.builder().keras3(true).learningRate(1.0).weightDecay(0.004).build());
        Fixtures.assertKeras3WeightDecay(() -> Adam.builder().keras3(true).learningRate(1.0).weightDecay(0.004).build());
    }

    @Test
    void adamSingleStepAndGolden() {
        Variable v = new Variable("v", Tensor.wrap(new float[] {1, 2, 3, 4}));
        try (Adam adam = Adam.builder().keras3(true).learningRate(0.5).build()) {
            adam.apply(List.of(Tensor.wrap(new float[] {1, 6, 7, 2})), List.of(v));
            assertClose(new double[] {0.5, 1.5, 2.5, 3.5}, v.value(), 1e-4);
        }
        // test_correctness_with_golden (amsgrad, default learning rate).
        float[] ones = new float[10];
        java.util.Arrays.fill(ones, 1);
        Variable x = new Variable("x", Tensor.wrap(ones));
        float[] g = new float[10];
        float[] first = new float[10];
        for (int i = 0; i < 10; i++) {
            g[i] = 0.1f * (i + 1);
            first[i] = 0.01f;
        }
        double[] golden = {0.999, 0.9982, 0.9974, 0.9965, 0.9955};
        try (Adam adam = Adam.builder().keras3(true).amsgrad(true).build()) {
            adam.apply(List.of(Tensor.wrap(first)), List.of(x));
            for (double expected : golden) {
                for (int i = 0; i < 10; i++) {
                    assertEquals(expected, x.value().getDouble(i), 5e-4 + 5e-4 * expected);
                }
                adam.apply(List.of(Tensor.wrap(g.clone())), List.of(x));
            }
        }
    }

    @Test
    void adamEmaAndOverwriteFrequency() {
        Variable var = new Variable("var", Tensor.wrap(new float[] {1, 2}));
        Variable plain = new Variable("plain", Tensor.wrap(new float[] {1, 2}));
        try (Adam ema = Adam.builder().keras3(true).learningRate(1.0).useEma(true).emaMomentum(0.9).emaOverwriteFrequency(2).build();
             Adam noEma = Adam.builder().keras3(true).learningRate(1.0).build()) {
            ema.apply(List.of(Tensor.wrap(new float[] {0.1f, 0.2f})), List.of(var));
            noEma.apply(List.of(Tensor.wrap(new float[] {0.1f, 0.2f})), List.of(plain));
            float[] v1 = plain.value().toFloatArray();
            assertArrayEquals(v1, var.value().toFloatArray()); // not overwritten yet
            ema.apply(List.of(Tensor.wrap(new float[] {0.1f, 0.2f})), List.of(var));
            noEma.apply(List.of(Tensor.wrap(new float[] {0.1f, 0.2f})), List.of(plain));
            float[] v2 = plain.value().toFloatArray();
            float[] expected = {0.9f * v1[0] + (1 - 0.9f) * v2[0], 0.9f * v1[1] + (1 - 0.9f) * v2[1]};
            assertArrayEquals(expected, var.value().toFloatArray()); // updated to v2, then overwritten by the EMA
            assertArrayEquals(expected, ema.getSlot(var, "average").toFloatArray());
        }
    }

    // ---- variables, config, bad input -----------------------------------------------------------------

    @Test
    void variablesInKeras3OrderWithKeras3Paths() {
        Variable kernel = new Variable("dense/kernel", Tensor.wrap(new float[4], 2, 2));
        Variable bias = new Variable("dense/bias", Tensor.wrap(new float[2]));
        try (SGD sgd = SGD.builder().keras3(true).momentum(0.9).useEma(true).gradientAccumulationSteps(2).build()) {
            sgd.build(List.of(kernel, bias));
            List<String> paths = new ArrayList<>();
            sgd.variables().forEach(v -> paths.add(v.path()));
            // Keras 3.15, verified by running its source: SGD(momentum=0.9, use_ema=True, gradient_accumulation_steps=2).
            assertEquals(List.of("sgd/iteration", "sgd/learning_rate", "sgd/dense_kernel_average", "sgd/dense_bias_average",
                    "sgd/dense_kernel_gradient_accumulator", "sgd/dense_bias_gradient_accumulator", "sgd/dense_kernel_momentum",
                    "sgd/dense_bias_momentum"), paths);
            assertEquals("dense_kernel_momentum", sgd.variables().get(6).name());
            assertEquals(DType.INT64, sgd.variables().get(0).value().dtype());
            assertEquals(0, sgd.variables().get(0).value().rank());
        }
    }

    @Test
    void keras3ConfigHasEveryBaseKeyAndRoundTrips() {
        try (Adam adam = Adam.builder().keras3(true).name("adam").learningRate(0.5).amsgrad(true).build()) {
            // Keras 3.15's Adam(learning_rate=0.5, amsgrad=True).get_config(), verified by running it.
            Map<String, Object> expected = new java.util.LinkedHashMap<>();
            expected.put("name", "adam");
            expected.put("learning_rate", 0.5);
            expected.put("weight_decay", null);
            expected.put("clipnorm", null);
            expected.put("global_clipnorm", null);
            expected.put("clipvalue", null);
            expected.put("use_ema", false);
            expected.put("ema_momentum", 0.99);
            expected.put("ema_overwrite_frequency", null);
            expected.put("loss_scale_factor", null);
            expected.put("gradient_accumulation_steps", null);
            expected.put("beta_1", 0.9);
            expected.put("beta_2", 0.999);
            expected.put("epsilon", 1e-7);
            expected.put("amsgrad", true);
            assertEquals(expected, adam.getConfig());
            assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(adam.getConfig().keySet()));
            try (Optimizer copy = Optimizers.fromJson(Optimizers.toJson(adam))) {
                assertTrue(copy.isKeras3());
                assertEquals(expected, copy.getConfig());
            }
        }
        try (SGD sgd = SGD.builder().keras3(true).learningRate(0.5).momentum(0.06).nesterov(true).weightDecay(0.004)
                .useEma(true).emaOverwriteFrequency(3).gradientAccumulationSteps(4).lossScaleFactor(8).build();
             Optimizer copy = Optimizers.fromJson(Optimizers.toJson(sgd))) {
            assertEquals(sgd.getConfig(), copy.getConfig());
            assertEquals(0.004, copy.getConfig().get("weight_decay"));
            assertEquals(4, copy.getGradientAccumulationSteps());
        }
    }

    @Test
    void keras3ConfigErrorsHaveKerasMessages() {
        assertEquals("Argument(s) not recognized: {'lr': 0.1}", keras3Error("SGD", Map.of("lr", 0.1)));
        assertEquals("Argument(s) not recognized: {'foo': 'bar'}", keras3Error("Adam", Map.of("foo", "bar")));
        assertEquals("Argument `learning_rate` should be float, or an instance of LearningRateSchedule, or a callable (that "
                + "takes in the current iteration value and returns the corresponding learning rate value). Received instead: "
                + "learning_rate=1", keras3Error("SGD", Map.of("learning_rate", 1)));
        assertEquals("`gradient_accumulation_steps` must be an integer >= 2. Received: gradient_accumulation_steps=1",
                keras3Error("SGD", Map.of("gradient_accumulation_steps", 1)));
        assertEquals("`ema_momentum` must be in the range [0, 1]. Received: ema_momentum=1.5",
                keras3Error("SGD", Map.of("use_ema", true, "ema_momentum", 1.5)));
        assertEquals("`ema_overwrite_frequency` must be an integer >= 1 or None. Received: ema_overwrite_frequency=0.5",
                keras3Error("SGD", Map.of("use_ema", true, "ema_overwrite_frequency", 0.5)));
        assertEquals("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: clipnorm=1.0, "
                + "clipvalue=1.0, global_clipnorm=None", keras3Error("SGD", Map.of("clipnorm", 1.0, "clipvalue", 1.0)));
        // decay is dropped with Keras 3's warning, not applied.
        try (Optimizer sgd = Optimizers.deserialize(Fixtures.keras3Form("SGD", Map.of("decay", 0.5)))) {
            assertEquals(0.0, sgd.getDecay());
        }
    }

    private static String keras3Error(String className, Map<String, Object> config) {
        return assertThrows(IllegalArgumentException.class, () -> Optimizers.deserialize(Fixtures.keras3Form(className, config))).getMessage();
    }

    @Test
    void badInputChangesNothing() {
        Variable v = matrix("dense/kernel", 1, 2, 3, 4);
        try (Adam adam = Adam.builder().keras3(true).weightDecay(0.1).build()) {
            // An exclusion that names no variable is refused at the build, before any slot exists.
            adam.excludeFromWeightDecay(null, List.of("bias"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> adam.apply(List.of(grads(1, 1, 1, 1)), List.of(v)));
            assertEquals("exclude_from_weight_decay: var_names entry 'bias' matches none of the optimizer's variable names "
                    + "[kernel]", e.getMessage());
            assertEquals(2, adam.variables().size());
            assertClose(new double[] {1, 2, 3, 4}, v.value(), 0);
            adam.excludeFromWeightDecay(null, List.of("kern"));
            adam.apply(List.of(grads(1, 1, 1, 1)), List.of(v));
            List<long[]> before = Fixtures.snapshot(adam, List.of(v));
            // A store with the wrong count or a wrong shape, a stateless call with the wrong count: nothing changes.
            Map<String, Tensor> store = new java.util.LinkedHashMap<>();
            adam.saveOwnVariables(store);
            store.put("2", Tensor.wrap(new float[3]));
            e = assertThrows(IllegalArgumentException.class, () -> adam.loadOwnVariables(store));
            assertTrue(e.getMessage().startsWith("Optimizer weight shape [2, 2] not compatible with provided weight shape [3]"),
                    e.getMessage());
            store.remove("3");
            assertThrows(IllegalArgumentException.class, () -> adam.loadOwnVariables(store));
            e = assertThrows(IllegalArgumentException.class,
                    () -> adam.statelessApply(List.of(), List.of(grads(1, 1, 1, 1)), List.of(v.value())));
            assertEquals("Argument `optimizer_variables` must be a list of tensors corresponding 1:1 to Adam().variables. "
                    + "Received list with length 0, but expected 4 variables.", e.getMessage());
            Fixtures.assertSameSnapshot(before, Fixtures.snapshot(adam, List.of(v)));
        }
        assertThrows(IllegalArgumentException.class, () -> SGD.builder().gradientAccumulationSteps(1).build());
    }

    @Test
    void statelessApplyEqualsApplyAndChangesNothing() {
        Variable a = matrix("a", 1, 2, 3, 4);
        Variable b = matrix("b", 1, 2, 3, 4);
        try (Adam stateless = Adam.builder().keras3(true).learningRate(0.1).useEma(true).build();
             Adam stateful = Adam.builder().keras3(true).learningRate(0.1).useEma(true).build()) {
            stateless.build(List.of(a));
            stateful.build(List.of(b));
            List<Tensor> state = new ArrayList<>();
            stateless.variables().forEach(v -> state.add(v.value().copyToHeap()));
            Tensor value = a.value().copyToHeap();
            List<long[]> before = Fixtures.snapshot(stateless, List.of(a));
            Tensor gradient = grads(0.5f, -1, 2, 0.25f);
            StatelessResult result = stateless.statelessApply(state, List.of(gradient), List.of(value));
            Fixtures.assertSameSnapshot(before, Fixtures.snapshot(stateless, List.of(a)));
            assertArrayEquals(new float[] {1, 2, 3, 4}, value.toFloatArray());
            stateful.apply(List.of(gradient), List.of(b));
            assertArrayEquals(Fixtures.bits(b.value()), Fixtures.bits(result.trainableVariables().get(0)));
            for (int i = 0; i < stateful.variables().size(); i++) {
                assertArrayEquals(Fixtures.bits(stateful.variables().get(i).value()), Fixtures.bits(result.optimizerVariables().get(i)));
            }
        }
    }

    @Test
    void saveAndLoadOwnVariablesRoundTrip() {
        Variable v = matrix("v", 1, 2, 3, 4);
        Variable w = matrix("v", 0, 0, 0, 0);
        try (RMSprop one = RMSprop.builder().keras3(true).momentum(0.5).centered(true).build();
             RMSprop two = RMSprop.builder().keras3(true).momentum(0.5).centered(true).build()) {
            one.apply(List.of(grads(1, -2, 3, 0.5f)), List.of(v));
            Map<String, Tensor> store = new java.util.LinkedHashMap<>();
            one.saveOwnVariables(store);
            assertEquals(List.of("0", "1", "2", "3", "4"), new ArrayList<>(store.keySet()));
            w.value().copyFrom(v.value());
            two.build(List.of(w));
            two.loadOwnVariables(store);
            assertEquals(1, two.getIterations());
            // From the same state, the next step is the same bit for bit.
            one.apply(List.of(grads(0.5f, 1, -1, 2)), List.of(v));
            two.apply(List.of(grads(0.5f, 1, -1, 2)), List.of(w));
            assertArrayEquals(Fixtures.bits(v.value()), Fixtures.bits(w.value()));
            for (int i = 0; i < one.variables().size(); i++) {
                assertArrayEquals(Fixtures.bits(one.variables().get(i).value()), Fixtures.bits(two.variables().get(i).value()));
            }
        }
    }

    @Test
    void minimizeAppliesTheGradientsOfTheListedVariables() {
        Variable x = new Variable("x", Tensor.wrap(new float[] {3}));
        try (SGD sgd = SGD.builder().learningRate(0.25).build()) {
            // loss = x^2, gradient 2x
            double loss = sgd.minimize(() -> new LossAndGradients(x.value().getDouble(0) * x.value().getDouble(0),
                    Map.of(x, Tensor.wrap(new float[] {(float) (2 * x.value().getDouble(0))}))), List.of(x));
            assertEquals(9.0, loss);
            assertExactly(new double[] {1.5}, x.value(), "x after one step");
            assertEquals(1, sgd.getIterations());
        }
    }
}
