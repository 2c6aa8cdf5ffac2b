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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.schedules.LearningRateSchedule;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Nadam against Keras v2.11.0 {@code keras/optimizers/optimizer_v2/nadam.py} (docstring, {@code __init__}'s schedule
 * check and {@code schedule_decay}, {@code _create_slots}, {@code _prepare_local}, {@code get_config}) and
 * {@code keras/optimizers/optimizer_v2/nadam_test.py} (references {@code update_m_cache} and {@code nadam_update_numpy};
 * testBasic, testConstructNAdamWithScheduleDecay), and the Keras 3 formula ({@code keras/src/optimizers/nadam.py}
 * {@code _backend_update_step} and {@code update_step}; {@code nadam_test.py} test_single_step and
 * test_correctness_with_golden).
 */
class NadamTest {

    private static Nadam.Builder nadam() {
        return Nadam.builder().kernels(SCALAR).threads(1);
    }

    /** nadam_test.py {@code update_m_cache} (t 0-based), with the schedule decay as a parameter (0.004 there). */
    static double updateMCache(double mCache, int t, double beta1, double scheduleDecay) {
        double muT = beta1 * (1 - 0.5 * Math.pow(0.96, scheduleDecay * (t + 1)));
        return mCache * muT;
    }

    /**
     * nadam_test.py {@code nadam_update_numpy}, ported in float64, with the schedule decay as a parameter;
     * {@code mCache} is the cache after this step's {@link #updateMCache}. Returns {param_t, m_t, v_t}.
     */
    static double[][] nadamUpdateNumpy(double[] param, double[] g, int t, double[] m, double[] v, double mCache,
                                       double alpha, double beta1, double beta2, double epsilon, double scheduleDecay) {
        double muT = beta1 * (1 - 0.5 * Math.pow(0.96, scheduleDecay * (t + 1)));
        double muT1 = beta1 * (1 - 0.5 * Math.pow(0.96, scheduleDecay * (t + 2)));
        double mCacheT1 = mCache * muT1;
        int n = param.length;
        double[] mT = new double[n];
        double[] vT = new double[n];
        double[] pT = new double[n];
        for (int i = 0; i < n; i++) {
            double gPrime = g[i] / (1 - mCache);
            mT[i] = beta1 * m[i] + (1 - beta1) * g[i];
            vT[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
            double mPrime = mT[i] / (1 - mCacheT1);
            double vPrime = vT[i] / (1 - Math.pow(beta2, t + 1));
            double mBar = (1 - muT) * gPrime + muT1 * mPrime;
            pT[i] = param[i] - alpha * mBar / (Math.sqrt(vPrime) + epsilon);
        }
        return new double[][] {pT, mT, vT};
    }

    /** Keras 3 {@code _backend_update_step}: u_product *= beta_1 (1 - 0.5 * 0.96^(t + 1)), before the variables. */
    static double keras3UProduct(double uProduct, int t, double beta1) {
        return uProduct * beta1 * (1.0 - 0.5 * Math.pow(0.96, t + 1));
    }

    /** Keras 3 {@code nadam.py update_step} in float64; {@code uProduct} after this step's {@link #keras3UProduct}. */
    static double[][] nadamKeras3(double[] param, double[] g, int t, double[] m, double[] v, double uProduct,
                                  double lr, double beta1, double beta2, double epsilon) {
        double uT = beta1 * (1.0 - 0.5 * Math.pow(0.96, t + 1));
        double uT1 = beta1 * (1.0 - 0.5 * Math.pow(0.96, t + 2));
        double uProductT1 = uProduct * uT1;
        double beta2Power = Math.pow(beta2, t + 1);
        int n = param.length;
        double[] mT = new double[n];
        double[] vT = new double[n];
        double[] pT = new double[n];
        for (int i = 0; i < n; i++) {
            mT[i] = m[i] + (g[i] - m[i]) * (1 - beta1);
            vT[i] = v[i] + (g[i] * g[i] - v[i]) * (1 - beta2);
            double mHat = uT1 * mT[i] / (1 - uProductT1) + (1 - uT) * g[i] / (1 - uProduct);
            double vHat = vT[i] / (1 - beta2Power);
            pT[i] = param[i] - mHat * lr / (Math.sqrt(vHat) + epsilon);
        }
        return new double[][] {pT, mT, vT};
    }

    private static final double[] VAR0 = {1.0, 2.0};
    private static final double[] GRADS0 = {0.1, 0.1};
    private static final double[] VAR1 = {3.0, 4.0};
    private static final double[] GRADS1 = {0.01, 0.01};
    private static final double[] VAR2 = cycle(17, 1.0, 2.0, 3.0, 4.0);
    private static final double[] GRADS2 = cycle(17, 0.1, -0.1, 0.01, -0.01, 0.2);

    /**
     * testBasic's fixture plus a 17-element variable, 3 steps. Keras's check: {@code nadam_update_numpy} with its default
     * epsilon 1e-8 against Nadam's 1e-7, assertAllCloseAccordingToType (1e-6); the tight check: epsilon 1e-7 and TF's
     * float32 hypers. {@code keras3}: Keras 3's formula (beta_1, beta_2 are Python floats there).
     */
    private static void runFixture(Nadam opt, DType dtype, boolean keras3, double lr, double beta1, double beta2, double epsilon,
                                   double scheduleDecay) {
        double[][] inits = {VAR0, VAR1, VAR2};
        double[][] grads = {GRADS0, GRADS1, GRADS2};
        List<Variable> vars = List.of(variable("var0", dtype, VAR0), variable("var1", dtype, VAR1), variable("var2", dtype, VAR2));
        List<Tensor> gradTensors = tensors(dtype, grads);
        double[][][] tf = new double[3][][];
        double[][][] np = new double[3][][];
        for (int k = 0; k < 3; k++) {
            int n = inits[k].length;
            tf[k] = new double[][] {rounded(dtype, inits[k]), new double[n], new double[n]};
            np[k] = new double[][] {rounded(dtype, inits[k]), new double[n], new double[n]};
        }
        double tfCache = 1.0;
        double npCache = 1.0;
        double b1 = keras3 ? dtype.round(beta1) : hyper(beta1);
        double b2 = keras3 ? dtype.round(beta2) : hyper(beta2);
        for (int t = 0; t < 3; t++) {
            opt.apply(gradTensors, vars);
            if (keras3) {
                tfCache = keras3UProduct(tfCache, t, b1);
                npCache = keras3UProduct(npCache, t, beta1);
            } else {
                tfCache = updateMCache(tfCache, t, b1, dtype.round(scheduleDecay));
                npCache = updateMCache(npCache, t, beta1, scheduleDecay);
            }
            for (int k = 0; k < 3; k++) {
                double[] g = rounded(dtype, grads[k]);
                Variable v = vars.get(k);
                String at = v.name() + " " + dtype.kerasName() + " step " + (t + 1);
                if (keras3) {
                    tf[k] = nadamKeras3(tf[k][0], g, t, tf[k][1], tf[k][2], tfCache, hyper(lr), b1, b2, dtype.round(epsilon));
                    np[k] = nadamKeras3(np[k][0], g, t, np[k][1], np[k][2], npCache, lr, beta1, beta2, epsilon);
                    assertClose(np[k][0], v.value(), 1e-6, 1e-6, "var vs Keras 3 with Python floats, " + at);
                } else {
                    tf[k] = nadamUpdateNumpy(tf[k][0], g, t, tf[k][1], tf[k][2], tfCache, hyper(lr), b1, b2, dtype.round(epsilon),
                            dtype.round(scheduleDecay));
                    // nadam_test.py passes the numpy reference its default epsilon 1e-8 (the optimizer uses 1e-7)
                    np[k] = nadamUpdateNumpy(np[k][0], g, t, np[k][1], np[k][2], npCache, lr, beta1, beta2,
                            epsilon == 1e-7 ? 1e-8 : epsilon, scheduleDecay);
                    assertClose(np[k][0], v.value(), 1e-6, 1e-6, "var vs numpy, " + at);
                }
                assertClose(np[k][1], opt.getSlot(v, slot(opt, "m")), 1e-6, 1e-6, "m vs numpy, " + at);
                assertClose(np[k][2], opt.getSlot(v, slot(opt, "v")), 1e-6, 1e-6, "v vs numpy, " + at);
                assertMatchesReference(tf[k][0], v.value(), 4, "var " + at);
                assertMatchesReference(tf[k][1], opt.getSlot(v, slot(opt, "m")), 8, "m " + at);
                assertMatchesReference(tf[k][2], opt.getSlot(v, slot(opt, "v")), 8, "v " + at);
            }
            // the optimizer-wide weight after iterations: momentum_cache (Keras 2) or u_product (Keras 3)
            Tensor cache = productWeight(opt);
            assertEquals(dtype, cache.dtype());
            assertClose(new double[] {npCache}, cache.toDoubleArray(), 1e-6, 0, "momentum cache step " + (t + 1));
            if (dtype == DType.FLOAT64) {
                assertClose(new double[] {tfCache}, cache.toDoubleArray(), 1e-14, 0, "momentum cache step " + (t + 1));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void testBasic(DType dtype) {
        // nadam_test.py testBasic: Nadam() (lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7, schedule_decay 0.004), 3 steps;
        // mcache = update_m_cache(mcache, t) before each nadam_update_numpy.
        try (Nadam opt = nadam().build()) {
            runFixture(opt, dtype, false, 0.001, 0.9, 0.999, 1e-7, 0.004);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void everyOptionAwayFromItsDefault(DType dtype) {
        // Nadam(0.05, beta_1=0.8, beta_2=0.99, epsilon=1e-3, schedule_decay=0.5): the schedule decay moves only the
        // momentum schedule; the learning rate stays 0.05 (nadam.py _prepare_local reads the hyper, no _decayed_lr).
        try (Nadam opt = nadam().learningRate(0.05).beta1(0.8).beta2(0.99).epsilon(1e-3).scheduleDecay(0.5).build()) {
            assertEquals(0.5, opt.getDecay());
            runFixture(opt, dtype, false, 0.05, 0.8, 0.99, 1e-3, 0.5);
        }
    }

    @Test
    void learningRateIsNotInverseTimeDecayed() {
        // nadam.py _prepare_local reads the learning_rate hyper directly (no _decayed_lr), so although `decay` is set
        // (to the schedule decay, here 0.5) the learning rate is not divided by 1 + decay * t: after 4 steps var matches
        // the reference with a constant lr and is far from the one with an inverse-time-decayed lr.
        try (Nadam opt = nadam().learningRate(0.1).scheduleDecay(0.5).build()) {
            Variable var = variable("w", DType.FLOAT64, 1.0);
            double[][] s = {{1.0}, {0.0}, {0.0}};
            double[][] decayed = {{1.0}, {0.0}, {0.0}};
            double cache = 1.0;
            for (int t = 0; t < 4; t++) {
                opt.apply(List.of(tensor(DType.FLOAT64, 1.0)), List.of(var));
                cache = updateMCache(cache, t, hyper(0.9), 0.5);
                s = nadamUpdateNumpy(s[0], new double[] {1.0}, t, s[1], s[2], cache, hyper(0.1), hyper(0.9), hyper(0.999), 1e-7, 0.5);
                decayed = nadamUpdateNumpy(decayed[0], new double[] {1.0}, t, decayed[1], decayed[2], cache,
                        hyper(0.1) / (1 + 0.5 * t), hyper(0.9), hyper(0.999), 1e-7, 0.5);
            }
            assertEquals(s[0][0], var.value().getDouble(0), 1e-14);
            assertTrue(Math.abs(decayed[0][0] - var.value().getDouble(0)) > 1e-2);
        }
    }

    @Test
    void momentumCacheIsTheProductOfTheMomentumSchedule() {
        // nadam.py _prepare_local: m_schedule_new = momentum_cache * mu_t, written back to momentum_cache, where
        // mu_t = beta_1 * (1 - 0.5 * 0.96^(decay * t)), t = iterations + 1, computed in the variable's dtype.
        try (Nadam opt = nadam().build()) {
            Variable a = variable("a", DType.FLOAT32, 1.0, 2.0);
            Variable b = variable("b", DType.FLOAT64, 3.0);
            opt.build(List.of(a, b));
            assertEquals(1.0, productWeight(opt).getDouble(0), "momentum_cache starts at 1 (initializer 'ones')");
            for (int s = 0; s < 2; s++) {
                opt.apply(List.of(tensor(DType.FLOAT32, 0.1, 0.2), tensor(DType.FLOAT64, 0.3)), List.of(a, b));
            }
            Tensor cache = productWeight(opt);
            assertEquals(DType.FLOAT32, cache.dtype(), "momentum_cache has var_list[0]'s dtype");
            assertArrayEquals(new long[0], cache.shape(), "momentum_cache is a scalar");
            float mu1 = 0.9f * (1f - 0.5f * (float) Math.pow(0.96f, 0.004f * 1f));
            float mu2 = 0.9f * (1f - 0.5f * (float) Math.pow(0.96f, 0.004f * 2f));
            assertEquals((1f * mu1) * mu2, (float) cache.getDouble(0), "momentum_cache after two steps, float32 arithmetic");
            double exact = 0.9 * (1 - 0.5 * Math.pow(0.96, 0.004)) * 0.9 * (1 - 0.5 * Math.pow(0.96, 0.008));
            assertEquals(exact, cache.getDouble(0), 1e-6);
        }
        try (Nadam opt = nadam().build()) {
            Variable a = variable("a", DType.FLOAT64, 1.0);
            for (int s = 0; s < 2; s++) {
                opt.apply(List.of(tensor(DType.FLOAT64, 0.1)), List.of(a));
            }
            double b1 = hyper(0.9);
            double want = b1 * (1 - 0.5 * Math.pow(0.96, 0.004 * 1)) * (b1 * (1 - 0.5 * Math.pow(0.96, 0.004 * 2)));
            assertEquals(want, productWeight(opt).getDouble(0), 1e-15);
        }
    }

    @Test
    void float32FollowsKeras2sOperationOrder() {
        // nadam.py _prepare_local (every scalar in float32) and _resource_apply_dense:
        //   g' = g / (1 - m_schedule_new); m = beta_1 m + (1 - beta_1) g; m' = m / (1 - m_schedule_next);
        //   v = beta_2 v + (1 - beta_2) g^2; v' = v / (1 - beta_2^t); m_bar = (1 - mu_t) g' + mu_{t+1} m';
        //   var = var - lr m_bar / (sqrt(v') + epsilon)
        try (Nadam opt = nadam().learningRate(0.01).build()) {
            Variable var = variable("w", DType.FLOAT32, 1.0, -2.0, 3.0);
            float lr = 0.01f;
            float b1 = 0.9f;
            float b2 = 0.999f;
            float eps = 1e-7f;
            float cache = 1f;
            float[] w = {1f, -2f, 3f};
            float[] m = new float[3];
            float[] v = new float[3];
            float[][] grads = {{0.1f, -0.3f, 2.0f}, {0.05f, 0.2f, -1.0f}, {1e-3f, 0f, 0.5f}};
            for (int t = 0; t < grads.length; t++) {
                opt.apply(List.of(Tensor.wrap(grads[t].clone())), List.of(var));
                float step = t + 1;
                float next = t + 2;
                float mu = b1 * (1f - 0.5f * (float) Math.pow(0.96f, 0.004f * step));
                float mu1 = b1 * (1f - 0.5f * (float) Math.pow(0.96f, 0.004f * next));
                float scheduleNew = cache * mu;
                cache = scheduleNew;
                float scheduleNext = scheduleNew * mu1;
                float b2Power = (float) Math.pow(b2, step);
                for (int i = 0; i < 3; i++) {
                    float g = grads[t][i];
                    float gPrime = g / (1f - scheduleNew);
                    m[i] = b1 * m[i] + (1f - b1) * g;
                    float mPrime = m[i] / (1f - scheduleNext);
                    v[i] = b2 * v[i] + (1f - b2) * (g * g);
                    float vPrime = v[i] / (1f - b2Power);
                    float mBar = (1f - mu) * gPrime + mu1 * mPrime;
                    w[i] = w[i] - (lr * mBar) / ((float) Math.sqrt(vPrime) + eps);
                }
                assertFloatsExactly(w, var.value(), "var step " + (t + 1));
                assertFloatsExactly(m, opt.getSlot(var, slot(opt, "m")), "m step " + (t + 1));
                assertFloatsExactly(v, opt.getSlot(var, slot(opt, "v")), "v step " + (t + 1));
                assertFloatsExactly(new float[] {cache}, productWeight(opt), "momentum_cache step " + (t + 1));
            }
        }
    }

    // ---- docstring ----------------------------------------------------------------------------------------

    @Test
    void docstringExample() {
        // nadam.py docstring: Nadam(learning_rate=0.2), var1 = 10.0, loss = var1**2/2 -> "{:.1f}".format(var1) == "9.8";
        // the legacy formula gives 9.78871 in float32 (9.7887096410526 in float64), Keras 3's 9.787442.
        for (boolean keras3 : new boolean[] {false, true}) {
            try (Nadam opt = nadam().learningRate(0.2).keras3(keras3).build()) {
                Variable var = variable("var1", DType.FLOAT32, 10.0);
                opt.apply(List.of(tensor(DType.FLOAT32, var.value().getDouble(0))), List.of(var));
                float value = (float) var.value().getDouble(0);
                assertEquals("9.8", String.format(Locale.ROOT, "%.1f", value));
                float want = keras3 ? 9.787442f : 9.78871f;
                assertEquals(want, value, 2 * Math.ulp(want), keras3 ? "Keras 3" : "Keras 2");
            }
            try (Nadam opt = nadam().learningRate(0.2).keras3(keras3).build()) {
                Variable var = variable("var1", DType.FLOAT64, 10.0);
                opt.apply(List.of(tensor(DType.FLOAT64, 10.0)), List.of(var));
                assertEquals(keras3 ? 9.78744 : 9.78871, var.value().getDouble(0), 1e-5, keras3 ? "Keras 3" : "Keras 2");
                if (!keras3) {
                    assertEquals(9.7887096410526, var.value().getDouble(0), 1e-12);
                }
            }
        }
    }

    // ---- schedules ---------------------------------------------------------------------------------------------

    @Test
    void learningRateScheduleIsRejected() {
        // nadam.py __init__: isinstance(learning_rate, LearningRateSchedule) -> ValueError.
        String message = "The Nadam optimizer does not support tf.keras.optimizers.LearningRateSchedules as the learning rate.";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Nadam.builder().learningRate(step -> 0.1).build());
        assertEquals(message, e.getMessage());
        try (Nadam opt = nadam().learningRate(0.1).build()) {
            IllegalArgumentException set = assertThrows(IllegalArgumentException.class,
                    () -> opt.setLearningRate((LearningRateSchedule) step -> 0.1));
            assertEquals(message, set.getMessage());
            assertEquals(Hyperparameter.of(0.1), opt.getLearningRate(), "the learning rate is unchanged");
            // a callable (not a schedule) is allowed, as in Keras
            opt.setLearningRate(() -> 0.05);
            assertEquals(0.05, opt.getLearningRate().value(0));
        }
        try (Nadam opt = nadam().learningRate(() -> 0.1).build()) {
            assertEquals(0.1, opt.getLearningRate().value(0));
        }
    }

    @Test
    void keras3AcceptsASchedule() {
        // keras/src/optimizers/nadam.py has no such check: the learning rate may be a schedule.
        LearningRateSchedule schedule = step -> 0.1 / (1 + step);
        try (Nadam opt = nadam().learningRate(schedule).keras3(true).build()) {
            Variable var = variable("w", DType.FLOAT64, VAR2);
            double[][] s = {VAR2.clone(), new double[17], new double[17]};
            double u = 1.0;
            for (int t = 0; t < 3; t++) {
                opt.apply(List.of(tensor(DType.FLOAT64, GRADS2)), List.of(var));
                u = keras3UProduct(u, t, 0.9);
                s = nadamKeras3(s[0], GRADS2, t, s[1], s[2], u, schedule.apply(t), 0.9, 0.999, 1e-7);
                assertMatchesReference(s[0], var.value(), 4, "var step " + (t + 1));
            }
            opt.setLearningRate((LearningRateSchedule) step -> 0.5);
            assertEquals(0.5, opt.getLearningRate().value(7));
        }
        try (Nadam opt = nadam().keras3(true).build()) {
            opt.setLearningRate(schedule);
            assertEquals(0.05, opt.getLearningRate().value(1));
        }
    }

    // ---- Keras 3 -------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void keras3MatchesKeras3UpdateStep(DType dtype) {
        try (Nadam opt = nadam().keras3(true).build()) {
            assertTrue(opt.isKeras3());
            runFixture(opt, dtype, true, 0.001, 0.9, 0.999, 1e-7, 0.0);
        }
        try (Nadam opt = nadam().learningRate(0.05).beta1(0.8).beta2(0.99).epsilon(1e-3).keras3(true).build()) {
            runFixture(opt, dtype, true, 0.05, 0.8, 0.99, 1e-3, 0.0);
        }
    }

    @Test
    void float32Keras3FollowsKeras3sOperationOrder() {
        // keras/src/optimizers/nadam.py: _backend_update_step u_product = u_product * beta_1 * (1 - 0.5 * 0.96^(t)), then
        // update_step: m += (g - m)(1 - beta_1); v += (g^2 - v)(1 - beta_2);
        // m_hat = u_{t+1} m / (1 - u_product u_{t+1}) + (1 - u_t) g / (1 - u_product); v_hat = v / (1 - beta_2^t);
        // var -= m_hat lr / (sqrt(v_hat) + epsilon), all in float32.
        try (Nadam opt = nadam().learningRate(0.01).keras3(true).build()) {
            Variable var = variable("w", DType.FLOAT32, 1.0, -2.0, 3.0);
            float lr = 0.01f;
            float b1 = 0.9f;
            float b2 = 0.999f;
            float eps = 1e-7f;
            float uProduct = 1f;
            float[] w = {1f, -2f, 3f};
            float[] m = new float[3];
            float[] v = new float[3];
            float[][] grads = {{0.1f, -0.3f, 2.0f}, {0.05f, 0.2f, -1.0f}, {1e-3f, 0f, 0.5f}};
            for (int t = 0; t < grads.length; t++) {
                opt.apply(List.of(Tensor.wrap(grads[t].clone())), List.of(var));
                float step = t + 1;
                float next = t + 2;
                uProduct = uProduct * b1 * (1f - 0.5f * (float) Math.pow(0.96f, step));
                float uT = b1 * (1f - 0.5f * (float) Math.pow(0.96f, step));
                float uT1 = b1 * (1f - 0.5f * (float) Math.pow(0.96f, next));
                float uProductT1 = uProduct * uT1;
                float b2Power = (float) Math.pow(b2, step);
                for (int i = 0; i < 3; i++) {
                    float g = grads[t][i];
                    m[i] = m[i] + (g - m[i]) * (1f - b1);
                    v[i] = v[i] + (g * g - v[i]) * (1f - b2);
                    float mHat = (uT1 * m[i]) / (1f - uProductT1) + ((1f - uT) * g) / (1f - uProduct);
                    float vHat = v[i] / (1f - b2Power);
                    w[i] = w[i] - (mHat * lr) / ((float) Math.sqrt(vHat) + eps);
                }
                assertFloatsExactly(w, var.value(), "var step " + (t + 1));
                assertFloatsExactly(m, opt.getSlot(var, slot(opt, "m")), "m step " + (t + 1));
                assertFloatsExactly(v, opt.getSlot(var, slot(opt, "v")), "v step " + (t + 1));
                assertFloatsExactly(new float[] {uProduct}, productWeight(opt), "u_product step " + (t + 1));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void keras3SingleStep(DType dtype) {
        // keras/src/optimizers/nadam_test.py test_single_step: Nadam(learning_rate=0.5) -> [0.4686, 1.4686, 2.4686, 3.4686].
        try (Nadam opt = nadam().learningRate(0.5).keras3(true).build()) {
            Variable var = variable("vars", dtype, 1.0, 2.0, 3.0, 4.0);
            opt.apply(List.of(tensor(dtype, 1.0, 6.0, 7.0, 2.0)), List.of(var));
            assertClose(new double[] {0.4686, 1.4686, 2.4686, 3.4686}, var.value(), 1e-4, 1e-4, "vars");
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void keras3CorrectnessWithGolden(DType dtype) {
        // keras/src/optimizers/nadam_test.py test_correctness_with_golden:
        // Nadam(learning_rate=0.5, beta_1=0.5, beta_2=0.67, epsilon=1e-5), rtol = atol = 5e-4.
        double[][] golden = {
            {0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281},
            {-0.1738, -0.1731, -0.1726, -0.1723, -0.1721, -0.172, -0.1719, -0.1718, -0.1718, -0.1717},
            {-0.7115, -0.7103, -0.7096, -0.7092, -0.709, -0.7088, -0.7086, -0.7085, -0.7085, -0.7084},
            {-1.2335, -1.2322, -1.2313, -1.2309, -1.2306, -1.2304, -1.2302, -1.2301, -1.23, -1.2299},
            {-1.7492, -1.7478, -1.7469, -1.7464, -1.7461, -1.7459, -1.7457, -1.7456, -1.7455, -1.7454}};
        try (Nadam opt = nadam().learningRate(0.5).beta1(0.5).beta2(0.67).epsilon(1e-5).keras3(true).build()) {
            Fixtures.runKeras3Golden(opt, dtype, golden);
        }
    }

    @Test
    void keras3DiffersFromKeras2InTheMomentumSchedule() {
        // Keras 2: mu_t = beta_1 (1 - 0.5 * 0.96^(0.004 t)); Keras 3: beta_1 (1 - 0.5 * 0.96^t).
        try (Nadam k2 = nadam().learningRate(0.2).build(); Nadam k3 = nadam().learningRate(0.2).keras3(true).build()) {
            Variable a = variable("a", DType.FLOAT64, 10.0);
            Variable b = variable("b", DType.FLOAT64, 10.0);
            k2.apply(List.of(tensor(DType.FLOAT64, 10.0)), List.of(a));
            k3.apply(List.of(tensor(DType.FLOAT64, 10.0)), List.of(b));
            assertTrue(Math.abs(a.value().getDouble(0) - b.value().getDouble(0)) > 1e-3);
            assertEquals(hyper(0.9) * (1 - 0.5 * Math.pow(0.96, 0.004)), productWeight(k2).getDouble(0), 1e-15);
            assertEquals(0.9 * (1 - 0.5 * 0.96), productWeight(k3).getDouble(0), 1e-15);
        }
    }

    // ---- weights, config -----------------------------------------------------------------------------------

    @Test
    void weightOrder() {
        // nadam.py _create_slots: momentum_cache is appended to _weights right after iterations, then every m, every v.
        try (Nadam opt = nadam().learningRate(0.1).build()) {
            Variable a = variable("a", DType.FLOAT64, 1, 2);
            Variable b = variable("b", DType.FLOAT32, 3, 4, 5);
            opt.apply(List.of(tensor(DType.FLOAT64, 0.5, -1), tensor(DType.FLOAT32, 2, 0, -3)), List.of(a, b));
            assertEquals(List.of("m", "v"), opt.getSlotNames());
            List<Tensor> w = opt.getWeights();
            assertEquals(6, w.size());
            assertEquals(DType.INT64, w.get(0).dtype());
            assertEquals(1.0, w.get(0).getDouble(0), "iterations first");
            assertEquals(DType.FLOAT64, w.get(1).dtype(), "momentum_cache has the first variable's dtype");
            assertArrayEquals(new long[0], w.get(1).shape());
            assertEquals(hyper(0.9) * (1 - 0.5 * Math.pow(0.96, 0.004)), w.get(1).getDouble(0), 1e-15);
            int k = 2;
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
    void defaultsScheduleDecayAndEpsilonZero() {
        try (Nadam opt = new Nadam()) {
            assertEquals("Nadam", opt.getName());
            assertEquals(Hyperparameter.of(0.001), opt.getLearningRate());
            assertEquals(Hyperparameter.of(0.9), opt.getHyperparameter("beta_1"));
            assertEquals(Hyperparameter.of(0.999), opt.getHyperparameter("beta_2"));
            assertEquals(1e-7, opt.getEpsilon());
            assertEquals(0.004, opt.getDecay(), "decay is the schedule decay, 0.004 by default");
            assertFalse(opt.isKeras3());
        }
        // nadam_test.py testConstructNAdamWithScheduleDecay: Nadam(schedule_decay=0.2) -> opt.decay == 0.2
        try (Nadam opt = nadam().scheduleDecay(0.2).build()) {
            assertEquals(0.2, opt.getDecay());
        }
        try (Nadam opt = nadam().epsilon(0).build()) {
            assertEquals(1e-7, opt.getEpsilon());
            assertEquals(1e-7, opt.getConfig().get("epsilon"));
        }
    }

    @Test
    void configKeysOrderAndRoundTrip() {
        // nadam.py get_config: name, [clip...], learning_rate, decay (the schedule decay), beta_1, beta_2, epsilon.
        try (Nadam opt = new Nadam()) {
            Map<String, Object> config = opt.getConfig();
            assertEquals(List.of("name", "learning_rate", "decay", "beta_1", "beta_2", "epsilon"), new ArrayList<>(config.keySet()));
            assertEquals(Map.of("name", "Nadam", "learning_rate", 0.001, "decay", 0.004, "beta_1", 0.9, "beta_2", 0.999,
                    "epsilon", 1e-7), config);
        }
        List<Nadam> originals = List.of(new Nadam(0.2),
                Nadam.builder().name("n").learningRate(0.05).beta1(0.8).beta2(0.99).epsilon(1e-3).scheduleDecay(0.2).clipvalue(1.0).build());
        for (Nadam original : originals) {
            try (original; Nadam copy = Nadam.fromConfig(original.getConfig())) {
                assertEquals(original.getConfig(), copy.getConfig());
                assertEquals(new ArrayList<>(original.getConfig().keySet()), new ArrayList<>(copy.getConfig().keySet()));
                assertEquals(original.getDecay(), copy.getDecay());
            }
        }
        // nadam.py __init__ reads schedule_decay (kwargs.pop("schedule_decay", 0.004))
        try (Nadam opt = Nadam.fromConfig(Map.of("schedule_decay", 0.2))) {
            assertEquals(0.2, opt.getDecay());
            assertEquals(0.2, opt.getConfig().get("decay"));
        }
    }

    /** A TF2 slot name as the optimizer calls it: Keras 3's names for its Keras 3 form. */
    private static String slot(Optimizer opt, String tf2Name) {
        return !opt.isKeras3() ? tf2Name : tf2Name.equals("m") ? "momentum" : "velocity";
    }

    /** momentum_cache (Keras 2, the first weight after iterations) or u_product (Keras 3.10+, the last). */
    private static Tensor productWeight(Optimizer opt) {
        List<Tensor> weights = opt.getWeights();
        return opt.isKeras3() ? weights.get(weights.size() - 1) : weights.get(1);
    }
}