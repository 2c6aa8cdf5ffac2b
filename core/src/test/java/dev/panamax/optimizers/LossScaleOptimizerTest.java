package dev.panamax.optimizers;

import static dev.panamax.optimizers.Fixtures.assertSameSnapshot;
import static dev.panamax.optimizers.Fixtures.bits;
import static dev.panamax.optimizers.Fixtures.snapshot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.internal.Python;
import dev.panamax.optimizers.state.OptimizerVariable;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keras 3's LossScaleOptimizer. The tests marked {@code loss_scale_optimizer_test.py} port Keras
 * 3.15.1's keras/src/optimizers/loss_scale_optimizer_test.py (unchanged at 3422977) with its
 * values, each in its stateful and stateless form (Keras runs one or the other per backend);
 * values marked "Keras 3.15.1 (JAX)" were printed by Keras itself. Keras's
 * {@code test_finite_step_with_overwrite} is not ported: this library has no
 * {@code overwrite_with_gradient} variables.
 */
class LossScaleOptimizerTest {

    private static SGD sgd(double learningRate) {
        return SGD.builder().keras3(true).learningRate(learningRate).build();
    }

    private static Variable vector(String name, float... values) {
        return new Variable(name, Tensor.wrap(values.clone()));
    }

    private static Tensor floats(float... values) {
        return Tensor.wrap(values.clone());
    }

    /** Keras's {@code ops.array([1.0, 6.0, 7.0, 2.0]) * factor}, in float32. */
    private static Tensor scaledGrads(double factor) {
        float f = (float) factor;
        return floats(1 * f, 6 * f, 7 * f, 2 * f);
    }

    private static List<Tensor> valuesOf(List<OptimizerVariable> variables) {
        List<Tensor> out = new ArrayList<>();
        variables.forEach(v -> out.add(v.value().copyToHeap()));
        return out;
    }

    /** Keras's {@code for ref_v, v in zip(optimizer.variables, opt_var_values): ref_v.assign(v)}. */
    private static void assignAll(Optimizer opt, List<Tensor> values) {
        Map<String, Tensor> store = new LinkedHashMap<>();
        for (int i = 0; i < values.size(); i++) {
            store.put(String.valueOf(i), values.get(i));
        }
        opt.loadOwnVariables(store);
    }

    /** One step, stateful ({@code apply}) or stateless ({@code stateless_apply}, whose results are assigned back, as Keras's tests do). */
    private static void step(LossScaleOptimizer opt, boolean stateless, Tensor grad, Variable v) {
        if (!stateless) {
            opt.apply(List.of(grad), List.of(v));
            return;
        }
        opt.build(List.of(v));
        StatelessResult r = opt.statelessApply(valuesOf(opt.variables()), List.of(grad), List.of(v.value().copyToHeap()));
        v.value().copyFrom(r.trainableVariables().get(0));
        assignAll(opt, r.optimizerVariables());
    }

    // ---- loss_scale_optimizer_test.py ----------------------------------------------------------------

    /** test_config: run_class_serialization_test, config to object to the same config. */
    @Test
    void configOfAWrappedSgdWithWeightDecayRoundTrips() {
        SGD inner = SGD.builder().keras3(true).learningRate(0.5).momentum(0.06).nesterov(true).weightDecay(0.004).build();
        try (LossScaleOptimizer opt = new LossScaleOptimizer(inner);
             LossScaleOptimizer back = LossScaleOptimizer.fromConfig(opt.getConfig());
             Optimizer json = Optimizers.fromJson(Optimizers.toJson(opt))) {
            assertEquals(opt.getConfig(), back.getConfig());
            assertEquals(opt.getConfig(), json.getConfig());
            assertTrue(json instanceof LossScaleOptimizer);
            assertEquals(0.004, ((LossScaleOptimizer) json).getInnerOptimizer().getWeightDecay());
        }
    }

    /** test_apply_with_no_vars. */
    @Test
    void applyWithNoVariables() {
        Variable v = vector("v", 1, 2, 3, 4);
        try (LossScaleOptimizer opt = new LossScaleOptimizer(sgd(0.5))) {
            opt.build(List.of(v));
            opt.apply(List.of(scaledGrads(opt.getInitialScale())));
            assertArrayEquals(new float[] {0.5f, -1, -0.5f, 3}, v.value().toFloatArray());
        }
    }

    /** test_finite_step, stateful and stateless; the stateless form changes nothing it holds or is given. */
    @Test
    void finiteStep() {
        for (boolean stateless : new boolean[] {false, true}) {
            Variable v = vector("v", 1, 2, 3, 4);
            try (LossScaleOptimizer opt = new LossScaleOptimizer(sgd(0.5))) {
                Tensor grad = scaledGrads(opt.getInitialScale());
                if (stateless) {
                    opt.build(List.of(v));
                    List<long[]> before = snapshot(opt, List.of(v));
                    StatelessResult r = opt.statelessApply(valuesOf(opt.variables()), List.of(grad), List.of(v.value().copyToHeap()));
                    assertArrayEquals(new float[] {0.5f, -1, -0.5f, 3}, r.trainableVariables().get(0).toFloatArray());
                    assertSameSnapshot(before, snapshot(opt, List.of(v)));
                    // own iteration, learning_rate, step_counter, dynamic_scale; sgd's iteration, learning_rate.
                    assertEquals(List.of(0.0, 0.0, 1.0, 32768.0, 1.0, 0.5),
                            r.optimizerVariables().stream().map(t -> t.getDouble(0)).toList());
                } else {
                    opt.apply(List.of(grad), List.of(v));
                    assertArrayEquals(new float[] {0.5f, -1, -0.5f, 3}, v.value().toFloatArray());
                }
                assertArrayEquals(new float[] {32768, 6 * 32768f, 7 * 32768f, 2 * 32768f}, grad.toFloatArray(), "caller's gradient");
            }
        }
    }

