package dev.panamax.optimizers;

import static dev.panamax.optimizers.Fixtures.SCALAR;
import static dev.panamax.optimizers.Fixtures.assertClose;
import static dev.panamax.optimizers.Fixtures.assertFloatsExactly;
import static dev.panamax.optimizers.Fixtures.assertMatchesReference;
import static dev.panamax.optimizers.Fixtures.cycle;
import static dev.panamax.optimizers.Fixtures.filled;
import static dev.panamax.optimizers.Fixtures.hyper;
import static dev.panamax.optimizers.Fixtures.tensor;
import static dev.panamax.optimizers.Fixtures.variable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Adadelta against Keras v2.11.0 {@code keras/optimizers/optimizer_v2/adadelta.py} ({@code _create_slots},
 * {@code get_config}, epsilon fallback) and {@code keras/optimizers/optimizer_v2/adadelta_test.py} (doTestBasic with its
 * inline NumPy computation, testBasicCallableParams, testMinimizeSparseResourceVariable,
 * testConstructAdadeltaWithEpsilonValues), and Keras 3 {@code keras/src/optimizers/adadelta_test.py} (test_single_step,
 * test_correctness_with_golden), whose update is the same formula.
 */
class AdadeltaTest {

    private static Adadelta.Builder adadelta() {
        return Adadelta.builder().kernels(SCALAR).threads(1);
    }

