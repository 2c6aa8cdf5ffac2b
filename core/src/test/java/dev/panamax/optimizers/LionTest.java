package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keras 3's Lion: keras/src/optimizers/lion.py and lion_test.py of Keras 3.15, and its float32 operation order. */
class LionTest {

    @Test
    void invalidBeta1HasKerasMessage() {
        for (double beta1 : new double[] {-0.1, 0.0, 1.1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lion.builder().beta1(beta1).build());
            assertEquals("Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer degenerates to SignSGD. "
                    + "Received: beta_1=" + beta1 + ".", e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Lion.builder().keras3(false));
    }

    @Test
    void singleStep() {
        Variable v = new Variable("v", Tensor.wrap(new float[] {1, 2, 3, 4}));
        try (Lion lion = Lion.builder().learningRate(0.5).build()) {
            lion.apply(List.of(Tensor.wrap(new float[] {1, 6, 7, 2})), List.of(v));
            assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f, 3.5f}, v.value().toFloatArray());
            // m = 0 * 0.99 + g * (1 - 0.99f), in float32.
            assertEquals(6 * (1 - 0.99f), lion.getSlot(v, "momentum").toFloatArray()[1]);
            assertEquals("lion", lion.getName());
        }
    }

    @Test
    void signIsZeroAtZeroAndNaNAtNaN() {
        Variable v = new Variable("v", Tensor.wrap(new float[] {1, -1, 2}));
        try (Lion lion = Lion.builder().learningRate(0.5).build()) {
            lion.apply(List.of(Tensor.wrap(new float[] {0, -0f, Float.NaN})), List.of(v));
            float[] after = v.value().toFloatArray();
            assertEquals(1f, after[0]);
            assertEquals(-1f, after[1]);
            assertTrue(Float.isNaN(after[2]));
        }
    }

    @Test
    void weightDecay() {
        Fixtures.assertKeras3WeightDecay(() -> Lion.builder().learningRate(1.0).weightDecay(0.004).build());
    }

    @Test
    void goldenInFloat32AndFloat64() {
        double[] golden = {0.999, 0.998, 0.997, 0.996, 0.995};
        float[] ones = new float[10];
        Arrays.fill(ones, 1);
        Variable x32 = new Variable("x", Tensor.wrap(ones));
        double[] onesD = new double[10];
        Arrays.fill(onesD, 1);
        Variable x64 = new Variable("x", Tensor.wrap(onesD));
        double[] reference = onesD.clone();
        double[] m = new double[10];
        double lr = (float) 0.001; // a float32 variable in Keras 3
        try (Lion a = new Lion(); Lion b = new Lion()) {
            for (int step = 0; step <= 5; step++) {
                if (step > 0) {
                    for (int i = 0; i < 10; i++) {
                        assertEquals(golden[step - 1], x32.value().getDouble(i), 5e-4 + 5e-4 * golden[step - 1]);
                        assertEquals(reference[i], x64.value().getDouble(i), 1e-12 * Math.abs(reference[i]));
                    }
                }
                float[] g = new float[10];
                double[] gd = new double[10];
                for (int i = 0; i < 10; i++) {
                    g[i] = step == 0 ? 0.01f : 0.1f * (i + 1);
                    gd[i] = step == 0 ? 0.01 : 0.1 * (i + 1);
                    double d = m[i] * 0.9 + gd[i] * (1 - 0.9);
                    reference[i] -= lr * Math.signum(d);
                    m[i] = m[i] * 0.99 + gd[i] * (1 - 0.99);
                }
                a.apply(List.of(Tensor.wrap(g)), List.of(x32));
                b.apply(List.of(Tensor.wrap(gd)), List.of(x64));
            }
        }
    }

    @Test
    void configRoundTripAndRegistry() {
        try (Lion lion = Lion.builder().learningRate(0.5).beta1(0.5).beta2(0.67).build();
             Optimizer copy = Optimizers.fromJson(Optimizers.toJson(lion));
             Optimizer byName = Optimizers.get("lion")) {
            assertTrue(copy instanceof Lion);
            assertEquals(lion.getConfig(), copy.getConfig());
            assertEquals(List.of("name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
                    "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps", "beta_1",
                    "beta_2"), List.copyOf(lion.getConfig().keySet()));
            assertTrue(byName instanceof Lion);
        }
    }
}
