package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Keras 3's ScheduleFreeAdamW: keras/src/optimizers/schedule_free_adamw.py and its test of Keras 3.15;
 * where noted, values Keras 3.15 printed on its NumPy backend (float32), whose reading of the old z is
 * the one we follow.
 */
class ScheduleFreeAdamWTest {

    private static Variable vector(float... values) {
        return new Variable("v", Tensor.wrap(values.clone()));
    }

    @Test
    void singleStep() {
        // test_single_step: ScheduleFreeAdamW(learning_rate=0.5) moves [1, 2, 3, 4]; NumPy backend: [0.5, 1.5, 2.5, 3.5].
        Variable v = vector(1, 2, 3, 4);
        try (ScheduleFreeAdamW opt = ScheduleFreeAdamW.builder().learningRate(0.5).build()) {
            opt.apply(List.of(Tensor.wrap(new float[] {1, 6, 7, 2})), List.of(v));
            float[] after = v.value().toFloatArray();
            for (int i = 0; i < 4; i++) {
                assertEquals(0.5 + i, after[i], 1e-6);
            }
            assertEquals("schedule_free_adam_w", opt.getName());
            assertEquals(List.of("momentum", "velocity"), opt.getSlotNames());
            assertArrayEquals(after, opt.getSlot(v, "momentum").toFloatArray(), "at t = 1, y = z");
        }
    }

    @Test
    void weightDecayHasNoEffectOnTheFirstStep() {
        // test_weight_decay: both variables stay 2.0 (x_1 = z_1, so y_1 = z_1 whatever the decay did to y).
        Variable var1 = new Variable("var1", Tensor.wrap(new float[] {2}, new long[0]));
        Variable var2 = new Variable("exclude", Tensor.wrap(new float[] {2}, new long[0]));
        Tensor zero = Tensor.wrap(new float[] {0}, new long[0]);
        try (ScheduleFreeAdamW o1 = ScheduleFreeAdamW.builder().learningRate(1.0).weightDecay(0.004).build();
             ScheduleFreeAdamW o2 = ScheduleFreeAdamW.builder().learningRate(1.0).weightDecay(0.004).build()) {
            o1.apply(List.of(zero), List.of(var1));
            o2.excludeFromWeightDecay(null, List.of("exclude"));
            o2.apply(List.of(zero, zero), List.of(var1, var2));
        }
        assertEquals(2.0, var1.value().getDouble(0));
        assertEquals(2.0, var2.value().getDouble(0));
    }

    @Test
    void warmupMakesTheFirstStepSmaller() {
        // test_warmup: lr 0.5 with and without warmup_steps=10 on [1, 2, 3], gradients of ones.
        Variable plain = vector(1, 2, 3);
        Variable warm = vector(1, 2, 3);
        try (ScheduleFreeAdamW a = ScheduleFreeAdamW.builder().learningRate(0.5).build();
             ScheduleFreeAdamW b = ScheduleFreeAdamW.builder().learningRate(0.5).warmupSteps(10).build()) {
            a.apply(List.of(Tensor.wrap(new float[] {1, 1, 1})), List.of(plain));
            b.apply(List.of(Tensor.wrap(new float[] {1, 1, 1})), List.of(warm));
        }
        for (int i = 0; i < 3; i++) {
            double start = i + 1;
            assertTrue(Math.abs(warm.value().getDouble(i) - start) < Math.abs(plain.value().getDouble(i) - start));
            // lr * min(1 / 10, 1) = 0.05 in float32, and g / (sqrt(g^2 / (1 - beta_2)) ... ) = 1 / (1 + 1e-8) at t = 1.
            assertEquals(start - 0.05, warm.value().getDouble(i), 1e-6);
        }
    }

    @Test
    void multipleStepsDecrease() {
        // test_multiple_steps: ten steps of 0.1 with lr 0.01 lower every element.
        Variable v = vector(1, 2, 3);
        try (ScheduleFreeAdamW opt = ScheduleFreeAdamW.builder().learningRate(0.01).build()) {
            for (int i = 0; i < 10; i++) {
                opt.apply(List.of(Tensor.wrap(new float[] {0.1f, 0.1f, 0.1f})), List.of(v));
            }
        }
        float[] after = v.value().toFloatArray();
        for (int i = 0; i < 3; i++) {
            assertTrue(after[i] < i + 1, "element " + i + ": " + after[i]);
        }
    }

    private static final float[][] GRADS = {{0.1f, -0.2f, 0.3f}, {0.5f, 0.5f, -0.1f}, {1.0f, -1.0f, 0.2f}};

    private static float[] threeSteps(Supplier<ScheduleFreeAdamW> make, float[] zOut) {
        Variable v = vector(1, 2, 3);
        try (ScheduleFreeAdamW opt = make.get()) {
            for (float[] g : GRADS) {
                opt.apply(List.of(Tensor.wrap(g.clone())), List.of(v));
            }
            if (zOut != null) {
                System.arraycopy(opt.getSlot(v, "momentum").toFloatArray(), 0, zOut, 0, 3);
            }
        }
        return v.value().toFloatArray();
    }

