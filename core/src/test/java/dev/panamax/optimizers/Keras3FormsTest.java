package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Keras 3 forms of Adam and SGD, and Keras 3's AdamW: keras/src/optimizers/adam.py, sgd.py, adamw.py and
 * adamw_test.py of Keras 3.15, and the exact float32 operation order of {@code Adam.update_step}.
 */
class Keras3FormsTest {

    private static Variable vector(float... values) {
        return new Variable("v", Tensor.wrap(values.clone()));
    }

    /** Keras 3's update_step in float32, written out: 1 - beta is a Python float before it meets the tensor. */
    private static float[] keras3AdamStep(float[] var, float[] g, double lr, double beta1, double beta2, double epsilon) {
        float b1p = (float) Math.pow((float) beta1, 1f);
        float b2p = (float) Math.pow((float) beta2, 1f);
        float alpha = (float) lr * (float) Math.sqrt(1 - b2p) / (1 - b1p);
        float c1 = (float) (1 - beta1);
        float c2 = (float) (1 - beta2);
        float[] out = var.clone();
        for (int i = 0; i < out.length; i++) {
            float m = (g[i] - 0f) * c1;
            float v = (g[i] * g[i] - 0f) * c2;
            out[i] = var[i] - m * alpha / ((float) Math.sqrt(v) + (float) epsilon);
        }
        return out;
    }

    @Test
    void keras3AdamFollowsUpdateStepInFloat32AndDiffersFromTf2() {
        float[] g = {1, 6, 7, 2};
        Variable keras3 = vector(1, 2, 3, 4);
        Variable tf2 = vector(1, 2, 3, 4);
        try (Adam k = Adam.builder().keras3(true).learningRate(0.5).build(); Adam t = Adam.builder().learningRate(0.5).build()) {
            k.apply(List.of(Tensor.wrap(g.clone())), List.of(keras3));
            t.apply(List.of(Tensor.wrap(g.clone())), List.of(tf2));
            assertArrayEquals(keras3AdamStep(new float[] {1, 2, 3, 4}, g, 0.5, 0.9, 0.999, 1e-7), keras3.value().toFloatArray());
            assertEquals(List.of("momentum", "velocity"), k.getSlotNames());
            assertEquals((float) ((1 - 0.9) * 1), k.getSlot(keras3, "momentum").toFloatArray()[0]);
            // TF2 stores beta_1 in float32 first: (float) (1 - 0.9f) is not (float) (1 - 0.9).
            assertNotEquals(k.getSlot(keras3, "momentum").toFloatArray()[0], t.getSlot(tf2, "m").toFloatArray()[0]);
        }
    }

    @Test
    void keras3AdamKeepsEpsilonZero() {
        try (Adam k = Adam.builder().keras3(true).epsilon(0).build(); Adam t = Adam.builder().epsilon(0).build()) {
            assertEquals(0.0, k.getEpsilon());
            assertEquals(1e-7, t.getEpsilon());
        }
    }

    /** adam_test.py test_correctness_with_golden in float64, against the formula in double (1e-12 relative). */
    @Test
    void goldenInFloat64() {
        double[] x = new double[10];
        Arrays.fill(x, 1);
        Variable var = new Variable("x", Tensor.wrap(x.clone()));
        double[] m = new double[10];
        double[] v = new double[10];
        double[] vhat = new double[10];
        double[] reference = x.clone();
        try (Adam adam = Adam.builder().keras3(true).amsgrad(true).build()) {
            for (int step = 1; step <= 6; step++) {
                double[] g = new double[10];
                for (int i = 0; i < 10; i++) {
                    g[i] = step == 1 ? 0.01 : 0.1 * (i + 1);
                }
                adam.apply(List.of(Tensor.wrap(g.clone())), List.of(var));
                double lr = (float) 0.001; // the learning rate lives in a float32 variable
                double alpha = lr * Math.sqrt(1 - Math.pow(0.999, step)) / (1 - Math.pow(0.9, step));
                for (int i = 0; i < 10; i++) {
                    m[i] += (g[i] - m[i]) * (1 - 0.9);
                    v[i] += (g[i] * g[i] - v[i]) * (1 - 0.999);
                    vhat[i] = Math.max(vhat[i], v[i]);
                    reference[i] -= m[i] * alpha / (Math.sqrt(vhat[i]) + 1e-7);
                    assertEquals(reference[i], var.value().getDouble(i), 1e-12 * Math.abs(reference[i]), "step " + step);
                }
            }
        }
    }

