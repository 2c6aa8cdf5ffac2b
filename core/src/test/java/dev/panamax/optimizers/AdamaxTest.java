package dev.panamax.optimizers;

import static dev.panamax.optimizers.Fixtures.SCALAR;
import static dev.panamax.optimizers.Fixtures.assertClose;
import static dev.panamax.optimizers.Fixtures.assertFloatsExactly;
import static dev.panamax.optimizers.Fixtures.assertMatchesReference;
import static dev.panamax.optimizers.Fixtures.cycle;
import static dev.panamax.optimizers.Fixtures.hyper;
import static dev.panamax.optimizers.Fixtures.rounded;
import static dev.panamax.optimizers.Fixtures.tensor;
import static dev.panamax.optimizers.Fixtures.tensors;
import static dev.panamax.optimizers.Fixtures.variable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Adamax against Keras v2.11.0 {@code keras/optimizers/optimizer_v2/adamax.py} ({@code _create_slots},
 * {@code _prepare_local}, {@code get_config}) and {@code keras/optimizers/optimizer_v2/adamax_test.py} (reference
 * {@code adamax_update_numpy}; testBasic, testBasicWithLearningRateDecay, testSlotsUniqueEager), and Keras 3
 * {@code keras/src/optimizers/adamax_test.py} (test_single_step, test_correctness_with_golden), the same update.
 */
class AdamaxTest {

    private static Adamax.Builder adamax() {
        return Adamax.builder().kernels(SCALAR).threads(1);
    }

    /** adamax_test.py {@code adamax_update_numpy}, ported in float64 (t is 0-based). Returns {param_t, m_t, v_t}. */
    static double[][] adamaxUpdateNumpy(double[] param, double[] g, int t, double[] m, double[] v,
                                        double alpha, double beta1, double beta2, double epsilon) {
        int n = param.length;
        double[] mT = new double[n];
        double[] vT = new double[n];
        double[] pT = new double[n];
        for (int i = 0; i < n; i++) {
            mT[i] = beta1 * m[i] + (1 - beta1) * g[i];
            vT[i] = Math.max(beta2 * v[i], Math.abs(g[i]));
            pT[i] = param[i] - (alpha / (1 - Math.pow(beta1, t + 1))) * (mT[i] / (vT[i] + epsilon));
        }
        return new double[][] {pT, mT, vT};
    }

    private static final double[] VAR0 = {1.0, 2.0};
    private static final double[] GRADS0 = {0.1, 0.1};
    private static final double[] VAR1 = {3.0, 4.0};
    private static final double[] GRADS1 = {0.01, 0.01};
    /** The fixture stretched to 17 elements; the gradient falls and changes sign so that v's max(beta_2 v, |g|) picks both sides. */
    private static final double[] VAR2 = cycle(17, 1.0, 2.0, 3.0, 4.0);
    private static final double[][] GRADS2 = {cycle(17, 0.1, -0.1, 0.01), cycle(17, 0.01, 0.2, -0.001), cycle(17, -0.05, 0.0, 0.3)};

