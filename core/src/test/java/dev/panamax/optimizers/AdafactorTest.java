package dev.panamax.optimizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Keras 3's Adafactor: keras/src/optimizers/adafactor.py and adafactor_test.py of Keras 3.15; where
 * noted, values Keras 3.15 printed on its numpy backend (float32).
 */
class AdafactorTest {

    private static void assertClose(float[] expected, Tensor actual, double tolerance) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.getDouble(i), tolerance, "element " + i);
        }
    }

    @Test
    void singleStep1d() {
        // adafactor_test.py test_single_step_1d -> [-0.3693, 0.6307, 1.6307, 2.6307] (1e-4);
        // numpy backend: [-0.36930645, 0.63069355, 1.6306936, 2.6306934].
        Variable v = new Variable("v", Tensor.wrap(new float[] {1, 2, 3, 4}));
        try (Adafactor opt = Adafactor.builder().learningRate(0.5).build()) {
            opt.apply(List.of(Tensor.wrap(new float[] {1, 6, 7, 2})), List.of(v));
            assertClose(new float[] {-0.36930645f, 0.63069355f, 1.6306936f, 2.6306934f}, v.value(), 2e-7);
            assertEquals("adafactor", opt.getName());
        }
    }

    @Test
    void singleStep2d() {
        // adafactor_test.py test_single_step_2d -> [[0.7007, -0.0081], [1.2492, 3.4407]] (1e-4);
        // numpy backend: [[0.7006545, -0.00807095], [1.2492113, 3.440731]].
        Variable v = new Variable("v", Tensor.wrap(new float[] {1, 2, 3, 4}, new long[] {2, 2}));
        try (Adafactor opt = Adafactor.builder().learningRate(0.5).build()) {
            opt.apply(List.of(Tensor.wrap(new float[] {1, 6, 7, 2}, new long[] {2, 2})), List.of(v));
            assertClose(new float[] {0.7006545f, -0.00807095f, 1.2492113f, 3.440731f}, v.value(), 2e-7);
        }
    }

    @Test
    void weightDecay() {
        Fixtures.assertKeras3WeightDecay(() -> Adafactor.builder().learningRate(1.0).weightDecay(0.004).build());
    }

    @Test
    void correctnessWithGolden() {
        // adafactor_test.py test_correctness_with_golden (rtol = atol = 5e-4), and the numpy backend's rows to 2e-7.
        float[][] numpy = {
            {0.55f, 0.55f, 0.55f, 0.55f, 0.55f, 0.55f, 0.55f, 0.55f, 0.55f, 0.55f},
            {0.30309287f, 0.30256718f, 0.3024695f, 0.30243522f, 0.3024194f, 0.30241078f, 0.3024056f, 0.30240223f, 0.30239993f,
                0.30239826f},
            {0.16709825f, 0.16645685f, 0.16633768f, 0.1662959f, 0.16627659f, 0.1662661f, 0.16625975f, 0.16625567f, 0.16625287f,
                0.16625082f},
            {0.09226844f, 0.09159239f, 0.0914668f, 0.09142278f, 0.09140242f, 0.09139137f, 0.09138469f, 0.09138037f, 0.09137741f,
                0.09137528f},
            {0.0554497f, 0.05476306f, 0.05463549f, 0.05459079f, 0.05457011f, 0.05455889f, 0.0545521f, 0.05454772f, 0.05454471f,
                0.05454255f}};
        double[][] golden = {
            {0.55, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55},
            {0.3031, 0.3026, 0.3025, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024},
            {0.1671, 0.1665, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663},
            {0.0923, 0.0916, 0.0915, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914},
            {0.0554, 0.0548, 0.0546, 0.0546, 0.0546, 0.0546, 0.0546, 0.0545, 0.0545, 0.0545}};
        float[] ones = new float[10];
        Arrays.fill(ones, 1);
        Variable x = new Variable("x", Tensor.wrap(ones));
        try (Adafactor opt = goldenOptimizer()) {
            opt.apply(List.of(Tensor.wrap(filled(0.01f))), List.of(x));
            for (int row = 0; row < 5; row++) {
                for (int i = 0; i < 10; i++) {
                    assertEquals(golden[row][i], x.value().getDouble(i), 5e-4 + 5e-4 * golden[row][i]);
                }
                assertClose(numpy[row], x.value(), 2e-7);
                opt.apply(List.of(Tensor.wrap(arange())), List.of(x));
            }
        }
    }

    private static Adafactor goldenOptimizer() {
        return Adafactor.builder().learningRate(0.5).beta2Decay(-0.65).epsilon1(1e-15).epsilon2(1e-4).clipThreshold(0.9)
                .relativeStep(false).build();
    }

    private static float[] filled(float value) {
        float[] a = new float[10];
        Arrays.fill(a, value);
        return a;
    }

    private static float[] arange() {
        float[] a = new float[10];
        for (int i = 0; i < 10; i++) {
            a[i] = 0.1f * (i + 1);
        }
        return a;
    }

    /** The golden test in float64 against adafactor.py's formula in double (1e-12 relative). */
    @Test
    void goldenInFloat64() {
        double[] w = new double[10];
        Arrays.fill(w, 1);
        double[] v = new double[10];
        Variable x = new Variable("x", Tensor.wrap(w.clone()));
        double lr = (float) 0.5;
        try (Adafactor opt = goldenOptimizer()) {
            for (int step = 1; step <= 6; step++) {
                double[] g = new double[10];
                for (int i = 0; i < 10; i++) {
                    g[i] = step == 1 ? 0.01 : 0.1 * (i + 1);
                }
                opt.apply(List.of(Tensor.wrap(g.clone())), List.of(x));
                double rho = Math.min(lr, 1 / Math.sqrt(step));
                double alpha = Math.max(1e-4, rms(w)) * rho;
                double beta2t = 1 - Math.pow(step, -0.65);
                double[] u = new double[10];
                for (int i = 0; i < 10; i++) {
                    v[i] = beta2t * v[i] + (1 - beta2t) * (g[i] * g[i] + 1e-15);
                    u[i] = g[i] / Math.sqrt(v[i]);
                }
                double divisor = Math.max(1, rms(u) / 0.9);
                for (int i = 0; i < 10; i++) {
                    w[i] -= alpha * (u[i] / divisor);
                    assertEquals(w[i], x.value().getDouble(i), 1e-12 * Math.abs(w[i]), "step " + step + " element " + i);
                }
            }
        }
    }

    private static double rms(double[] x) {
        double sum = 0;
        for (double xi : x) {
            sum += xi * xi;
        }
        return Math.sqrt(sum / x.length);
    }

    @Test
    void rank3FactorsMatchKeras() {
        // Keras 3.15 numpy backend: var = default_rng(0).normal(size=(2,2,3)), Adafactor(learning_rate=0.01), three steps with
        // gradients drawn next from the same generator; the values it printed for var, r, c and v.
        float[] var0 = {0.1257302165031433f, -0.13210485875606537f, 0.6404226422309875f, 0.10490011423826218f, -0.5356693863868713f, 0.3615950644016266f, 1.3040000200271606f, 0.9470809698104858f, -0.7037352323532104f, -1.2654215097427368f, -0.6232744455337524f, 0.04132597893476486f};
        float[][] grads = {
            {-2.32503080368042f, -0.218791663646698f, -1.2459110021591187f, -0.7322673797607422f, -0.5442590117454529f, -0.3163001537322998f, 0.4116305410861969f, 1.042513370513916f, -0.12853465974330902f, 1.3664634227752686f, -0.6651946902275085f, 0.35151007771492004f},
            {0.9034701585769653f, 0.0940122976899147f, -0.7434992790222168f, -0.9217253923416138f, -0.4577258229255676f, 0.22019512951374054f, -1.0096181631088257f, -0.20917557179927826f, -0.15922501683235168f, 0.5408455729484558f, 0.21465912461280823f, 0.35537269711494446f},
            {-0.6538286209106445f, -0.12961363792419434f, 0.7839754819869995f, 1.4934310913085938f, -1.2590655088424683f, 1.5139237642288208f, 1.3458753824234009f, 0.7813113927841187f, 0.2644556164741516f, -0.31392282247543335f, 1.4580206871032715f, 1.9602583646774292f}};
        Variable var = new Variable("t", Tensor.wrap(var0.clone(), new long[] {2, 2, 3}));
        try (Adafactor opt = Adafactor.builder().learningRate(0.01).build()) {
            for (float[] g : grads) {
                opt.apply(List.of(Tensor.wrap(g.clone(), new long[] {2, 2, 3})), List.of(var));
            }
            assertArrayEquals(new long[] {2, 2}, opt.getSlot(var, "r").shape());
            assertArrayEquals(new long[] {2, 3}, opt.getSlot(var, "c").shape());
            assertClose(new float[] {0.88208854f, 1.0467336f, 0.5723489f, 1.0936847f}, opt.getSlot(var, "r"), 1e-6);
            assertClose(new float[] {1.5710483f, 0.4121088f, 0.91007614f, 0.8703015f, 0.7735203f, 0.85522866f},
                    opt.getSlot(var, "c"), 1e-6);
            assertClose(new float[] {1.4369429f, 0.37693104f, 0.8323917f, 1.7051536f, 0.44728658f, 0.9877606f, 0.59796643f,
                0.53147006f, 0.58761024f, 1.1426365f, 1.0155705f, 1.1228471f}, opt.getSlot(var, "velocity"), 1e-6);
            assertClose(new float[] {0.13107832f, -0.12995513f, 0.6474228f, 0.1110696f, -0.4953955f, 0.3538908f, 1.2992016f,
                0.93490183f, -0.6979595f, -1.2749097f, -0.6300816f, 0.01481814f}, var.value(), 1e-6);
        }
    }

    @Test
    void variablesInKerasOrderAndPaths() {
        // Keras 3.15 for variables s (), b (3,), k (2, 3), t (4, 2, 3): iteration, learning_rate, then per variable r, c,
        // velocity; r and c of s and b are int32 placeholders named after the variable.
        Variable s = new Variable("s", Tensor.wrap(new float[] {1}, new long[0]));
        Variable b = new Variable("b", Tensor.zeros(DType.FLOAT32, 3));
        Variable k = new Variable("dense/k", Tensor.zeros(DType.FLOAT32, 2, 3));
        Variable t = new Variable("t", Tensor.zeros(DType.FLOAT32, 4, 2, 3));
        try (Adafactor opt = new Adafactor()) {
            opt.build(List.of(s, b, k, t));
            List<String> paths = opt.variables().stream().map(v -> v.path()).collect(Collectors.toList());
            assertEquals(List.of("adafactor/iteration", "adafactor/learning_rate", "adafactor/s", "adafactor/s",
                    "adafactor/s_velocity", "adafactor/b", "adafactor/b", "adafactor/b_velocity", "adafactor/k", "adafactor/k",
                    "adafactor/dense_k_velocity", "adafactor/t", "adafactor/t", "adafactor/t_velocity"), paths);
            assertEquals(DType.INT32, opt.getSlot(s, "r").dtype());
            assertArrayEquals(new long[] {4, 2}, opt.getSlot(t, "r").shape());
            assertArrayEquals(new long[] {4, 3}, opt.getSlot(t, "c").shape());
            assertArrayEquals(new long[] {2, 3}, opt.getSlot(k, "velocity").shape());
        } finally {
            for (Variable v : List.of(s, b, k, t)) {
                v.value().close();
            }
        }
    }

    @Test
    void configRoundTripAndByName() {
        // adafactor_test.py test_config's arguments.
        try (Adafactor opt = goldenOptimizer(); Optimizer copy = Optimizers.fromJson(Optimizers.toJson(opt));
             Optimizer byName = Optimizers.get("adafactor")) {
            assertTrue(copy instanceof Adafactor);
            assertEquals(opt.getConfig(), copy.getConfig());
            Map<String, Object> config = opt.getConfig();
            assertEquals(List.of("name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
                    "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps", "beta_2_decay",
                    "epsilon_1", "epsilon_2", "clip_threshold", "relative_step"), List.copyOf(config.keySet()));
            assertEquals(false, config.get("relative_step"));
            assertEquals(1e-15, config.get("epsilon_1"));
            assertTrue(byName instanceof Adafactor);
        }
        assertThrows(IllegalArgumentException.class, () -> Adafactor.builder().keras3(false));
    }
}