    @Test
    void threeStepsMatchKerasOnNumPy() {
        // Keras 3.15 on NumPy, y0 [1, 2, 3], the three gradients above.
        float[] z = new float[3];
        assertClose(new float[] {0.74125284f, 2.0690792f, 2.8942716f},
                threeSteps(() -> ScheduleFreeAdamW.builder().learningRate(0.1).build(), z));
        assertClose(new float[] {0.6071142f, 2.12116f, 2.8521314f}, z);
        assertClose(new float[] {0.7912528f, 2.0190792f, 2.9442716f},
                threeSteps(() -> ScheduleFreeAdamW.builder().learningRate(0.1).warmupSteps(2).build(), z));
        assertClose(new float[] {0.65711415f, 2.07116f, 2.9021313f}, z);
        assertClose(new float[] {0.740404f, 2.0670278f, 2.891356f},
                threeSteps(() -> ScheduleFreeAdamW.builder().learningRate(0.1).weightDecay(0.01).build(), null));
    }

    private static void assertClose(float[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 2e-7, "element " + i);
        }
    }

    /** The same three steps in float64 against schedule_free_adamw.py's formula in double (1e-12 relative). */
    @Test
    void threeStepsInFloat64() {
        double[] y = {1, 2, 3};
        double[] z = y.clone();
        double[] v = new double[3];
        Variable var = new Variable("v", Tensor.wrap(y.clone()));
        double lr = (float) 0.1;
        try (ScheduleFreeAdamW opt = ScheduleFreeAdamW.builder().learningRate(0.1).warmupSteps(2).weightDecay(0.01).build()) {
            for (int step = 1; step <= 3; step++) {
                double[] g = new double[3];
                for (int i = 0; i < 3; i++) {
                    g[i] = GRADS[step - 1][i];
                }
                opt.apply(List.of(Tensor.wrap(g.clone())), List.of(var));
                double stepLr = lr * Math.min(step / 2.0, 1.0);
                double w = 1.0 / step;
                for (int i = 0; i < 3; i++) {
                    y[i] -= y[i] * 0.01 * lr; // weight decay first, with the plain learning rate
                    double zOld = z[i];
                    v[i] += (g[i] * g[i] - v[i]) * (1 - 0.999);
                    z[i] -= stepLr * g[i] / (Math.sqrt(v[i] / (1 - Math.pow(0.999, step))) + 1e-8);
                    double x = (y[i] - (1 - 0.9) * zOld) / 0.9;
                    double xNew = (1 - w) * x + w * z[i];
                    y[i] = (1 - 0.9) * z[i] + 0.9 * xNew;
                    assertEquals(y[i], var.value().getDouble(i), 1e-12 * Math.abs(y[i]), "step " + step + " element " + i);
                }
            }
        }
    }

    /** schedule_free_adamw.py's update_step in float32, written out, for one step past the first. */
    @Test
    void followsUpdateStepInFloat32() {
        float[] g1 = {0.5f, -2, 3};
        float[] g2 = {1, 0.25f, -4};
        Variable var = vector(1, -2, 0.5f);
        try (ScheduleFreeAdamW opt = ScheduleFreeAdamW.builder().learningRate(0.1).beta1(0.8).beta2(0.95).build()) {
            opt.apply(List.of(Tensor.wrap(g1.clone())), List.of(var));
            float[] y = var.value().toFloatArray();
            float[] z = opt.getSlot(var, "momentum").toFloatArray();
            float[] v = opt.getSlot(var, "velocity").toFloatArray();
            opt.apply(List.of(Tensor.wrap(g2.clone())), List.of(var));
            float beta1 = 0.8f;
            float beta2 = 0.95f;
            float bc2 = 1 - (float) Math.pow(beta2, 2f);
            float w = 1.0f / 2f;
            float[] expected = new float[3];
            for (int i = 0; i < 3; i++) {
                float vi = v[i] + (g2[i] * g2[i] - v[i]) * (1 - beta2);
                float zi = z[i] - (0.1f * g2[i]) / ((float) Math.sqrt(vi / bc2) + 1e-8f);
                float x = (y[i] - (1 - beta1) * z[i]) / beta1;
                float xNew = (1 - w) * x + w * zi;
                expected[i] = (1 - beta1) * zi + beta1 * xNew;
            }
            assertArrayEquals(expected, var.value().toFloatArray());
        }
    }

    @Test
    void configRoundTripAndByName() {
        // test_config's arguments.
        try (ScheduleFreeAdamW opt = ScheduleFreeAdamW.builder().learningRate(0.005).beta1(0.95).beta2(0.99).epsilon(1e-6)
                .warmupSteps(100).build();
             Optimizer copy = Optimizers.fromJson(Optimizers.toJson(opt));
             Optimizer byName = Optimizers.get("schedulefreeadamw")) {
            assertTrue(copy instanceof ScheduleFreeAdamW);
            assertEquals(opt.getConfig(), copy.getConfig());
            Map<String, Object> config = opt.getConfig();
            assertEquals(List.of("name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
                    "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps", "beta_1",
                    "beta_2", "epsilon", "warmup_steps"), List.copyOf(config.keySet()));
            assertEquals(100, config.get("warmup_steps"));
            assertTrue(byName instanceof ScheduleFreeAdamW);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizers.deserialize(
                Fixtures.keras3Form("ScheduleFreeAdamW", Map.of("warmup_steps", 2.5))));
        assertTrue(e.getMessage().contains("warmup_steps"), e.getMessage());
    }
}