    /** test_finite_step_with_inner_loss_scale: the inner optimizer's loss_scale_factor is cleared, as Keras does. */
    @Test
    void innerLossScaleFactorDoesNotInterfere() {
        for (boolean stateless : new boolean[] {false, true}) {
            Variable v = vector("v", 1, 2, 3, 4);
            SGD inner = SGD.builder().keras3(true).learningRate(0.5).lossScaleFactor(100).build();
            try (LossScaleOptimizer opt = new LossScaleOptimizer(inner)) {
                assertNull(inner.getLossScaleFactor());
                assertNull(inner.getConfig().get("loss_scale_factor"));
                assertEquals(3.0, inner.scaleLoss(3.0));
                step(opt, stateless, scaledGrads(opt.getInitialScale()), v);
                assertArrayEquals(new float[] {0.5f, -1, -0.5f, 3}, v.value().toFloatArray(), "stateless " + stateless);
            }
        }
    }

    /** test_infinite_step. */
    @Test
    void infiniteStepChangesNoVariable() {
        for (boolean stateless : new boolean[] {false, true}) {
            Variable v = vector("v", 1, 2, 3, 4);
            try (LossScaleOptimizer opt = new LossScaleOptimizer(sgd(0.5))) {
                float inf = Float.POSITIVE_INFINITY;
                step(opt, stateless, floats(inf, inf, inf, inf), v);
                assertArrayEquals(new float[] {1, 2, 3, 4}, v.value().toFloatArray(), "stateless " + stateless);
                assertEquals(16384.0, opt.getDynamicScale());
                assertEquals(0, opt.getIterations());
            }
        }
    }

    /** test_downscaling: four non-finite steps from 400 leave 25. */
    @Test
    void downscaling() {
        for (boolean stateless : new boolean[] {false, true}) {
            Variable v = vector("v", 1, 2, 3, 4);
            try (LossScaleOptimizer opt = LossScaleOptimizer.builder(sgd(0.5)).initialScale(400.0).build()) {
                opt.build(List.of(v));
                float inf = Float.POSITIVE_INFINITY;
                for (int i = 0; i < 4; i++) {
                    step(opt, stateless, floats(inf, inf, inf, inf), v);
                }
                assertEquals(25.0, opt.scaleLoss(1.0), "stateless " + stateless);
            }
        }
    }

    /** test_upscaling: eight finite steps from 2, doubling every 2, give 32. */
    @Test
    void upscaling() {
        for (boolean stateless : new boolean[] {false, true}) {
            Variable v = vector("v", 1, 2, 3, 4);
            try (LossScaleOptimizer opt = LossScaleOptimizer.builder(sgd(0.5)).initialScale(2.0).dynamicGrowthSteps(2).build()) {
                opt.build(List.of(v));
                for (int i = 0; i < 8; i++) {
                    step(opt, stateless, floats(1, 6, 7, 2), v);
                }
                assertEquals(32.0, opt.scaleLoss(1.0), "stateless " + stateless);
            }
        }
    }

    /** test_iterations_update: iterations are the inner optimizer's. */
    @Test
    void iterationsUpdate() {
        for (boolean stateless : new boolean[] {false, true}) {
            Variable v = vector("v", 1, 2, 3, 4);
            try (LossScaleOptimizer opt = new LossScaleOptimizer(sgd(0.5))) {
                opt.build(List.of(v));
                assertEquals(0, opt.getIterations());
                for (int i = 0; i < 3; i++) {
                    step(opt, stateless, floats(1, 6, 7, 2), v);
                    assertEquals(i + 1, opt.getIterations());
                    assertEquals(i + 1, opt.getInnerOptimizer().getIterations());
                }
                assertEquals(0, opt.getCalls(), "the wrapper's own iteration never moves");
            }
        }
    }

    /** test_serialization. */
    @Test
    void serialization() {
        try (LossScaleOptimizer opt = LossScaleOptimizer.builder(sgd(0.5)).initialScale(3.0).dynamicGrowthSteps(2).name("test_opt")
                .build()) {
            Map<String, Object> config = opt.getConfig();
            assertEquals(4, config.size());
            assertEquals("test_opt", config.get("name"));
            assertEquals(3.0, config.get("initial_scale"));
            assertEquals(2, config.get("dynamic_growth_steps"));
            assertTrue(config.containsKey("inner_optimizer"));
            try (LossScaleOptimizer back = LossScaleOptimizer.fromConfig(config)) {
                assertEquals(config, back.getConfig());
                assertEquals(3.0, back.getInitialScale());
                assertEquals(2, back.getDynamicGrowthSteps());
            }
        }
    }