    /** sgd.py: Keras 3 casts momentum to float64 exactly; TF2's float64 model sees (float) 0.9. */
    @Test
    void keras3SgdMomentumIsExactInFloat64AndHasKeras3Message() {
        Variable k3 = new Variable("v", Tensor.wrap(new double[] {1, 2}));
        Variable tf2 = new Variable("v", Tensor.wrap(new double[] {1, 2}));
        try (SGD a = SGD.builder().keras3(true).learningRate(0.5).momentum(0.9).build();
             SGD b = SGD.builder().learningRate(0.5).momentum(0.9).build()) {
            for (int step = 0; step < 2; step++) {
                a.apply(List.of(Tensor.wrap(new double[] {1, 1})), List.of(k3));
                b.apply(List.of(Tensor.wrap(new double[] {1, 1})), List.of(tf2));
            }
            double lr = (float) 0.5;
            double m1 = -1 * lr;
            double m2 = m1 * 0.9 - 1 * lr;
            assertEquals(1 + m1 + m2, k3.value().getDouble(0));
            assertNotEquals(k3.value().getDouble(0), tf2.value().getDouble(0));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SGD.builder().keras3(true).momentum(2.0).build());
        assertEquals("`momentum` must be a float between [0, 1].", e.getMessage());
    }

    // ---- adamw_test.py ---------------------------------------------------------------------------------

    @Test
    void adamwSingleStep() {
        Variable v = vector(1, 2, 3, 4);
        try (AdamW adamw = AdamW.builder().learningRate(0.5).build()) {
            adamw.apply(List.of(Tensor.wrap(new float[] {1, 6, 7, 2})), List.of(v));
            double[] expected = {0.4980, 1.4960, 2.494, 3.492};
            for (int i = 0; i < 4; i++) {
                assertEquals(expected[i], v.value().getDouble(i), 1e-4 + 1e-4 * Math.abs(expected[i]));
            }
            assertEquals("adam_w", adamw.getName());
            assertEquals(0.004, adamw.getWeightDecay());
        }
    }

    @Test
    void adamwWeightDecay() {
        Fixtures.assertKeras3WeightDecay(() -> AdamW.builder().learningRate(1.0).weightDecay(0.004).build());
    }

    @Test
    void adamwWithoutWeightDecayIsRefused() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("learning_rate", 1.0);
        config.put("weight_decay", null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(Fixtures.keras3Form("AdamW", config)));
        assertEquals("Argument `weight_decay` must be a float. Received: weight_decay=None", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AdamW.builder().keras3(false));
        try (Optimizer byName = Optimizers.get("adamw")) {
            assertTrue(byName instanceof AdamW);
            assertEquals(0.004, byName.getWeightDecay());
        }
    }

    @Test
    void adamwGolden() {
        float[] ones = new float[10];
        Arrays.fill(ones, 1);
        Variable x = new Variable("x", Tensor.wrap(ones));
        float[] g = new float[10];
        float[] first = new float[10];
        for (int i = 0; i < 10; i++) {
            g[i] = 0.1f * (i + 1);
            first[i] = 0.01f;
        }
        double[][] golden = {
            {0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998, 0.4998},
            {0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382},
            {0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051, 0.1027, 0.1003},
            {0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033, 0.0294, 0.0258},
            {0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067, -0.0113, -0.0159}};
        try (AdamW adamw = AdamW.builder().learningRate(1.0).weightDecay(0.5).epsilon(2).build()) {
            adamw.apply(List.of(Tensor.wrap(first)), List.of(x));
            for (double[] row : golden) {
                for (int i = 0; i < 10; i++) {
                    assertEquals(row[i], x.value().getDouble(i), 5e-4 + 5e-4 * Math.abs(row[i]));
                }
                adamw.apply(List.of(Tensor.wrap(g.clone())), List.of(x));
            }
        }
    }

    @Test
    void adamwConfigRoundTrip() {
        try (AdamW adamw = AdamW.builder().learningRate(0.5).weightDecay(0.008).beta1(0.5).beta2(0.67).epsilon(1e-5)
                .amsgrad(true).build(); Optimizer copy = Optimizers.fromJson(Optimizers.toJson(adamw))) {
            assertTrue(copy instanceof AdamW);
            assertEquals(adamw.getConfig(), copy.getConfig());
            assertEquals("AdamW", Optimizers.serialize(adamw).get("class_name"));
            assertEquals(List.of("name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
                    "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps", "beta_1",
                    "beta_2", "epsilon", "amsgrad"), List.copyOf(adamw.getConfig().keySet()));
        }
    }
}
