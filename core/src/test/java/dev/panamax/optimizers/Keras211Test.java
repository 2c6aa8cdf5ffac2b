package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.optimizers.state.OptimizerVariable;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Keras 2.11 to 2.15's non-legacy optimizers: configs with {@code "is_legacy_optimizer": false}
 * (keras/optimizers/*.py at v2.11.0 to v2.15.0). Their formulas are Keras 3's; their slot names,
 * variables, EMA start and config form are Keras 2's.
 */
class Keras211Test {

    /** A Keras 2.11 config of {@code className} with its base keys and {@code own} keys. */
    private static Map<String, Object> keras211(String className, Map<String, Object> own) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", className);
        config.put("weight_decay", null);
        config.put("clipnorm", null);
        config.put("global_clipnorm", null);
        config.put("clipvalue", null);
        config.put("use_ema", false);
        config.put("ema_momentum", 0.99);
        config.put("ema_overwrite_frequency", null);
        config.put("jit_compile", false);
        config.put("is_legacy_optimizer", false);
        config.putAll(own);
        Map<String, Object> serialized = new LinkedHashMap<>();
        serialized.put("class_name", className);
        serialized.put("config", config);
        return serialized;
    }

    private static Map<String, Object> own(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private static Variable matrix() {
        return new Variable("dense/kernel", Tensor.wrap(new float[] {1, -2, 3, 0.5f, -1, 2}, new long[] {2, 3}));
    }

    private static Tensor gradient() {
        return Tensor.wrap(new float[] {0.5f, 1, -3, 0.25f, 2, -1}, new long[] {2, 3});
    }

    @Test
    void slotNamesAreKeras2sAndTheStepIsKeras3s() {
        // Keras 2.11 to 2.15's slot names (B.3/B.4 of the notes), against each Keras 3 form's names.
        Map<String, List<String>> keras2Slots = new LinkedHashMap<>();
        keras2Slots.put("Adam", List.of("m", "v", "vhat"));
        keras2Slots.put("AdamW", List.of("m", "v"));
        keras2Slots.put("Nadam", List.of("m", "v"));
        keras2Slots.put("Adamax", List.of("m", "u"));
        keras2Slots.put("Lion", List.of("m"));
        keras2Slots.put("SGD", List.of("m"));
        keras2Slots.put("RMSprop", List.of("velocity"));
        keras2Slots.put("Adagrad", List.of("accumulator"));
        keras2Slots.put("Adadelta", List.of("accumulated_grad", "accumulated_delta_var"));
        keras2Slots.put("Ftrl", List.of("accumulator", "linear"));
        keras2Slots.put("Adafactor", List.of("r", "c", "v"));
        for (Map.Entry<String, List<String>> e : keras2Slots.entrySet()) {
            String name = e.getKey();
            Map<String, Object> own = name.equals("Adam") ? own("learning_rate", 0.01, "amsgrad", true)
                    : name.equals("AdamW") ? own("learning_rate", 0.01, "weight_decay", 0.004) : own("learning_rate", 0.01);
            Variable a = matrix();
            Variable b = matrix();
            try (Optimizer k2 = Optimizers.deserialize(keras211(name, own));
                 Optimizer k3 = Optimizers.deserialize(Fixtures.keras3Form(name, own))) {
                assertTrue(k2.isKeras211() && k2.isKeras3(), name);
                assertFalse(k3.isKeras211(), name);
                for (int step = 0; step < 3; step++) {
                    k2.apply(List.of(gradient()), List.of(a));
                    k3.apply(List.of(gradient()), List.of(b));
                }
                assertEquals(e.getValue(), k2.getSlotNames(), name);
                assertArrayEquals(b.value().toFloatArray(), a.value().toFloatArray(), name + ": Keras 3's formula");
                assertEquals(name, k2.getName());
                // Keras 2.11's variables: iteration, then the slots; the learning rate is not one of them.
                List<String> paths = k2.variables().stream().map(OptimizerVariable::path).collect(Collectors.toList());
                assertFalse(paths.stream().anyMatch(p -> p.endsWith("/learning_rate")), name + " " + paths);
            }
        }
    }

    @Test
    void sgdWithoutMomentumKeepsItsMSlot() {
        // Keras 2.11's SGD: m = -g * lr + m * momentum always, var += m.
        Variable v = new Variable("v", Tensor.wrap(new float[] {1, 2}));
        try (Optimizer sgd = Optimizers.deserialize(keras211("SGD", own("learning_rate", 0.5, "momentum", 0.0, "nesterov", false)))) {
            sgd.apply(List.of(Tensor.wrap(new float[] {1, -4})), List.of(v));
            assertArrayEquals(new float[] {0.5f, 4}, v.value().toFloatArray());
            assertArrayEquals(new float[] {-0.5f, 2}, sgd.getSlot(v, "m").toFloatArray());
        }
    }

    @Test
    void emaStartsAsTheVariable() {
        // Keras 2.11's build: add_variable_from_reference(var, "average", initial_value=var); each step
        // average = ema_momentum * average + (1 - ema_momentum) * var, from the first on.
        Variable v = new Variable("v", Tensor.wrap(new float[] {1, 2}));
        try (Optimizer sgd = Optimizers.deserialize(keras211("SGD", own("learning_rate", 0.5, "use_ema", true,
                "ema_momentum", 0.9)))) {
            sgd.apply(List.of(Tensor.wrap(new float[] {1, -4})), List.of(v));
            float m = 0.9f;
            float oneMinus = (float) (1 - 0.9);
            float[] expected = {m * 1 + oneMinus * 0.5f, m * 2 + oneMinus * 4};
            assertArrayEquals(expected, sgd.getSlot(v, "average").toFloatArray());
        }
    }

    @Test
    void globalClipnormIsTensorFlowsGlobalNorm() {
        // tf.clip_by_global_norm, as Keras 2.11 calls it: the same clipped gradients as a TF2 optimizer's.
        Variable a = new Variable("a", Tensor.wrap(new float[] {1, 2, 3}));
        Variable b = new Variable("b", Tensor.wrap(new float[] {1, 2, 3}));
        float[] g = {3.3f, -7.1f, 0.7f};
        Map<String, Object> own = own("learning_rate", 1.0, "momentum", 0.0, "nesterov", false);
        try (Optimizer k2 = Optimizers.deserialize(keras211("SGD", own));
             Optimizer tf2 = SGD.builder().learningRate(1.0).globalClipnorm(1.5).build()) {
            Map<String, Object> withClip = keras211("SGD", own);
            @SuppressWarnings("unchecked")
            Map<String, Object> config = (Map<String, Object>) withClip.get("config");
            config.put("global_clipnorm", 1.5);
            try (Optimizer clipped = Optimizers.deserialize(withClip)) {
                clipped.apply(List.of(Tensor.wrap(g.clone())), List.of(a));
            }
            tf2.apply(List.of(Tensor.wrap(g.clone())), List.of(b));
            assertArrayEquals(b.value().toFloatArray(), a.value().toFloatArray());
            assertTrue(k2.isKeras211());
        }
    }

    @Test
    void configRoundTripsInKeras211Form() {
        Map<String, Object> serialized = keras211("Adamax", own("learning_rate", 0.0020000000949949026, "beta_1", 0.8,
                "beta_2", 0.99, "epsilon", 1e-7));
        try (Optimizer o = Optimizers.deserialize(serialized); Optimizer copy = Optimizers.fromJson(Optimizers.toJson(o))) {
            assertEquals(serialized.get("config"), o.getConfig());
            assertEquals(serialized, Optimizers.serialize(o));
            assertTrue(copy.isKeras211());
            assertEquals(o.getConfig(), copy.getConfig());
        }
    }

    @Test
    void decayIsKeras2sErrorAndLionsDefaultIsKeras2s() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(keras211("Adam", own("learning_rate", 0.001, "decay", 0.01))));
        assertEquals("decay is deprecated in the new Keras optimizer, please check the docstring for valid arguments, or use "
                + "the legacy optimizer, e.g., tf.keras.optimizers.legacy.Adam.", e.getMessage());
        // Keras 2 would clip by norm only; we refuse two clipping options, as Keras 3 does.
        assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(keras211("SGD", own("clipnorm", 1.0, "clipvalue", 0.5))));
        try (Optimizer lion = Optimizers.deserialize(keras211("Lion", own("beta_1", 0.9, "beta_2", 0.99)))) {
            assertEquals((double) (float) 1e-4, lion.getConfig().get("learning_rate"));
        }
    }

    @Test
    void optimizersKeras2NeverHadAreRefused() {
        // Lamb, ScheduleFreeAdamW and Muon first came with Keras 3; Lion (2.13) and Adafactor (2.11) are in both.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(keras211("Lamb", own("learning_rate", 0.001))));
        assertEquals("Lamb has no Keras 2.11-2.15 form: it first came with Keras 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ScheduleFreeAdamW.builder().keras211(true));
        assertThrows(IllegalArgumentException.class, () -> Muon.builder().keras211(true));
        try (Adam inner = Adam.builder().keras3(true).build()) {
            assertThrows(IllegalArgumentException.class, () -> LossScaleOptimizer.builder(inner).keras211(true));
        }
        try (Lion lion = Lion.builder().keras211(true).build(); Adafactor a = Adafactor.builder().keras211(true).build()) {
            assertTrue(lion.isKeras211() && a.isKeras211());
        }
    }

    @Test
    void builderMakesTheSameOptimizer() {
        try (Adam a = Adam.builder().keras211(true).build()) {
            assertTrue(a.isKeras3());
            assertEquals("Adam", a.getName());
            Variable v = new Variable("v", Tensor.zeros(DType.FLOAT32, 2));
            a.build(List.of(v));
            assertEquals(List.of("m", "v"), a.getSlotNames());
            assertEquals(a.getSlot(v, "m"), a.getSlot(v, "momentum"), "the Keras 3 name finds the slot too");
            v.value().close();
        }
    }
}
