package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keras 3's Lamb: keras/src/optimizers/lamb.py and lamb_test.py of Keras 3.15, and its float32 operation order. */
class LambTest {

    @Test
    void singleStep() {
        // lamb_test.py test_single_step: Lamb(learning_rate=0.5) -> [-0.3693, 0.6306, 1.6306, 2.6306] (1e-4).
        // Keras 3.15 on its numpy backend gives [-0.36930633, 0.63069344, 1.6306936, 2.6306934].
        Variable v = new Variable("v", Tensor.wrap(new float[] {1, 2, 3, 4}));
        try (Lamb lamb = Lamb.builder().learningRate(0.5).build()) {
            lamb.apply(List.of(Tensor.wrap(new float[] {1, 6, 7, 2})), List.of(v));
            float[] numpy = {-0.36930633f, 0.63069344f, 1.6306936f, 2.6306934f};
            for (int i = 0; i < 4; i++) {
                assertEquals(numpy[i], v.value().toFloatArray()[i], 2e-7f);
            }
            assertEquals("lamb", lamb.getName());
            assertEquals(List.of("momentum", "velocity"), lamb.getSlotNames());
        }
    }

    /** lamb.py's update_step in float32, written out (the norms are exact sums of a few squares here). */
    @Test
    void followsUpdateStepInFloat32() {
        float[] g = {1, -6, 7, 0.5f};
        float[] w = {1, 2, -3, 4};
        try (Lamb lamb = Lamb.builder().learningRate(0.25).beta1(0.8).beta2(0.9).build()) {
            Variable var = new Variable("v", Tensor.wrap(w.clone()));
            lamb.apply(List.of(Tensor.wrap(g.clone())), List.of(var));
            float c1 = (float) (1 - 0.8);
            float c2 = (float) (1 - 0.9);
            float p1 = 1 - (float) Math.pow(0.8f, 1f);
            float p2 = 1 - (float) Math.pow(0.9f, 1f);
            float[] u = new float[4];
            double wSum = 0;
            double uSum = 0;
            for (int i = 0; i < 4; i++) {
                float m = 0f + (g[i] - 0f) * c1;
                float v = 0f + (g[i] * g[i] - 0f) * c2;
                u[i] = (m / p1) / ((float) Math.sqrt(v / p2) + 1e-7f);
                wSum += (double) w[i] * w[i];
                uSum += (double) u[i] * u[i];
            }
            float ratio = (float) Math.sqrt((float) wSum) / (float) Math.sqrt((float) uSum);
            float scale = ratio * 0.25f;
            float[] expected = new float[4];
            for (int i = 0; i < 4; i++) {
                expected[i] = w[i] - scale * u[i];
            }
            assertArrayEquals(expected, var.value().toFloatArray());
        }
    }

    @Test
    void trustRatioIsOneWhereANormIsZero() {
        // A zero variable: w_norm 0, ratio 1 (numpy backend: Lamb(lr=0.5), var [0, 0], g [1, -2] -> [-0.4999966, 0.49999666]).
        Variable zero = new Variable("z", Tensor.wrap(new float[] {0, 0}));
        // A zero gradient on the first step: m = v = 0, the update 0, the ratio 1, nothing moves.
        Variable still = new Variable("s", Tensor.wrap(new float[] {3, 4}));
        try (Lamb lamb = Lamb.builder().learningRate(0.5).build()) {
            lamb.apply(List.of(Tensor.wrap(new float[] {1, -2}), Tensor.wrap(new float[] {0, 0})), List.of(zero, still));
            assertEquals(-0.4999966f, zero.value().toFloatArray()[0], 1e-7f);
            assertEquals(0.49999666f, zero.value().toFloatArray()[1], 1e-7f);
            assertArrayEquals(new float[] {3, 4}, still.value().toFloatArray());
        }
    }

    @Test
    void weightDecay() {
        Fixtures.assertKeras3WeightDecay(() -> Lamb.builder().learningRate(1.0).weightDecay(0.004).build());
    }

    @Test
    void goldenInFloat32AndFloat64() {
        // lamb_test.py test_correctness_with_golden: Lamb(), rtol = atol = 5e-4; and the same run in float64
        // against lamb.py's formula in double (1e-12 relative).
        double[] golden = {0.999, 0.9982, 0.9974, 0.9965, 0.9955};
        float[] ones = new float[10];
        Arrays.fill(ones, 1);
        Variable x32 = new Variable("x", Tensor.wrap(ones));
        double[] onesD = new double[10];
        Arrays.fill(onesD, 1);
        Variable x64 = new Variable("x", Tensor.wrap(onesD));
        double[] w = onesD.clone();
        double[] m = new double[10];
        double[] v = new double[10];
        double lr = (float) 0.001; // a float32 variable in Keras 3
        try (Lamb a = new Lamb(); Lamb b = new Lamb()) {
            for (int step = 0; step <= 5; step++) {
                if (step > 0) {
                    for (int i = 0; i < 10; i++) {
                        assertEquals(golden[step - 1], x32.value().getDouble(i), 5e-4 + 5e-4 * golden[step - 1]);
                        assertEquals(w[i], x64.value().getDouble(i), 1e-12 * Math.abs(w[i]));
                    }
                }
                float[] g = new float[10];
                double[] gd = new double[10];
                for (int i = 0; i < 10; i++) {
                    g[i] = step == 0 ? 0.01f : 0.1f * (i + 1);
                    gd[i] = step == 0 ? 0.01 : 0.1 * (i + 1);
                }
                a.apply(List.of(Tensor.wrap(g)), List.of(x32));
                b.apply(List.of(Tensor.wrap(gd)), List.of(x64));
                int t = step + 1;
                double[] u = new double[10];
                double wSum = 0;
                double uSum = 0;
                for (int i = 0; i < 10; i++) {
                    m[i] += (gd[i] - m[i]) * (1 - 0.9);
                    v[i] += (gd[i] * gd[i] - v[i]) * (1 - 0.999);
                    u[i] = (m[i] / (1.0 - Math.pow(0.9, t))) / (Math.sqrt(v[i] / (1.0 - Math.pow(0.999, t))) + 1e-7);
                    wSum += w[i] * w[i];
                    uSum += u[i] * u[i];
                }
                double ratio = Math.sqrt(wSum) / Math.sqrt(uSum);
                for (int i = 0; i < 10; i++) {
                    w[i] -= ratio * lr * u[i];
                }
            }
        }
    }

    @Test
    void configRoundTripAndByName() {
        // lamb_test.py test_config's arguments.
        try (Lamb lamb = Lamb.builder().learningRate(0.5).beta1(0.5).beta2(0.67).epsilon(1e-5).build();
             Optimizer copy = Optimizers.fromJson(Optimizers.toJson(lamb));
             Optimizer byName = Optimizers.get("lamb")) {
            assertTrue(copy instanceof Lamb);
            assertEquals(lamb.getConfig(), copy.getConfig());
            assertEquals(List.of("name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
                    "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps", "beta_1",
                    "beta_2", "epsilon"), List.copyOf(lamb.getConfig().keySet()));
            assertEquals(0.67, lamb.getConfig().get("beta_2"));
            assertTrue(byName instanceof Lamb);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.deserialize(Fixtures.keras3Form("Lamb", Map.of("beta_3", 0.5))));
        assertEquals("Argument(s) not recognized: {'beta_3': 0.5}", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Lamb.builder().keras3(false));
    }
}