    /** doTestBasic's grid: dtype x grad in [0.2, 0.1, 0.01] x lr in [1.0, 0.5, 0.1], with constant and callable hyperparameters. */
    static Stream<Arguments> grid() {
        List<Arguments> out = new ArrayList<>();
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (double grad : new double[] {0.2, 0.1, 0.01}) {
                for (double lr : new double[] {1.0, 0.5, 0.1}) {
                    for (boolean callable : new boolean[] {false, true}) {
                        out.add(Arguments.of(dtype, grad, lr, callable));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} grad={1} lr={2} callable={3}")
    @MethodSource("grid")
    void doTestBasic(DType dtype, double grad, double lr, boolean callable) {
        // adadelta_test.py doTestBasic: Adadelta(learning_rate=lr, rho=0.95, epsilon=1e-8) (testBasicCallableParams:
        // learning_rate=lambda: lr, rho=lambda: rho), the same gradient for var0 = [1, 2] and var1 = [3, 4], 4 steps:
        //   accum = accum * rho + grad**2 * (1 - rho)
        //   update = sqrt(accum_update + epsilon) * (1.0 / sqrt(accum + epsilon)) * grad
        //   accum_update = accum_update * rho + update**2 * (1.0 - rho); tot_update += update * lr
        // then accum_grad == accum, accum_var == accum_update, var0 == [1.0 - tot_update, 2.0 - tot_update], rtol=1e-5.
        double rho = 0.95;
        double epsilon = 1e-8;
        Adadelta.Builder b = adadelta().epsilon(epsilon);
        if (callable) {
            b.learningRate(() -> lr).rho(() -> rho);
        } else {
            b.learningRate(lr).rho(rho);
        }
        // What the kernel sees: constants through float32 hyper variables, callables cast directly; epsilon in the dtype.
        double tfRho = callable ? dtype.round(rho) : hyper(rho);
        double tfLr = callable ? dtype.round(lr) : hyper(lr);
        double tfEps = dtype.round(epsilon);
        double g = dtype.round(grad);
        try (Adadelta opt = b.build()) {
            Variable var0 = variable("var0", dtype, 1.0, 2.0);
            Variable var1 = variable("var1", dtype, 3.0, 4.0);
            Variable var2 = variable("var2", dtype, cycle(17, 1.0, 2.0, 3.0, 4.0));
            List<Variable> vars = List.of(var0, var1, var2);
            List<Tensor> grads = List.of(tensor(dtype, g, g), tensor(dtype, g, g), tensor(dtype, filled(17, g)));
            double accum = 0.0;
            double accumUpdate = 0.0;
            double totUpdate = 0;
            double tfAccum = 0.0;
            double tfAccumUpdate = 0.0;
            double tfTot = 0;
            for (int step = 0; step < 4; step++) {
                opt.apply(grads, vars);
                accum = accum * rho + (grad * grad) * (1 - rho);
                double update = Math.sqrt(accumUpdate + epsilon) * (1.0 / Math.sqrt(accum + epsilon)) * grad;
                accumUpdate = accumUpdate * rho + (update * update) * (1.0 - rho);
                totUpdate += update * lr;

                tfAccum = tfAccum * tfRho + (g * g) * (1 - tfRho);
                double tfUpdate = Math.sqrt(tfAccumUpdate + tfEps) * (1.0 / Math.sqrt(tfAccum + tfEps)) * g;
                tfAccumUpdate = tfAccumUpdate * tfRho + (tfUpdate * tfUpdate) * (1 - tfRho);
                tfTot += tfUpdate * tfLr;

                String at = dtype.kerasName() + " step " + (step + 1);
                for (Variable v : vars) {
                    int n = Math.toIntExact(v.value().size());
                    double[] init = n == 2 ? (v == var0 ? new double[] {1.0, 2.0} : new double[] {3.0, 4.0}) : cycle(17, 1.0, 2.0, 3.0, 4.0);
                    double[] want = new double[n];
                    double[] tfWant = new double[n];
                    for (int i = 0; i < n; i++) {
                        want[i] = init[i] - totUpdate;
                        tfWant[i] = init[i] - tfTot;
                    }
                    assertClose(filled(n, accum), opt.getSlot(v, "accum_grad"), 1e-5, 0, "accum_grad " + v.name() + " " + at);
                    assertClose(filled(n, accumUpdate), opt.getSlot(v, "accum_var"), 1e-5, 0, "accum_var " + v.name() + " " + at);
                    assertClose(want, v.value(), 1e-5, 0, v.name() + " " + at);
                    assertMatchesReference(filled(n, tfAccum), opt.getSlot(v, "accum_grad"), 4, "accum_grad " + v.name() + " " + at);
                    assertMatchesReference(filled(n, tfAccumUpdate), opt.getSlot(v, "accum_var"), 8, "accum_var " + v.name() + " " + at);
                    if (dtype == DType.FLOAT64) {
                        // var0 - tot_update is summed in another order than the optimizer's step-by-step subtraction
                        assertClose(tfWant, v.value(), 1e-14, 1e-14, v.name() + " " + at);
                    } else {
                        assertMatchesReference(tfWant, v.value(), 8, v.name() + " " + at);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void testMinimizeSparseResourceVariable(DType dtype) {
        // adadelta_test.py testMinimizeSparseResourceVariable: var0 = [[1.0, 2.0]], x = [[4.0], [5.0]],
        // loss = (lookup(var0, [0]) @ x)^2, Adadelta(1.0, 1.0, 1.0), one step -> [[-111, -138]]. rho = 1 keeps accum at 0,
        // so update = sqrt(0 + 1) / sqrt(0 + 1) * g = g = [112, 140]. The only row is looked up: a dense gradient is the same.
        try (Adadelta opt = adadelta().learningRate(1.0).rho(1.0).epsilon(1.0).build()) {
            Variable var0 = variable("var0", dtype, 1.0, 2.0);
            double pred = 1.0 * 4.0 + 2.0 * 5.0;
            opt.apply(List.of(tensor(dtype, 2 * pred * 4.0, 2 * pred * 5.0)), List.of(var0));
            assertClose(new double[] {-111, -138}, var0.value(), 1e-6, 1e-6, "var0");
        }
    }

    @Test
    void float32FollowsTheOperationOrderOfApplyAdadelta() {
        // training_ops.cc ApplyAdadelta: accum = accum * rho + grad.square() * (1 - rho);
        // update = (accum_update + epsilon).sqrt() * (accum + epsilon).rsqrt() * grad; var -= update * lr;
        // accum_update = accum_update * rho + update.square() * (1 - rho). rsqrt is taken as 1 / sqrt.
        try (Adadelta opt = adadelta().learningRate(0.5).rho(0.9).epsilon(1e-6).build()) {
            Variable var = variable("w", DType.FLOAT32, 1.0, -2.0, 3.0);
            float lr = 0.5f;
            float rho = 0.9f;
            float oneMinusRho = 1f - rho;
            float eps = 1e-6f;
            float[] w = {1f, -2f, 3f};
            float[] a = new float[3];
            float[] au = new float[3];
            float[][] grads = {{0.1f, -0.3f, 2.0f}, {0.05f, 0.2f, -1.0f}, {1e-3f, 0f, 0.5f}};
            for (int t = 0; t < grads.length; t++) {
                opt.apply(List.of(Tensor.wrap(grads[t].clone())), List.of(var));
                for (int i = 0; i < 3; i++) {
                    float g = grads[t][i];
                    a[i] = a[i] * rho + (g * g) * oneMinusRho;
                    float update = (float) Math.sqrt(au[i] + eps) * (1f / (float) Math.sqrt(a[i] + eps)) * g;
                    w[i] = w[i] - update * lr;
                    au[i] = au[i] * rho + (update * update) * oneMinusRho;
                }
                assertFloatsExactly(w, var.value(), "var step " + (t + 1));
                assertFloatsExactly(a, opt.getSlot(var, "accum_grad"), "accum_grad step " + (t + 1));
                assertFloatsExactly(au, opt.getSlot(var, "accum_var"), "accum_var step " + (t + 1));
            }
        }
    }

    // ---- Keras 3 golden values (the same update) -------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void keras3SingleStep(DType dtype) {
        // keras/src/optimizers/adadelta_test.py test_single_step: Adadelta(learning_rate=0.5), grads [1, 6, 7, 2],
        // vars [1, 2, 3, 4] -> [0.9993, 1.9993, 2.9993, 3.9993] (rtol = atol = 1e-4).
        for (boolean keras3 : new boolean[] {false, true}) {
            try (Adadelta opt = adadelta().learningRate(0.5).keras3(keras3).build()) {
                Variable var = variable("vars", dtype, 1.0, 2.0, 3.0, 4.0);
                opt.apply(List.of(tensor(dtype, 1.0, 6.0, 7.0, 2.0)), List.of(var));
                assertClose(new double[] {0.9993, 1.9993, 2.9993, 3.9993}, var.value(), 1e-4, 1e-4, "vars");
            }
        }
    }

    /** The Keras 3 form: adadelta.py's update_step in float32, written out, and its slots. */
    @Test
    void keras3FormFollowsUpdateStepInFloat32() {
        float[] g = {1, -6, 7, 0.5f};
        float[] w = {1, 2, 3, 4};
        try (Adadelta opt = adadelta().keras3(true).learningRate(0.5).rho(0.8).epsilon(1e-6).build()) {
            Variable var = new Variable("v", Tensor.wrap(w.clone()));
            opt.apply(List.of(Tensor.wrap(g.clone())), List.of(var));
            float rho = 0.8f;
            float c = (float) (1 - 0.8); // a Python float, then a float32 tensor
            float eps = 1e-6f;
            float[] expected = new float[4];
            for (int i = 0; i < 4; i++) {
                float ag = rho * 0f + c * (g[i] * g[i]);
                float delta = -(((float) Math.sqrt(0f + eps) * g[i]) / (float) Math.sqrt(ag + eps));
                expected[i] = w[i] + 0.5f * delta;
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, var.value().toFloatArray());
            assertEquals(List.of("accumulated_grad", "accumulated_delta_var"), opt.getSlotNames());
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void keras3CorrectnessWithGolden(DType dtype) {
        // keras/src/optimizers/adadelta_test.py test_correctness_with_golden: Adadelta(learning_rate=1.0, rho=0.8,
        // epsilon=1e-6), rows 0.9978, 0.9947, 0.9915, 0.9882, 0.9849 (rtol = atol = 5e-4).
        for (boolean keras3 : new boolean[] {false, true}) {
            try (Adadelta opt = adadelta().learningRate(1.0).rho(0.8).epsilon(1e-6).keras3(keras3).build()) {
                Fixtures.runKeras3Golden(opt, dtype, new double[] {0.9978, 0.9947, 0.9915, 0.9882, 0.9849});
            }
        }
    }

    // ---- slots, epsilon, config ----------------------------------------------------------------------------

    @Test
    void slotNamesAndWeightOrder() {
        // adadelta.py _create_slots: every accum_grad, then every accum_var ("Separate for-loops to respect the ordering
        // of slot variables from v1"); iterations first.
        try (Adadelta opt = adadelta().learningRate(1.0).build()) {
            Variable a = variable("a", DType.FLOAT32, 1, 2);
            Variable b = variable("b", DType.FLOAT64, 3, 4, 5);
            opt.apply(List.of(tensor(DType.FLOAT32, 0.5, -1), tensor(DType.FLOAT64, 2, 0, -3)), List.of(a, b));
            assertEquals(List.of("accum_grad", "accum_var"), opt.getSlotNames());
            List<Tensor> w = opt.getWeights();
            assertEquals(5, w.size());
            assertEquals(1.0, w.get(0).getDouble(0), "iterations first");
            int k = 1;
            for (String slot : List.of("accum_grad", "accum_var")) {
                for (Variable v : List.of(a, b)) {
                    Tensor actual = w.get(k++);
                    assertEquals(v.dtype(), actual.dtype(), slot + "(" + v.name() + ")");
                    assertArrayEquals(v.shape(), actual.shape(), slot + "(" + v.name() + ")");
                    assertArrayEquals(opt.getSlot(v, slot).toDoubleArray(), actual.toDoubleArray(), slot + "(" + v.name() + ")");
                }
            }
        }
    }

    @Test
    void testConstructAdadeltaWithEpsilonValues() {
        // adadelta_test.py testConstructAdadeltaWithEpsilonValues: Adadelta(epsilon=None).epsilon == 1e-7 (here 0, as
        // adadelta.py's `epsilon or backend_config.epsilon()`), Adadelta(epsilon=1e-8).epsilon == 1e-8.
        try (Adadelta opt = adadelta().epsilon(0).build()) {
            assertEquals(1e-7, opt.getEpsilon());
        }
        try (Adadelta opt = adadelta().epsilon(1e-8).build()) {
            assertEquals(1e-8, opt.getEpsilon());
        }
        try (Adadelta opt = new Adadelta()) {
            assertEquals("Adadelta", opt.getName());
            assertEquals(Hyperparameter.of(0.001), opt.getLearningRate());
            assertEquals(Hyperparameter.of(0.95), opt.getHyperparameter("rho"));
            assertEquals(1e-7, opt.getEpsilon());
        }
    }

    @Test
    void configKeysOrderAndRoundTrip() {
        // adadelta.py get_config: name, [clip...], learning_rate, decay, rho, epsilon.
        try (Adadelta opt = new Adadelta()) {
            Map<String, Object> config = opt.getConfig();
            assertEquals(List.of("name", "learning_rate", "decay", "rho", "epsilon"), new ArrayList<>(config.keySet()));
            assertEquals(Map.of("name", "Adadelta", "learning_rate", 0.001, "decay", 0.0, "rho", 0.95, "epsilon", 1e-7), config);
        }
        List<Adadelta> originals = List.of(new Adadelta(1.0),
                Adadelta.builder().name("d").learningRate(0.5).rho(0.8).epsilon(1e-6).decay(0.25).clipvalue(3.0).build());
        for (Adadelta original : originals) {
            try (original; Adadelta copy = Adadelta.fromConfig(original.getConfig())) {
                assertEquals(original.getConfig(), copy.getConfig());
                assertEquals(new ArrayList<>(original.getConfig().keySet()), new ArrayList<>(copy.getConfig().keySet()));
            }
        }
        try (Adadelta opt = Adadelta.fromConfig(Map.of("epsilon", 0.0))) {
            assertEquals(1e-7, opt.getConfig().get("epsilon"));
        }
    }
}