    /**
     * testBasic's fixture (plus a 17-element variable whose gradient changes every step) for 3 steps. Keras's own check:
     * {@code adamax_update_numpy} with its default epsilon 1e-8 against Adamax's 1e-7, rtol 1e-2; the tight check: the
     * same reference with epsilon 1e-7 and TF's float32 hypers, {@code lr / (1 + decay * t)} in the dtype.
     */
    private static void runFixture(Adamax opt, DType dtype, double lr, double decay) {
        List<Variable> vars = List.of(variable("var0", dtype, VAR0), variable("var1", dtype, VAR1), variable("var2", dtype, VAR2));
        double[][] inits = {VAR0, VAR1, VAR2};
        double[][][] tf = new double[3][][];
        double[][][] np = new double[3][][];
        for (int k = 0; k < 3; k++) {
            int n = inits[k].length;
            tf[k] = new double[][] {rounded(dtype, inits[k]), new double[n], new double[n]};
            np[k] = new double[][] {rounded(dtype, inits[k]), new double[n], new double[n]};
        }
        for (int t = 0; t < 3; t++) {
            double[][] grads = {GRADS0, GRADS1, GRADS2[t]};
            opt.apply(tensors(dtype, grads), vars);
            double tfLr = decay > 0 ? dtype.round(hyper(lr) / dtype.round(1 + dtype.round(decay) * t)) : hyper(lr);
            for (int k = 0; k < 3; k++) {
                double[] g = rounded(dtype, grads[k]);
                tf[k] = adamaxUpdateNumpy(tf[k][0], g, t, tf[k][1], tf[k][2], tfLr, hyper(0.9), hyper(0.999), dtype.round(1e-7));
                np[k] = adamaxUpdateNumpy(np[k][0], g, t, np[k][1], np[k][2], lr / (1 + decay * t), 0.9, 0.999, 1e-8);
                Variable v = vars.get(k);
                String at = v.name() + " " + dtype.kerasName() + " step " + (t + 1);
                assertClose(np[k][0], v.value(), 1e-2, 0, "var vs numpy (rtol 1e-2), " + at);
                assertMatchesReference(tf[k][0], v.value(), 4, "var " + at);
                assertMatchesReference(tf[k][1], opt.getSlot(v, "m"), 8, "m " + at);
                assertMatchesReference(tf[k][2], opt.getSlot(v, "v"), 4, "v " + at);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void testBasic(DType dtype) {
        // adamax_test.py testBasic: Adamax() (lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7), 3 steps, rtol=1e-2.
        try (Adamax opt = adamax().build()) {
            runFixture(opt, dtype, 0.001, 0.0);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void testBasicWithLearningRateDecay(DType dtype) {
        // adamax_test.py testBasicWithLearningRateDecay: Adamax(learning_rate=0.001, decay=0.002),
        // lr = learning_rate / (1 + decay * t), passed as alpha; rtol=1e-2.
        try (Adamax opt = adamax().learningRate(0.001).decay(0.002).build()) {
            runFixture(opt, dtype, 0.001, 0.002);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void nonDefaultBetasAndEpsilon(DType dtype) {
        // every option away from its default: Adamax(0.2, beta_1=0.85, beta_2=0.95, epsilon=1e-3)
        try (Adamax opt = adamax().learningRate(0.2).beta1(0.85).beta2(0.95).epsilon(1e-3).build()) {
            Variable var = variable("w", dtype, VAR2);
            double[][] s = {rounded(dtype, VAR2), new double[17], new double[17]};
            for (int t = 0; t < 3; t++) {
                opt.apply(List.of(tensor(dtype, GRADS2[t])), List.of(var));
                s = adamaxUpdateNumpy(s[0], rounded(dtype, GRADS2[t]), t, s[1], s[2], hyper(0.2), hyper(0.85), hyper(0.95),
                        dtype.round(1e-3));
                assertMatchesReference(s[0], var.value(), 4, "var step " + (t + 1));
                assertMatchesReference(s[1], opt.getSlot(var, "m"), 8, "m step " + (t + 1));
                assertMatchesReference(s[2], opt.getSlot(var, "v"), 4, "v step " + (t + 1));
            }
        }
    }

    @Test
    void float32FollowsTheOperationOrderOfApplyAdaMax() {
        // adamax.py _prepare_local: beta_1_power = pow(beta_1_t, iterations + 1) in the dtype; training_ops.cc ApplyAdaMax:
        // m += (grad - m) * (1 - beta1); v = (beta2 * v).cwiseMax(grad.abs()); var -= lr / (1 - beta1_power) * (m / (v + eps)).
        try (Adamax opt = adamax().learningRate(0.01).build()) {
            Variable var = variable("w", DType.FLOAT32, 1.0, -2.0, 3.0);
            float lr = 0.01f;
            float beta1 = 0.9f;
            float beta2 = 0.999f;
            float eps = 1e-7f;
            float[] w = {1f, -2f, 3f};
            float[] m = new float[3];
            float[] v = new float[3];
            float[][] grads = {{0.1f, -0.3f, 2.0f}, {0.05f, 0.2f, -1.0f}, {1e-3f, 0f, 0.5f}};
            for (int t = 0; t < grads.length; t++) {
                opt.apply(List.of(Tensor.wrap(grads[t].clone())), List.of(var));
                float beta1Power = (float) Math.pow(beta1, t + 1);
                float scaled = lr / (1f - beta1Power);
                for (int i = 0; i < 3; i++) {
                    float g = grads[t][i];
                    m[i] = m[i] + (g - m[i]) * (1f - beta1);
                    v[i] = Math.max(beta2 * v[i], Math.abs(g));
                    w[i] = w[i] - scaled * (m[i] / (v[i] + eps));
                }
                assertFloatsExactly(w, var.value(), "var step " + (t + 1));
                assertFloatsExactly(m, opt.getSlot(var, "m"), "m step " + (t + 1));
                assertFloatsExactly(v, opt.getSlot(var, "v"), "v step " + (t + 1));
            }
        }
    }

    // ---- Keras 3 golden values (the same update) -------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void keras3SingleStep(DType dtype) {
        // keras/src/optimizers/adamax_test.py test_single_step: Adamax(learning_rate=0.5) -> [0.5, 1.5, 2.5, 3.5] (1e-4).
        try (Adamax opt = adamax().learningRate(0.5).build()) {
            Variable var = variable("vars", dtype, 1.0, 2.0, 3.0, 4.0);
            opt.apply(List.of(tensor(dtype, 1.0, 6.0, 7.0, 2.0)), List.of(var));
            assertClose(new double[] {0.5, 1.5, 2.5, 3.5}, var.value(), 1e-4, 1e-4, "vars");
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void keras3CorrectnessWithGolden(DType dtype) {
        // keras/src/optimizers/adamax_test.py test_correctness_with_golden:
        // Adamax(learning_rate=0.2, beta_1=0.85, beta_2=0.95, epsilon=1e-6), rtol = atol = 5e-4.
        double[][] golden = {
            {0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8},
            {0.6827, 0.6873, 0.6888, 0.6896, 0.6901, 0.6904, 0.6906, 0.6908, 0.6909, 0.691},
            {0.5333, 0.5407, 0.5431, 0.5444, 0.5451, 0.5456, 0.546, 0.5462, 0.5464, 0.5466},
            {0.368, 0.3773, 0.3804, 0.382, 0.3829, 0.3835, 0.384, 0.3843, 0.3846, 0.3848},
            {0.1933, 0.204, 0.2076, 0.2094, 0.2105, 0.2112, 0.2117, 0.2121, 0.2124, 0.2126}};
        try (Adamax opt = adamax().learningRate(0.2).beta1(0.85).beta2(0.95).epsilon(1e-6).build();
             Adamax keras3 = adamax().keras3(true).learningRate(0.2).beta1(0.85).beta2(0.95).epsilon(1e-6).build()) {
            Fixtures.runKeras3Golden(opt, dtype, golden);
            Fixtures.runKeras3Golden(keras3, dtype, golden);
        }
    }

    /** The Keras 3 form: adamax.py's update_step in float32, written out, and its slots. */
    @Test
    void keras3FormFollowsUpdateStepInFloat32() {
        float[] g = {1, -6, 7, 0.5f};
        float[] w = {1, 2, 3, 4};
        try (Adamax opt = adamax().keras3(true).learningRate(0.5).beta1(0.9).beta2(0.999).build()) {
            Variable var = new Variable("v", Tensor.wrap(w.clone()));
            opt.apply(List.of(Tensor.wrap(g.clone())), List.of(var));
            float c1 = (float) (1 - 0.9); // a Python float, then a float32 tensor
            float power = (float) Math.pow(0.9f, 1f);
            float[] expected = new float[4];
            for (int i = 0; i < 4; i++) {
                float m = (g[i] - 0f) * c1;
                float u = Math.max(0.999f * 0f, Math.abs(g[i]));
                expected[i] = w[i] - (0.5f * m) / ((1 - power) * (u + 1e-7f));
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, var.value().toFloatArray());
            assertEquals(List.of("momentum", "norm"), opt.getSlotNames());
        }
    }

    // ---- slots, epsilon, config ----------------------------------------------------------------------------

    @Test
    void testSlotsUniqueEagerAndWeightOrder() {
        // adamax_test.py testSlotsUniqueEager: Adamax(1.0) on two variables -> 5 weights (iterations, 2 m, 2 v);
        // adamax.py _create_slots: every m, then every v.
        try (Adamax opt = adamax().learningRate(1.0).build()) {
            Variable a = variable("a", DType.FLOAT32, 1, 2);
            Variable b = variable("b", DType.FLOAT64, 3, 4, 5);
            opt.apply(List.of(tensor(DType.FLOAT32, 0.5, -1), tensor(DType.FLOAT64, 2, 0, -3)), List.of(a, b));
            assertEquals(List.of("m", "v"), opt.getSlotNames());
            List<Tensor> w = opt.getWeights();
            assertEquals(5, w.size());
            assertEquals(1.0, w.get(0).getDouble(0), "iterations first");
            int k = 1;
            for (String slot : List.of("m", "v")) {
                for (Variable v : List.of(a, b)) {
                    Tensor actual = w.get(k++);
                    assertEquals(v.dtype(), actual.dtype(), slot + "(" + v.name() + ")");
                    assertArrayEquals(opt.getSlot(v, slot).toDoubleArray(), actual.toDoubleArray(), slot + "(" + v.name() + ")");
                }
            }
        }
    }

    @Test
    void defaultsAndEpsilonZero() {
        try (Adamax opt = new Adamax()) {
            assertEquals("Adamax", opt.getName());
            assertEquals(Hyperparameter.of(0.001), opt.getLearningRate());
            assertEquals(Hyperparameter.of(0.9), opt.getHyperparameter("beta_1"));
            assertEquals(Hyperparameter.of(0.999), opt.getHyperparameter("beta_2"));
            assertEquals(1e-7, opt.getEpsilon());
        }
        // adamax.py: self.epsilon = epsilon or backend_config.epsilon()
        try (Adamax opt = adamax().epsilon(0).build()) {
            assertEquals(1e-7, opt.getEpsilon());
            assertEquals(1e-7, opt.getConfig().get("epsilon"));
        }
    }

    @Test
    void configKeysOrderAndRoundTrip() {
        // adamax.py get_config: name, [clip...], learning_rate, decay, beta_1, beta_2, epsilon.
        try (Adamax opt = new Adamax()) {
            Map<String, Object> config = opt.getConfig();
            assertEquals(List.of("name", "learning_rate", "decay", "beta_1", "beta_2", "epsilon"), new ArrayList<>(config.keySet()));
            assertEquals(Map.of("name", "Adamax", "learning_rate", 0.001, "decay", 0.0, "beta_1", 0.9, "beta_2", 0.999,
                    "epsilon", 1e-7), config);
        }
        List<Adamax> originals = List.of(new Adamax(0.5),
                Adamax.builder().name("x").learningRate(0.2).beta1(0.85).beta2(0.95).epsilon(1e-6).decay(0.002).clipnorm(1.0).build());
        for (Adamax original : originals) {
            try (original; Adamax copy = Adamax.fromConfig(original.getConfig())) {
                assertEquals(original.getConfig(), copy.getConfig());
                assertEquals(new ArrayList<>(original.getConfig().keySet()), new ArrayList<>(copy.getConfig().keySet()));
            }
        }
    }
}