    /** test_init_dynamic_arg: {@code dynamic=True} is accepted, a false one refused. */
    @Test
    void dynamicArgument() {
        Map<String, Object> config = keras3Config(sgd(0.5));
        config.put("dynamic", true);
        try (LossScaleOptimizer opt = LossScaleOptimizer.fromConfig(config)) {
            assertFalse(opt.getConfig().containsKey("dynamic"));
        }
        for (Object falsy : new Object[] {false, null, 0, ""}) {
            config.put("dynamic", falsy);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LossScaleOptimizer.fromConfig(config));
            assertEquals("LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set `loss_scale_factor` directly "
                    + "on the `inner_optimizer`.", e.getMessage(), "dynamic=" + falsy);
        }
    }

    /** test_init_unsupported_arg. */
    @Test
    void unsupportedArguments() {
        Map<String, Object> config = keras3Config(sgd(0.5));
        config.put("foo", true);
        config.put("bar", 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LossScaleOptimizer.fromConfig(config));
        assertEquals("LossScaleOptimizer does not support arguments: `foo`, `bar`.", e.getMessage());
        // The builder's own options that Keras 3's LossScaleOptimizer does not take.
        e = assertThrows(IllegalArgumentException.class,
                () -> LossScaleOptimizer.builder(sgd(0.5)).learningRate(0.1).decay(0.5).build());
        assertEquals("LossScaleOptimizer does not support arguments: `learning_rate`, `decay`.", e.getMessage());
        config.remove("foo");
        config.remove("bar");
        config.put("learning_rate", 0.0);
        e = assertThrows(IllegalArgumentException.class, () -> LossScaleOptimizer.fromConfig(config));
        assertEquals("LossScaleOptimizer does not support arguments: `learning_rate`.", e.getMessage());
    }

    /** test_init_base_optimizer_unsupported_args: each base option, set away from its default, in a config and on the builder. */
    @Test
    void baseOptimizerArgumentsBelongOnTheInnerOptimizer() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("weight_decay", 0.5);
        values.put("clipnorm", 0.5);
        values.put("global_clipnorm", 0.5);
        values.put("clipvalue", 0.5);
        values.put("use_ema", true);
        values.put("ema_momentum", 0.5);
        values.put("ema_overwrite_frequency", 2);
        values.put("loss_scale_factor", 0.5);
        values.put("gradient_accumulation_steps", 2);
        List<LossScaleOptimizer.Builder> builders = List.of(
                LossScaleOptimizer.builder(sgd(0.5)).weightDecay(0.5),
                LossScaleOptimizer.builder(sgd(0.5)).clipnorm(0.5),
                LossScaleOptimizer.builder(sgd(0.5)).globalClipnorm(0.5),
                LossScaleOptimizer.builder(sgd(0.5)).clipvalue(0.5),
                LossScaleOptimizer.builder(sgd(0.5)).useEma(true),
                LossScaleOptimizer.builder(sgd(0.5)).emaMomentum(0.5),
                LossScaleOptimizer.builder(sgd(0.5)).emaOverwriteFrequency(2),
                LossScaleOptimizer.builder(sgd(0.5)).lossScaleFactor(0.5),
                LossScaleOptimizer.builder(sgd(0.5)).gradientAccumulationSteps(2));
        int i = 0;
        for (Map.Entry<String, Object> arg : values.entrySet()) {
            String expected = "LossScaleOptimizer does not support `" + arg.getKey() + "`. Instead, set `" + arg.getKey()
                    + "` on the `inner_optimizer`.";
            Map<String, Object> config = keras3Config(sgd(0.5));
            config.put(arg.getKey(), arg.getValue());
            assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> LossScaleOptimizer.fromConfig(config)).getMessage());
            LossScaleOptimizer.Builder b = builders.get(i++);
            assertEquals(expected, assertThrows(IllegalArgumentException.class, b::build).getMessage());
        }
        // Keras checks in its own order, whatever the config's.
        Map<String, Object> config = keras3Config(sgd(0.5));
        config.put("clipvalue", 1.0);
        config.put("weight_decay", 0.1);
        assertEquals("LossScaleOptimizer does not support `weight_decay`. Instead, set `weight_decay` on the `inner_optimizer`.",
                assertThrows(IllegalArgumentException.class, () -> LossScaleOptimizer.fromConfig(config)).getMessage());
        try (LossScaleOptimizer opt = new LossScaleOptimizer(sgd(0.5))) {
            assertEquals("LossScaleOptimizer does not support `clipnorm`. Instead, set `clipnorm` on the `inner_optimizer`.",
                    assertThrows(IllegalArgumentException.class, () -> opt.setClipnorm(1.0)).getMessage());
            assertThrows(IllegalArgumentException.class, () -> opt.setGlobalClipnorm(1.0));
        }
    }

    /** test_deserialization_backwards_compatibility: every base option at its default is accepted. */
    @Test
    void deserializationBackwardsCompatibility() {
        Map<String, Object> innerConfig = new LinkedHashMap<>();
        innerConfig.put("name", "SGD");
        innerConfig.put("learning_rate", 0.5);
        putBaseDefaults(innerConfig);
        innerConfig.put("momentum", 0.0);
        innerConfig.put("nesterov", false);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", "loss_scale_optimizer");
        putBaseDefaults(config);
        config.put("inner_optimizer", Fixtures.keras3Form("SGD", innerConfig));
        config.put("initial_scale", 2.0);
        config.put("dynamic_growth_steps", 2);
        try (LossScaleOptimizer opt = LossScaleOptimizer.fromConfig(config)) {
            assertEquals(2.0, opt.getInitialScale());
            assertEquals(2, opt.getDynamicGrowthSteps());
            assertEquals("SGD", opt.getInnerOptimizer().getName());
            assertEquals(4, opt.getConfig().size());
        }
    }

    private static void putBaseDefaults(Map<String, Object> config) {
        config.put("weight_decay", null);
        config.put("clipnorm", null);
        config.put("global_clipnorm", null);
        config.put("clipvalue", null);
        config.put("use_ema", false);
        config.put("ema_momentum", 0.99);
        config.put("ema_overwrite_frequency", null);
        config.put("loss_scale_factor", null);
        config.put("gradient_accumulation_steps", null);
    }

    // ---- values printed by Keras 3.15.1 (JAX) --------------------------------------------------------

    /** SGD(1), initial_scale 2, growth 1, gradient 4 each step: w 0 -> -2 (4/2), -3 (4/4), -3.5 (4/8); the scale 4, 8, 16. */
    @Test
    void scaleDoublesEveryFiniteStepWithGrowthOne() {
        for (boolean stateless : new boolean[] {false, true}) {
            Variable w = vector("w", 0);
            try (LossScaleOptimizer opt = LossScaleOptimizer.builder(sgd(1.0)).initialScale(2).dynamicGrowthSteps(1).build()) {
                float[] expectedW = {-2, -3, -3.5f};
                double[] expectedScale = {4, 8, 16};
                for (int i = 0; i < 3; i++) {
                    step(opt, stateless, floats(4), w);
                    assertEquals(expectedW[i], w.value().toFloatArray()[0]);
                    assertEquals(expectedScale[i], opt.getDynamicScale());
                    assertEquals(0, opt.getStepCounter());
                }
            }
        }
    }

    /** Finite, inf, finite from 32768, gradients times 32768: inner iterations 1, 1, 2; step_counter 1, 0, 1; scale 32768, 16384, 16384. */
    @Test
    void nonFiniteStepResetsTheCounterAndHalvesTheScale() {
        Variable v = vector("v", 1, 2, 3, 4);
        try (LossScaleOptimizer opt = new LossScaleOptimizer(sgd(0.5))) {
            Tensor[] grads = {scaledGrads(32768), floats(1, Float.POSITIVE_INFINITY, 3, 4), scaledGrads(32768)};
            long[] iterations = {1, 1, 2};
            long[] counters = {1, 0, 1};
            double[] scales = {32768, 16384, 16384};
            for (int i = 0; i < 3; i++) {
                opt.apply(List.of(grads[i]), List.of(v));
                assertEquals(iterations[i], opt.getIterations());
                assertEquals(counters[i], opt.getStepCounter());
                assertEquals(scales[i], opt.getDynamicScale());
            }
            // The third step was unscaled by 16384: twice the gradient of the first.
            assertArrayEquals(new float[] {1 - 0.5f - 1, 2 - 3 - 6, 3 - 3.5f - 7, 4 - 1 - 2}, v.value().toFloatArray());
        }
    }

    /** Keras 3's scale has no lower bound (Keras 2's stops at 1): 1, 0.5, 0.25, 0.125. */
    @Test
    void scaleGoesBelowOne() {
        Variable v = vector("v", 1);
        try (LossScaleOptimizer opt = LossScaleOptimizer.builder(sgd(0.5)).initialScale(1.0).build()) {
            for (double expected : new double[] {0.5, 0.25, 0.125}) {
                opt.apply(List.of(floats(Float.NaN)), List.of(v));
                assertEquals(expected, opt.getDynamicScale());
            }
            assertEquals(0.125 * 3, opt.scaleLoss(3.0));
        }
    }

    /** {@code LossScaleOptimizer(SGD(0.5)).build([w])}: the variables, paths, dtypes and values Keras 3.15.1 lists. */
    @Test
    void variablesAreTheWrappersThenTheInnerOptimizers() {
        Variable w = vector("w", 1, 2);
        try (LossScaleOptimizer opt = new LossScaleOptimizer(sgd(0.5))) {
            opt.build(List.of(w));
            List<OptimizerVariable> vars = opt.variables();
            assertEquals(List.of("loss_scale_optimizer/iteration", "loss_scale_optimizer/learning_rate",
                    "loss_scale_optimizer/step_counter", "loss_scale_optimizer/dynamic_scale", "sgd/iteration", "sgd/learning_rate"),
                    vars.stream().map(OptimizerVariable::path).toList());
            assertEquals(List.of(DType.INT64, DType.FLOAT32, DType.INT64, DType.FLOAT32, DType.INT64, DType.FLOAT32),
                    vars.stream().map(v -> v.value().dtype()).toList());
            assertEquals(List.of(0.0, 0.0, 0.0, 32768.0, 0.0, 0.5), vars.stream().map(v -> v.value().getDouble(0)).toList());
        }
        try (LossScaleOptimizer opt = new LossScaleOptimizer(Adam.builder().keras3(true).build())) {
            opt.build(List.of(w));
            assertEquals(List.of("loss_scale_optimizer/iteration", "loss_scale_optimizer/learning_rate",
                    "loss_scale_optimizer/step_counter", "loss_scale_optimizer/dynamic_scale", "adam/iteration", "adam/learning_rate",
                    "adam/w_momentum", "adam/w_velocity"), opt.variables().stream().map(OptimizerVariable::path).toList());
            // Keras 2's weights: each optimizer's iteration and tensors, no learning rates.
            assertEquals(3 + 3, opt.getWeights().size());
        }
    }

    /** {@code get_config()} of {@code LossScaleOptimizer(SGD(0.5))}, as Keras 3.15.1 prints it. */
    @Test
    void configIsKeras3sFourKeys() {
        try (LossScaleOptimizer opt = new LossScaleOptimizer(sgd(0.5))) {
            assertEquals("{'name': 'loss_scale_optimizer', 'inner_optimizer': {'module': 'keras.optimizers', 'class_name': 'SGD', "
                    + "'config': {'name': 'sgd', 'learning_rate': 0.5, 'weight_decay': None, 'clipnorm': None, 'global_clipnorm': None, "
                    + "'clipvalue': None, 'use_ema': False, 'ema_momentum': 0.99, 'ema_overwrite_frequency': None, "
                    + "'loss_scale_factor': None, 'gradient_accumulation_steps': None, 'momentum': 0.0, 'nesterov': False}, "
                    + "'registered_name': None}, 'initial_scale': 32768.0, 'dynamic_growth_steps': 2000}",
                    Python.repr(opt.getConfig()));
            // compile_config.optimizer of a saved model.
            Map<String, Object> serialized = Optimizers.serialize(opt);
            assertEquals(List.of("module", "class_name", "config", "registered_name"), List.copyOf(serialized.keySet()));
            assertEquals("keras.optimizers", serialized.get("module"));
            assertEquals("LossScaleOptimizer", serialized.get("class_name"));
            assertNull(serialized.get("registered_name"));
            assertTrue(Optimizers.toJson(opt).startsWith("{\"module\":\"keras.optimizers\",\"class_name\":\"LossScaleOptimizer\","
                    + "\"config\":{\"name\":\"loss_scale_optimizer\",\"inner_optimizer\":{\"module\":\"keras.optimizers\","
                    + "\"class_name\":\"SGD\""), Optimizers.toJson(opt));
        }
    }

    // ---- config and registry --------------------------------------------------------------------------

    @Test
    void registeredButNotABuiltInAlgorithm() {
        assertTrue(Optimizers.registeredNames().contains("LossScaleOptimizer"));
        assertFalse(Optimizers.builtInNames().contains("LossScaleOptimizer"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizers.get("LossScaleOptimizer"));
        assertTrue(e.getMessage().startsWith("LossScaleOptimizer config has no key 'inner_optimizer'"), e.getMessage());
    }

    /** A Keras 3 form map and JSON, read back through the registry: the same config, the inner optimizer a Keras 3 one. */
    @Test
    void keras3FormAndJsonRoundTrip() {
        Adam inner = Adam.builder().keras3(true).learningRate(0.01).amsgrad(true).useEma(true).build();
        try (LossScaleOptimizer opt = LossScaleOptimizer.builder(inner).initialScale(1024).dynamicGrowthSteps(7).name("lso").build()) {
            String json = Optimizers.toJson(opt);
            try (Optimizer fromMap = Optimizers.deserialize(Fixtures.keras3Form("LossScaleOptimizer", opt.getConfig()));
                 Optimizer fromJson = Optimizers.fromJson(json)) {
                for (Optimizer back : List.of(fromMap, fromJson)) {
                    LossScaleOptimizer lso = (LossScaleOptimizer) back;
                    assertEquals(opt.getConfig(), lso.getConfig());
                    assertEquals("lso", lso.getName());
                    assertEquals(1024.0, lso.getInitialScale());
                    assertEquals(7, lso.getDynamicGrowthSteps());
                    assertTrue(lso.getInnerOptimizer() instanceof Adam adam && adam.isKeras3() && adam.usesEma());
                }
                assertEquals(json, Optimizers.toJson(fromJson));
            }
        }
    }

    /** Keras 2.13+'s LossScaleOptimizerV3 config (with "dynamic": true, no name) loads; its inner config's Keras 2 keys do not. */
    @Test
    void keras2Configs() {
        Map<String, Object> config = new LinkedHashMap<>();
        Map<String, Object> innerConfig = new LinkedHashMap<>(sgd(0.5).getConfig());
        config.put("inner_optimizer", Fixtures.keras3Form("SGD", innerConfig));
        config.put("dynamic", true);
        config.put("initial_scale", 32768.0);
        config.put("dynamic_growth_steps", 2000);
        try (LossScaleOptimizer opt = LossScaleOptimizer.fromConfig(config)) {
            assertEquals("loss_scale_optimizer", opt.getName());
        }
        innerConfig.put("jit_compile", true);
        innerConfig.put("is_legacy_optimizer", false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LossScaleOptimizer.fromConfig(config));
        assertEquals("Argument(s) not recognized: {'jit_compile': True, 'is_legacy_optimizer': False}", e.getMessage());
    }

    @Test
    void badConfigValues() {
        Map<String, Object> config = keras3Config(sgd(0.5));
        config.put("initial_scale", "big");
        assertEquals("LossScaleOptimizer config key 'initial_scale' must be a number, got String big",
                assertThrows(IllegalArgumentException.class, () -> LossScaleOptimizer.fromConfig(config)).getMessage());
        config.put("initial_scale", 2.0);
        config.put("dynamic_growth_steps", 2.5);
        assertThrows(IllegalArgumentException.class, () -> LossScaleOptimizer.fromConfig(config));
        config.put("dynamic_growth_steps", 2);
        config.put("inner_optimizer", "sgd");
        assertThrows(IllegalArgumentException.class, () -> LossScaleOptimizer.fromConfig(config));
    }

    /** A refused wrapper leaves its inner optimizer as it was (loss_scale_factor included), and usable. */
    @Test
    void refusedArgumentsChangeNothing() {
        SGD inner = SGD.builder().keras3(true).learningRate(0.5).lossScaleFactor(100).build();
        assertThrows(IllegalArgumentException.class, () -> LossScaleOptimizer.builder(inner).clipnorm(1.0).build());
        assertEquals(100.0, inner.getLossScaleFactor());
        Variable v = vector("v", 1);
        inner.apply(List.of(floats(100)), List.of(v));
        assertArrayEquals(new float[] {0.5f}, v.value().toFloatArray());
        inner.close();
    }

    @Test
    void innerMustBeAnOpenKeras3Optimizer() {
        try (SGD tf2 = SGD.builder().learningRate(0.5).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LossScaleOptimizer(tf2));
            assertEquals("LossScaleOptimizer wraps Keras 3 optimizers, and 'SGD' is a TF2 one: build it with keras3(true), or read "
                    + "it from a config in Keras 3's form", e.getMessage());
        }
        SGD closed = sgd(0.5);
        closed.close();
        assertThrows(IllegalStateException.class, () -> new LossScaleOptimizer(closed));
        assertThrows(NullPointerException.class, () -> LossScaleOptimizer.builder(null));
        assertThrows(IllegalArgumentException.class, () -> LossScaleOptimizer.builder(sgd(0.5)).keras3(false));
    }

    // ---- the step ------------------------------------------------------------------------------------

    /**
     * A skipped step leaves every bit of the variables, the inner optimizer's slots, EMA averages and
     * iterations, and the wrapper's own iteration as they were; only step_counter and dynamic_scale move.
     */
    @Test
    void skippedStepChangesNoBit() {
        Variable a = vector("a", 0.5f, -1.5f, 2);
        Variable b = new Variable("b", Tensor.wrap(new double[] {3, -4}));
        Adam inner = Adam.builder().keras3(true).learningRate(0.01).amsgrad(true).useEma(true).build();
        try (LossScaleOptimizer opt = LossScaleOptimizer.builder(inner).initialScale(8).dynamicGrowthSteps(2).build()) {
            for (int i = 0; i < 3; i++) {
                opt.apply(List.of(floats(1, -2, 3 + i), Tensor.wrap(new double[] {0.25, i})), List.of(a, b));
            }
            assertEquals(16.0, opt.getDynamicScale());
            assertEquals(1, opt.getStepCounter());
            List<long[]> inner0 = snapshot(inner, List.of(a, b));
            List<long[]> all0 = snapshot(opt, List.of(a, b));
            Tensor nanGrad = Tensor.wrap(new double[] {Double.NaN, 1});
            for (List<Tensor> grads : List.of(List.of(floats(1, 2, 3), nanGrad),
                    List.of(floats(1, Float.NEGATIVE_INFINITY, 3), Tensor.wrap(new double[] {1, 1})))) {
                opt.apply(grads, List.of(a, b));
                assertSameSnapshot(inner0, snapshot(inner, List.of(a, b)));
            }
            assertEquals(4.0, opt.getDynamicScale());
            assertEquals(0, opt.getStepCounter());
            assertEquals(3, opt.getIterations());
            List<long[]> all1 = snapshot(opt, List.of(a, b));
            // Variables a, b; then the wrapper's iteration, step_counter, dynamic_scale; then the inner weights.
            for (int i = 0; i < all0.size(); i++) {
                if (i != 3 && i != 4) {
                    assertArrayEquals(all0.get(i), all1.get(i), "tensor " + i);
                }
            }
            assertTrue(Double.isNaN(nanGrad.getDouble(0)), "caller's gradient untouched");
        }
    }

    /** Growth needs dynamic_growth_steps finite steps in a row: a skipped step restarts the count. */
    @Test
    void scaleGrowsAfterGrowthStepsFiniteStepsInARow() {
        Variable v = vector("v", 1);
        try (LossScaleOptimizer opt = LossScaleOptimizer.builder(sgd(0.001)).initialScale(4).dynamicGrowthSteps(3).build()) {
            String pattern = "ffiffffff"; // f finite, i infinite
            double[] scales = {4, 4, 2, 2, 2, 4, 4, 4, 8};
            long[] counters = {1, 2, 0, 1, 2, 0, 1, 2, 0};
            for (int i = 0; i < pattern.length(); i++) {
                opt.apply(List.of(floats(pattern.charAt(i) == 'f' ? 1 : Float.POSITIVE_INFINITY)), List.of(v));
                assertEquals(scales[i], opt.getDynamicScale(), "step " + i);
                assertEquals(counters[i], opt.getStepCounter(), "step " + i);
            }
            assertEquals(8, opt.getIterations());
        }
    }

    /** float64 gradients: squares of huge finite elements overflow the sum; the step is still taken. NaN and inf are not. */
    @Test
    void hugeFiniteFloat64GradientsAreFinite() {
        Variable v = new Variable("v", Tensor.wrap(new double[] {0, 0}));
        try (LossScaleOptimizer opt = LossScaleOptimizer.builder(sgd(1.0)).initialScale(2).build()) {
            opt.apply(List.of(Tensor.wrap(new double[] {1e200, -Double.MAX_VALUE})), List.of(v));
            assertArrayEquals(new double[] {-1e200 / 2, Double.MAX_VALUE / 2}, v.value().toDoubleArray());
            assertEquals(1, opt.getIterations());
            opt.apply(List.of(Tensor.wrap(new double[] {1e200, Double.POSITIVE_INFINITY})), List.of(v));
            opt.apply(List.of(Tensor.wrap(new double[] {Double.NaN, 1e300})), List.of(v));
            assertEquals(1, opt.getIterations());
            assertEquals(0.5, opt.getDynamicScale());
        }
        Variable f = vector("f", 0, 0);
        try (LossScaleOptimizer opt = LossScaleOptimizer.builder(sgd(1.0)).initialScale(2).build()) {
            opt.apply(List.of(floats(Float.MAX_VALUE, -3e38f)), List.of(f));
            assertArrayEquals(new float[] {-Float.MAX_VALUE / 2, 1.5e38f}, f.value().toFloatArray());
        }
    }

    /** float64 gradients are divided in float64 by the float32 scale (ops.divide promotes to float64). */
    @Test
    void float64GradientsAreUnscaledInFloat64() {
        Variable v = new Variable("v", Tensor.wrap(new double[] {0}));
        try (LossScaleOptimizer opt = LossScaleOptimizer.builder(sgd(1.0)).initialScale(3.1).build()) {
            opt.apply(List.of(Tensor.wrap(new double[] {1.0})), List.of(v));
            double scale = (float) 3.1;
            assertEquals(-(1.0 / scale) * (float) 1.0, v.value().getDouble(0));
            assertEquals(scale, opt.getDynamicScale());
        }
    }

    /** IndexedSlices: their values are checked and unscaled. */
    @Test
    void sparseGradients() {
        Variable v = new Variable("v", Tensor.wrap(new float[] {1, 2, 3, 4}, 4, 1));
        try (LossScaleOptimizer opt = LossScaleOptimizer.builder(sgd(1.0)).initialScale(4).build()) {
            Tensor values = Tensor.wrap(new float[] {8, 4}, 2, 1);
            opt.apply(List.of(new IndexedSlices(values, Tensor.wrap(new int[] {2, 0}), 4, 1)), List.of(v));
            assertArrayEquals(new float[] {0, 2, 1, 4}, v.value().toFloatArray());
            assertArrayEquals(new float[] {8, 4}, values.toFloatArray(), "caller's values untouched");
            opt.apply(List.of(new IndexedSlices(Tensor.wrap(new float[] {Float.NaN, 4}, 2, 1), Tensor.wrap(new int[] {2, 0}), 4, 1)),
                    List.of(v));
            assertArrayEquals(new float[] {0, 2, 1, 4}, v.value().toFloatArray());
            assertEquals(2.0, opt.getDynamicScale());
        }
    }

    /** A refused step (a gradient of the wrong shape) writes nothing, in the wrapper or the inner optimizer. */
    @Test
    void refusedStepChangesNothing() {
        Variable v = vector("v", 1, 2);
        try (LossScaleOptimizer opt = new LossScaleOptimizer(sgd(0.5))) {
            opt.apply(List.of(floats(1, 1)), List.of(v));
            List<long[]> before = snapshot(opt, List.of(v));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> opt.apply(List.of(floats(Float.NaN, 1, 1)), List.of(v)));
            assertEquals("Gradient for variable 'v' has shape [3], expected [2] (the variable's shape)", e.getMessage());
            assertSameSnapshot(before, snapshot(opt, List.of(v)));
            Variable other = vector("other", 1, 2);
            assertThrows(IllegalArgumentException.class, () -> opt.apply(List.of(floats(Float.NaN, 1)), List.of(other)));
            assertSameSnapshot(before, snapshot(opt, List.of(v)));
        }
    }

    @Test
    void learningRateIsTheInnerOptimizers() {
        Variable v = vector("v", 1);
        SGD inner = sgd(0.5);
        try (LossScaleOptimizer opt = new LossScaleOptimizer(inner)) {
            assertEquals(Hyperparameter.of(0.5), opt.getLearningRate());
            opt.setLearningRate(0.25);
            assertEquals(Hyperparameter.of(0.25), inner.getLearningRate());
            opt.apply(List.of(floats(32768)), List.of(v));
            assertArrayEquals(new float[] {0.75f}, v.value().toFloatArray());
            // The wrapper's own learning_rate variable stays 0.
            assertEquals(0.0, opt.variables().get(1).value().getDouble(0));
            assertEquals(0.25, opt.variables().get(5).value().getDouble(0));
        }
    }

    @Test
    void scaleLossUsesTheInitialScaleBeforeTheBuildThenTheFloat32Scale() {
        Variable v = vector("v", 1);
        try (LossScaleOptimizer opt = LossScaleOptimizer.builder(sgd(0.5)).initialScale(3.1).build()) {
            assertEquals(2 * 3.1, opt.scaleLoss(2.0));
            assertEquals((float) 3.1, opt.getDynamicScale());
            assertNull(opt.getLossScaleFactor());
            opt.build(List.of(v));
            assertEquals(2 * (double) (float) 3.1, opt.scaleLoss(2.0));
        }
    }

    @Test
    void finalizeVariableValuesIsTheInnerOptimizers() {
        Variable v = vector("v", 1);
        SGD inner = SGD.builder().keras3(true).learningRate(1.0).useEma(true).emaMomentum(0.5).build();
        try (LossScaleOptimizer opt = LossScaleOptimizer.builder(inner).initialScale(1).build()) {
            opt.apply(List.of(floats(1)), List.of(v)); // v 0, average 0 (first step: a copy)
            opt.apply(List.of(floats(1)), List.of(v)); // v -1, average 0.5 * 0 + 0.5 * -1
            opt.finalizeVariableValues(List.of(v));
            assertArrayEquals(new float[] {-0.5f}, v.value().toFloatArray());
        }
    }

    /** save/load own variables: the inner optimizer's part is loaded too, and a bad entry anywhere loads nothing. */
    @Test
    void ownVariablesRoundTripAndLoadAllOrNothing() {
        Variable v = vector("v", 1, 2);
        Map<String, Tensor> store = new LinkedHashMap<>();
        try (LossScaleOptimizer opt = LossScaleOptimizer.builder(Adam.builder().keras3(true).build()).dynamicGrowthSteps(5).build()) {
            opt.apply(List.of(floats(32768, -65536)), List.of(v));
            opt.apply(List.of(floats(Float.NaN, 1)), List.of(v));
            opt.apply(List.of(floats(1, 1)), List.of(v));
            opt.saveOwnVariables(store);
            assertEquals(8, store.size());
            Variable w = vector("v", 1, 2);
            try (LossScaleOptimizer other = LossScaleOptimizer.builder(Adam.builder().keras3(true).build()).dynamicGrowthSteps(5).build()) {
                other.build(List.of(w));
                List<long[]> fresh = snapshot(other, List.of(w));
                Map<String, Tensor> bad = new LinkedHashMap<>(store);
                bad.put("7", floats(1, 2, 3));
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.loadOwnVariables(bad));
                assertEquals("Optimizer weight shape [2] not compatible with provided weight shape [3]: store['7'] (adam/v_velocity).",
                        e.getMessage());
                assertSameSnapshot(fresh, snapshot(other, List.of(w)));
                other.loadOwnVariables(store);
                List<OptimizerVariable> a = opt.variables();
                List<OptimizerVariable> b = other.variables();
                for (int i = 0; i < a.size(); i++) {
                    assertEquals(a.get(i).path(), b.get(i).path());
                    assertArrayEquals(bits(a.get(i).value()), bits(b.get(i).value()), a.get(i).path());
                }
                assertEquals(2, other.getIterations());
                assertEquals(1, other.getStepCounter());
                assertEquals(16384.0, other.getDynamicScale());
                // The same next step from the same state (the model's variable too).
                w.value().copyFrom(v.value());
                opt.apply(List.of(floats(3, 4)), List.of(v));
                other.apply(List.of(floats(3, 4)), List.of(w));
                assertArrayEquals(bits(v.value()), bits(w.value()));
            }
        }
    }

    @Test
    void weightsRoundTrip() {
        Variable v = vector("v", 1, 2);
        Variable w = vector("v", 1, 2);
        try (LossScaleOptimizer opt = new LossScaleOptimizer(Adam.builder().keras3(true).build());
             LossScaleOptimizer other = new LossScaleOptimizer(Adam.builder().keras3(true).build())) {
            opt.apply(List.of(floats(1, 2)), List.of(v));
            opt.apply(List.of(floats(Float.NaN, 2)), List.of(v));
            other.build(List.of(w));
            List<Tensor> weights = opt.getWeights();
            // iteration, step_counter, dynamic_scale; adam's iteration, momentum, velocity.
            assertEquals(List.of(0.0, 0.0, 16384.0, 1.0), weights.subList(0, 4).stream().map(t -> t.getDouble(0)).toList());
            other.setWeights(weights);
            assertSameSnapshot(snapshot(opt, List.of()), snapshot(other, List.of()));
            assertThrows(IllegalArgumentException.class, () -> other.setWeights(weights.subList(0, 5)));
        }
    }

    /** The build builds the inner optimizer; if that fails, the wrapper stays unbuilt. */
    @Test
    void buildBuildsTheInnerOptimizerFirst() {
        Variable a = vector("a", 1);
        Variable b = vector("b", 1);
        SGD inner = sgd(0.5);
        inner.build(List.of(a));
        try (LossScaleOptimizer opt = new LossScaleOptimizer(inner)) {
            assertThrows(IllegalStateException.class, () -> opt.build(List.of(a, b)));
            assertEquals(2 + 2, opt.variables().size(), "the wrapper's iteration and learning_rate, then sgd's");
            opt.build(List.of(a));
            assertEquals(4 + 2, opt.variables().size());
        }
    }

    /** Closing the wrapper closes the optimizer it wraps; closing only the inner one makes the wrapper's steps fail, changing nothing. */
    @Test
    void closing() {
        SGD inner = sgd(0.5);
        LossScaleOptimizer opt = new LossScaleOptimizer(inner);
        opt.close();
        opt.close();
        assertEquals("Optimizer 'sgd' is closed", assertThrows(IllegalStateException.class, inner::variables).getMessage());
        assertThrows(IllegalStateException.class, opt::variables);

        Variable v = vector("v", 1);
        SGD second = sgd(0.5);
        try (LossScaleOptimizer wrapper = new LossScaleOptimizer(second)) {
            wrapper.apply(List.of(floats(Float.NaN)), List.of(v));
            second.close();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> wrapper.apply(List.of(floats(Float.NaN)), List.of(v)));
            assertEquals("Optimizer 'sgd' is closed", e.getMessage());
            assertEquals(16384.0, wrapper.getDynamicScale());
            assertThrows(IllegalStateException.class, wrapper::variables);
        }
    }

    /** The README's LossScaleOptimizer snippet, as written there. */
    @Test
    void readmeExample() {
        double loss = 0.5;
        Variable kernel = vector("dense/kernel", 1, 2);
        Tensor grad = floats(32768, Float.POSITIVE_INFINITY);
        // README, "Keras 3", the LossScaleOptimizer block.
        LossScaleOptimizer lso = LossScaleOptimizer.builder(Adam.builder().keras3(true).build())
                .dynamicGrowthSteps(1000).build();
        double scaled = lso.scaleLoss(loss);        // the gradients are computed from the scaled loss
        lso.apply(List.of(grad), List.of(kernel));  // inf or NaN: skipped, scale / 2; else unscaled, Adam's step
        lso.close();                                // closes the Adam too
        // end of the README block
        assertEquals(16384.0, scaled);
        assertArrayEquals(new float[] {1, 2}, kernel.value().toFloatArray());
        assertThrows(IllegalStateException.class, () -> lso.getInnerOptimizer().variables());
    }

    private static Map<String, Object> keras3Config(Optimizer inner) {
        try (LossScaleOptimizer opt = new LossScaleOptimizer(inner)) {
            return new LinkedHashMap<>(opt.getConfig());
        }
    }
}
