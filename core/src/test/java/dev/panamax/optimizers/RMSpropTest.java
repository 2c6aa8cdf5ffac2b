package dev.panamax.optimizers;

import static dev.panamax.optimizers.Fixtures.SCALAR;
import static dev.panamax.optimizers.Fixtures.assertClose;
import static dev.panamax.optimizers.Fixtures.assertFloatsExactly;
import static dev.panamax.optimizers.Fixtures.assertMatchesReference;
import static dev.panamax.optimizers.Fixtures.assertWithinUlps;
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
 * RMSprop against Keras v2.11.0 {@code keras/optimizers/optimizer_v2/rmsprop.py} (docstring, {@code __init__}
 * checks, {@code _create_slots}, {@code get_config}) and {@code keras/optimizers/optimizer_v2/rmsprop_test.py}
 * (reference {@code _rmsprop_update_numpy}, {@code _TEST_PARAM_VALUES}, testDense, testDenseWithLearningRateDecay,
 * testDenseWithLearningRateInverseTimeDecay, testCallableParams, testMinimizeSparseResourceVariable[Centered],
 * testSlotsUniqueEager, testMomentumProperValue), and the Keras 3 formula ({@code keras/src/optimizers/rmsprop.py}
 * {@code update_step}, {@code rmsprop_test.py} test_single_step and test_correctness_with_golden).
 */
class RMSpropTest {

    private static RMSprop.Builder rmsprop() {
        return RMSprop.builder().kernels(SCALAR).threads(1);
    }

    /**
     * rmsprop_test.py {@code _rmsprop_update_numpy}, ported in float64. Without momentum epsilon is outside the
     * square root (Keras's Python path), with momentum inside (TF's ApplyRMSProp / ApplyCenteredRMSProp).
     * Returns {var_t, mg_t, rms_t, mom_t}.
     */
    static double[][] rmspropUpdateNumpy(double[] var, double[] g, double[] mg, double[] rms, double[] mom,
                                         double lr, double rho, double momentum, double epsilon, boolean centered) {
        int n = var.length;
        double[] varT = new double[n];
        double[] mgT = new double[n];
        double[] rmsT = new double[n];
        double[] momT = new double[n];
        for (int i = 0; i < n; i++) {
            rmsT[i] = rms[i] * rho + (1 - rho) * g[i] * g[i];
            double denomT;
            if (centered) {
                mgT[i] = mg[i] * rho + (1 - rho) * g[i];
                denomT = rmsT[i] - mgT[i] * mgT[i];
            } else {
                mgT[i] = mg[i];
                denomT = rmsT[i];
            }
            if (momentum > 0.0) {
                momT[i] = momentum * mom[i] + lr * g[i] / Math.sqrt(denomT + epsilon);
                varT[i] = var[i] - momT[i];
            } else {
                momT[i] = mom[i];
                varT[i] = var[i] - lr * g[i] / (Math.sqrt(denomT) + epsilon);
            }
        }
        return new double[][] {varT, mgT, rmsT, momT};
    }

    /**
     * Keras 3 {@code keras/src/optimizers/rmsprop.py} {@code update_step}, ported in float64: epsilon always inside
     * the square root. Returns {var, average_gradient, velocity, momentum}.
     */
    static double[][] rmspropKeras3(double[] var, double[] g, double[] avg, double[] velocity, double[] mom,
                                    double lr, double rho, double momentum, double epsilon, boolean centered) {
        int n = var.length;
        double[] varT = new double[n];
        double[] avgT = avg.clone();
        double[] velT = new double[n];
        double[] momT = mom.clone();
        for (int i = 0; i < n; i++) {
            velT[i] = rho * velocity[i] + (1 - rho) * (g[i] * g[i]);
            double denominator;
            if (centered) {
                avgT[i] = rho * avg[i] + (1 - rho) * g[i];
                denominator = velT[i] - avgT[i] * avgT[i] + epsilon;
            } else {
                denominator = velT[i] + epsilon;
            }
            double increment = lr * g[i] / Math.sqrt(denominator);
            if (momentum > 0) {
                momT[i] = momentum * mom[i] + increment;
                varT[i] = var[i] - momT[i];
            } else {
                varT[i] = var[i] - increment;
            }
        }
        return new double[][] {varT, avgT, velT, momT};
    }

    // ---- rmsprop_test.py fixtures --------------------------------------------------------------------------

    private static final double[] VAR0 = {1.0, 2.0};
    private static final double[] GRADS0 = {0.1, 0.2};
    private static final double[] VAR1 = {3.0, 4.0};
    private static final double[] GRADS1 = {0.01, 0.2};
    /** The fixture stretched to 17 elements (not a multiple of 16), with gradients of both signs. */
    private static final double[] VAR2 = cycle(17, 1.0, 2.0, 3.0, 4.0);
    private static final double[] GRADS2 = cycle(17, 0.1, -0.2, 0.01, 0.2, -0.01);

    /** rmsprop_test.py _TEST_PARAM_VALUES (learning_rate, rho, momentum, epsilon, centered), x float32 and float64. */
    static Stream<Arguments> testParams() {
        double[][] rows = {
            {0.05, 0.9, 0.0, 1e-3, 1},
            {0.05, 0.9, 0.0, 1e-3, 0},
            {0.1, 0.9, 0.0, 1e-3, 1},
            {0.01, 0.9, 0.0, 1e-5, 1},
            {0.01, 0.9, 0.9, 1e-5, 1},
            // not in Keras's grid: momentum without centering (ApplyRMSProp)
            {0.01, 0.9, 0.9, 1e-5, 0},
            {0.05, 0.8, 0.5, 1e-3, 0},
        };
        List<Arguments> out = new ArrayList<>();
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (double[] r : rows) {
                out.add(Arguments.of(dtype, r[0], r[1], r[2], r[3], r[4] == 1));
            }
        }
        return out.stream();
    }

    /** Learning rate of step {@code t} (0-based) as Keras 2 feeds it: the float32 hyper, / (1 + decay * t) in the dtype. */
    private static double tfLearningRate(DType dtype, double lr, double decay, int t) {
        return decay > 0 ? dtype.round(hyper(lr) / dtype.round(1 + dtype.round(decay) * t)) : hyper(lr);
    }

    /**
     * Runs the testDense fixture (plus a 17-element variable) for {@code steps} steps and compares, after every step,
     * var, rms, mg and mom: with Keras's own check (the plain NumPy reference, {@code assertAllCloseAccordingToType},
     * rtol = atol = 1e-6), and tightly with the reference fed the values TensorFlow feeds its kernel (float32 hypers,
     * epsilon and decay in the dtype): float64 to 1e-12 relative, float32 within a few ulps.
     */
    private static void runFixture(RMSprop opt, DType dtype, boolean keras3, double lr, double rho, double momentum,
                                   double epsilon, boolean centered, double decay, int steps) {
        double[][] inits = {VAR0, VAR1, VAR2};
        double[][] grads = {GRADS0, GRADS1, GRADS2};
        List<Variable> vars = new ArrayList<>();
        for (int k = 0; k < inits.length; k++) {
            vars.add(variable("var" + k, dtype, inits[k]));
        }
        List<Tensor> gradTensors = tensors(dtype, grads);
        double[][][] tf = new double[inits.length][][];
        double[][][] np = new double[inits.length][][];
        for (int k = 0; k < inits.length; k++) {
            int n = inits[k].length;
            tf[k] = new double[][] {rounded(dtype, inits[k]), new double[n], new double[n], new double[n]};
            np[k] = new double[][] {rounded(dtype, inits[k]), new double[n], new double[n], new double[n]};
        }
        for (int t = 0; t < steps; t++) {
            assertEquals(t, opt.getIterations());
            opt.apply(gradTensors, vars);
            for (int k = 0; k < inits.length; k++) {
                double[] g = rounded(dtype, grads[k]);
                double npLr = lr / (1 + decay * t);
                if (keras3) {
                    // Keras 3: learning_rate is a float32 variable; rho, momentum and epsilon are Python floats.
                    tf[k] = rmspropKeras3(tf[k][0], g, tf[k][1], tf[k][2], tf[k][3], hyper(lr), dtype.round(rho),
                            dtype.round(momentum), dtype.round(epsilon), centered);
                    np[k] = rmspropKeras3(np[k][0], g, np[k][1], np[k][2], np[k][3], npLr, rho, momentum, epsilon, centered);
                } else {
                    tf[k] = rmspropUpdateNumpy(tf[k][0], g, tf[k][1], tf[k][2], tf[k][3], tfLearningRate(dtype, lr, decay, t),
                            hyper(rho), hyper(momentum), dtype.round(epsilon), centered);
                    np[k] = rmspropUpdateNumpy(np[k][0], g, np[k][1], np[k][2], np[k][3], npLr, rho, momentum, epsilon, centered);
                }
                Variable v = vars.get(k);
                String at = v.name() + " " + dtype.kerasName() + " step " + (t + 1);
                assertClose(np[k][0], v.value(), 1e-6, 1e-6, "var vs numpy, " + at);
                assertClose(np[k][2], opt.getSlot(v, slot(opt, "rms")), 1e-6, 1e-6, "rms vs numpy, " + at);
                assertMatchesReference(tf[k][0], v.value(), 4, "var " + at);
                assertMatchesReference(tf[k][2], opt.getSlot(v, slot(opt, "rms")), 8, "rms " + at);
                if (centered) {
                    assertClose(np[k][1], opt.getSlot(v, slot(opt, "mg")), 1e-6, 1e-6, "mg vs numpy, " + at);
                    assertMatchesReference(tf[k][1], opt.getSlot(v, slot(opt, "mg")), 8, "mg " + at);
                }
                if (momentum > 0) {
                    assertClose(np[k][3], opt.getSlot(v, "momentum"), 1e-6, 1e-6, "mom vs numpy, " + at);
                    assertMatchesReference(tf[k][3], opt.getSlot(v, "momentum"), 8, "mom " + at);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} lr={1} rho={2} momentum={3} epsilon={4} centered={5}")
    @MethodSource("testParams")
    void testDense(DType dtype, double lr, double rho, double momentum, double epsilon, boolean centered) {
        // rmsprop_test.py testDense: 3 steps of RMSprop(learning_rate, rho, momentum, epsilon, centered).
        try (RMSprop opt = rmsprop().learningRate(lr).rho(rho).momentum(momentum).epsilon(epsilon).centered(centered).build()) {
            assertEquals(centered, opt.isCentered());
            runFixture(opt, dtype, false, lr, rho, momentum, epsilon, centered, 0.0, 3);
            List<String> slots = new ArrayList<>(List.of("rms"));
            if (momentum > 0) {
                slots.add("momentum");
            }
            if (centered) {
                slots.add("mg");
            }
            assertEquals(slots, opt.getSlotNames());
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void testDenseWithLearningRateDecay(DType dtype) {
        // rmsprop_test.py testDenseWithLearningRateDecay: RMSprop(0.01, rho=0.9, momentum=0.0, epsilon=1e-7,
        // centered=False, decay=0.5), 2 steps, lr = learning_rate / (1 + decay * t).
        try (RMSprop opt = rmsprop().learningRate(0.01).rho(0.9).momentum(0.0).epsilon(1e-7).centered(false).decay(0.5).build()) {
            runFixture(opt, dtype, false, 0.01, 0.9, 0.0, 1e-7, false, 0.5, 2);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void testDenseWithLearningRateInverseTimeDecay(DType dtype) {
        // rmsprop_test.py testDenseWithLearningRateInverseTimeDecay: InverseTimeDecay(0.01, decay_steps=1.0,
        // decay_rate=0.5) expects the values of testDenseWithLearningRateDecay.
        try (RMSprop opt = rmsprop().learningRate(step -> 0.01 / (1 + 0.5 * step)).rho(0.9).build()) {
            List<Variable> vars = List.of(variable("var0", dtype, VAR0), variable("var1", dtype, VAR1));
            List<Tensor> grads = tensors(dtype, GRADS0, GRADS1);
            double[][][] np = {{VAR0.clone(), new double[2], new double[2], new double[2]},
                {VAR1.clone(), new double[2], new double[2], new double[2]}};
            double[][] g = {rounded(dtype, GRADS0), rounded(dtype, GRADS1)};
            for (int t = 0; t < 2; t++) {
                opt.apply(grads, vars);
                for (int k = 0; k < 2; k++) {
                    np[k] = rmspropUpdateNumpy(np[k][0], g[k], np[k][1], np[k][2], np[k][3], 0.01 / (1 + 0.5 * t), 0.9, 0.0,
                            1e-7, false);
                    assertClose(np[k][0], vars.get(k).value(), 1e-6, 1e-6, "var" + k + " step " + (t + 1));
                    assertClose(np[k][2], opt.getSlot(vars.get(k), slot(opt, "rms")), 1e-6, 1e-6, "rms" + k + " step " + (t + 1));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void testCallableParams(DType dtype) {
        // rmsprop_test.py testCallableParams: RMSprop(lambda: 2.0, lambda: 0.9, lambda: 0.0, 1.0). A callable momentum
        // selects the momentum kernel (epsilon inside the square root) even though it returns 0.
        try (RMSprop opt = rmsprop().learningRate(() -> 2.0).rho(() -> 0.9).momentum(() -> 0.0).epsilon(1.0).build()) {
            Variable var0 = variable("var0", dtype, 1.0, 2.0);
            Variable var1 = variable("var1", dtype, 3.0, 4.0);
            List<Tensor> grads = tensors(dtype, new double[] {0.1, 0.1}, new double[] {0.01, 0.01});
            opt.apply(grads, List.of(var0, var1));
            assertEquals(List.of("rms", "momentum"), opt.getSlotNames(), "a callable momentum creates the momentum slot");
            double a1 = 0.1 * 2.0 / Math.sqrt(0.001 + 1.0);
            double b1 = 0.01 * 2.0 / Math.sqrt(0.00001 + 1.0);
            assertClose(new double[] {1.0 - a1, 2.0 - a1}, var0.value(), 1e-6, 1e-6, "var0 step 1");
            assertClose(new double[] {3.0 - b1, 4.0 - b1}, var1.value(), 1e-6, 1e-6, "var1 step 1");
            opt.apply(grads, List.of(var0, var1));
            double a2 = 0.1 * 2.0 / Math.sqrt(0.001 * 0.9 + 0.001 + 1.0);
            double b2 = 0.01 * 2.0 / Math.sqrt(0.00001 * 0.9 + 1e-5 + 1.0);
            assertClose(new double[] {1.0 - a1 - a2, 2.0 - a1 - a2}, var0.value(), 1e-6, 1e-6, "var0 step 2");
            assertClose(new double[] {3.0 - b1 - b2, 4.0 - b1 - b2}, var1.value(), 1e-6, 1e-6, "var1 step 2");
            if (dtype == DType.FLOAT64) {
                // a callable's value is cast to the dtype directly (not through a float32 variable)
                assertClose(new double[] {1.0 - a1 - a2, 2.0 - a1 - a2}, var0.value(), 1e-13, 0, "var0 step 2, float64");
                assertClose(new double[] {3.0 - b1 - b2, 4.0 - b1 - b2}, var1.value(), 1e-13, 0, "var1 step 2, float64");
            }
        }
    }

    /** The gradient of (var0 @ [[4], [5]])^2 for a 1x2 var0: 2 (var0 @ x) x^T. */
    private static Tensor matmulSquareGradient(Variable var0) {
        double pred = var0.value().getDouble(0) * 4.0 + var0.value().getDouble(1) * 5.0;
        return tensor(var0.dtype(), 2 * pred * 4.0, 2 * pred * 5.0);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void testMinimizeSparseResourceVariable(DType dtype) {
        // rmsprop_test.py testMinimizeSparseResourceVariable: var0 = [[1.0, 2.0]], loss = (lookup(var0, [0]) @ [[4.0], [5.0]])^2,
        // RMSprop(learning_rate=1.0, rho=0.0, momentum=0.0, epsilon=0.0, centered=False), one step -> [[0, 1]] (atol 0.01).
        // The lookup's gradient touches the only row, so the dense gradient [[112, 140]] gives the same update.
        try (RMSprop opt = rmsprop().learningRate(1.0).rho(0.0).momentum(0.0).epsilon(0.0).centered(false).build()) {
            Variable var0 = variable("var0", dtype, 1.0, 2.0);
            opt.apply(List.of(matmulSquareGradient(var0)), List.of(var0));
            assertClose(new double[] {0, 1}, var0.value(), 0, 0.01, "var0");
        }
        // testMinimizeSparseResourceVariableCentered: the same with epsilon=1.0, centered=True -> [[-111, -138]].
        try (RMSprop opt = rmsprop().learningRate(1.0).rho(0.0).momentum(0.0).epsilon(1.0).centered(true).build()) {
            Variable var0 = variable("var0", dtype, 1.0, 2.0);
            opt.apply(List.of(matmulSquareGradient(var0)), List.of(var0));
            assertClose(new double[] {-111, -138}, var0.value(), 0, 0.01, "var0 centered");
        }
    }

    // ---- docstring ----------------------------------------------------------------------------------------

    @Test
    void docstringExample() {
        // rmsprop.py docstring: RMSprop(learning_rate=0.1), var1 = 10.0, loss = var1**2/2 -> var1.numpy() == 9.683772
        try (RMSprop opt = rmsprop().learningRate(0.1).build()) {
            Variable var = variable("var1", DType.FLOAT32, 10.0);
            opt.apply(List.of(tensor(DType.FLOAT32, var.value().getDouble(0))), List.of(var));
            // the doctest compares float32's shortest repr, so the float must be exactly 9.683772f
            assertEquals(9.683772f, (float) var.value().getDouble(0));
            assertEquals("9.683772", Float.toString((float) var.value().getDouble(0)));
        }
        try (RMSprop opt = rmsprop().learningRate(0.1).build()) {
            Variable var = variable("var1", DType.FLOAT64, 10.0);
            opt.apply(List.of(tensor(DType.FLOAT64, 10.0)), List.of(var));
            assertEquals(9.683772, var.value().getDouble(0), 1e-6);
        }
    }

    // ---- float32 operation order ----------------------------------------------------------------------------

    @ParameterizedTest(name = "momentum={0} centered={1}")
    @MethodSource("variants")
    void float32FollowsKeras2sOperationOrder(double momentum, boolean centered) {
        // rmsprop.py _resource_apply_dense without momentum (Python, in float32):
        //   rms = rho * rms + one_minus_rho * square(g); [mg = rho * mg + one_minus_rho * g; denom = rms - square(mg)]
        //   var = var - lr_t * g / (sqrt(denom) + epsilon)
        // with momentum, training_ops.cc ApplyRMSProp / ApplyCenteredRMSProp:
        //   ms += (g^2 - ms) * (1 - rho); [mg += (g - mg) * (1 - rho); denom = (ms - mg^2) + eps] mom = mom * momentum
        //   + (g * lr) / sqrt(denom); var -= mom.  rho, lr, momentum are float32 hypers; one_minus_rho = 1.0 - rho in float32.
        float lr = 0.01f;
        float rho = 0.9f;
        float oneMinusRho = 1f - rho;
        float mu = (float) momentum;
        float eps = 1e-5f;
        try (RMSprop opt = rmsprop().learningRate(0.01).rho(0.9).momentum(momentum).epsilon(1e-5).centered(centered).build()) {
            Variable var = variable("w", DType.FLOAT32, 1.0, -2.0, 3.0);
            float[] w = {1f, -2f, 3f};
            float[] ms = new float[3];
            float[] mg = new float[3];
            float[] mom = new float[3];
            float[][] grads = {{0.1f, -0.3f, 2.0f}, {0.05f, 0.2f, -1.0f}, {1e-3f, 0f, 0.5f}};
            for (int t = 0; t < grads.length; t++) {
                opt.apply(List.of(Tensor.wrap(grads[t].clone())), List.of(var));
                for (int i = 0; i < 3; i++) {
                    float g = grads[t][i];
                    if (momentum > 0) {
                        ms[i] = ms[i] + (g * g - ms[i]) * oneMinusRho;
                        float denom;
                        if (centered) {
                            mg[i] = mg[i] + (g - mg[i]) * oneMinusRho;
                            denom = (ms[i] - mg[i] * mg[i]) + eps;
                        } else {
                            denom = ms[i] + eps;
                        }
                        mom[i] = mom[i] * mu + (g * lr) / (float) Math.sqrt(denom);
                        w[i] = w[i] - mom[i];
                    } else {
                        ms[i] = rho * ms[i] + oneMinusRho * (g * g);
                        float denom = ms[i];
                        if (centered) {
                            mg[i] = rho * mg[i] + oneMinusRho * g;
                            denom = ms[i] - mg[i] * mg[i];
                        }
                        w[i] = w[i] - (lr * g) / ((float) Math.sqrt(denom) + eps);
                    }
                }
                String at = " step " + (t + 1);
                assertFloatsExactly(w, var.value(), "var" + at);
                assertFloatsExactly(ms, opt.getSlot(var, slot(opt, "rms")), "rms" + at);
                if (centered) {
                    assertFloatsExactly(mg, opt.getSlot(var, slot(opt, "mg")), "mg" + at);
                }
                if (momentum > 0) {
                    assertFloatsExactly(mom, opt.getSlot(var, "momentum"), "momentum" + at);
                }
            }
        }
    }

    static Stream<Arguments> variants() {
        return Stream.of(Arguments.of(0.0, false), Arguments.of(0.0, true), Arguments.of(0.9, false), Arguments.of(0.9, true));
    }

    // ---- Keras 3 -------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} lr={1} rho={2} momentum={3} epsilon={4} centered={5}")
    @MethodSource("testParams")
    void keras3MatchesKeras3UpdateStep(DType dtype, double lr, double rho, double momentum, double epsilon, boolean centered) {
        // keras/src/optimizers/rmsprop.py update_step on the testDense fixture.
        try (RMSprop opt = rmsprop().learningRate(lr).rho(rho).momentum(momentum).epsilon(epsilon).centered(centered)
                .keras3(true).build()) {
            assertTrue(opt.isKeras3());
            runFixture(opt, dtype, true, lr, rho, momentum, epsilon, centered, 0.0, 3);
        }
    }

    @ParameterizedTest(name = "momentum={0} centered={1}")
    @MethodSource("variants")
    void keras3Float32FollowsKeras3sOperationOrder(double momentum, boolean centered) {
        // keras/src/optimizers/rmsprop.py update_step, in float32. rho, momentum, epsilon are Python floats converted to
        // the gradient's dtype by each op; `1 - rho` is computed by Python in double, then converted.
        float lr = 0.01f;
        float rho = 0.9f;
        float oneMinusRho = (float) (1 - 0.9);
        float mu = (float) momentum;
        float eps = 1e-5f;
        try (RMSprop opt = rmsprop().learningRate(0.01).rho(0.9).momentum(momentum).epsilon(1e-5).centered(centered)
                .keras3(true).build()) {
            Variable var = variable("w", DType.FLOAT32, 1.0, -2.0, 3.0);
            float[] w = {1f, -2f, 3f};
            float[] velocity = new float[3];
            float[] avg = new float[3];
            float[] mom = new float[3];
            float[][] grads = {{0.1f, -0.3f, 2.0f}, {0.05f, 0.2f, -1.0f}, {1e-3f, 0f, 0.5f}};
            for (int t = 0; t < grads.length; t++) {
                opt.apply(List.of(Tensor.wrap(grads[t].clone())), List.of(var));
                for (int i = 0; i < 3; i++) {
                    float g = grads[t][i];
                    velocity[i] = rho * velocity[i] + oneMinusRho * (g * g);
                    float denominator;
                    if (centered) {
                        avg[i] = rho * avg[i] + oneMinusRho * g;
                        denominator = (velocity[i] - avg[i] * avg[i]) + eps;
                    } else {
                        denominator = velocity[i] + eps;
                    }
                    float increment = (lr * g) / (float) Math.sqrt(denominator);
                    if (momentum > 0) {
                        mom[i] = mu * mom[i] + increment;
                        w[i] = w[i] - mom[i];
                    } else {
                        w[i] = w[i] - increment;
                    }
                }
                String at = " step " + (t + 1);
                // Keras 3 computes `1 - rho` in Python (0.09999999999999998) and converts it to float32 (0.1f).
                assertFloatsExactly(w, var.value(), "var" + at);
                assertFloatsExactly(velocity, opt.getSlot(var, slot(opt, "rms")), "velocity" + at);
                if (centered) {
                    assertFloatsExactly(avg, opt.getSlot(var, slot(opt, "mg")), "average_gradient" + at);
                }
                if (momentum > 0) {
                    assertFloatsExactly(mom, opt.getSlot(var, "momentum"), "momentum" + at);
                }
            }
        }
    }

    @Test
    void keras3Float32OneMinusRhoIsPythonsConstant() {
        // keras/src/optimizers/rmsprop.py: ops.multiply(1 - rho, ops.square(gradient)) with rho = 0.9 a Python float:
        // velocity after one step from 0 with g = 0.1f is (float) (1 - 0.9) * (0.1f * 0.1f) = 0.001f.
        try (RMSprop opt = rmsprop().learningRate(0.01).keras3(true).build()) {
            Variable var = variable("w", DType.FLOAT32, 1.0);
            opt.apply(List.of(tensor(DType.FLOAT32, 0.1)), List.of(var));
            float expected = (float) (1 - 0.9) * (0.1f * 0.1f);
            assertEquals(0.001f, expected);
            assertEquals(expected, (float) opt.getSlot(var, slot(opt, "rms")).getDouble(0));
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void keras3SingleStep(DType dtype) {
        // keras/src/optimizers/rmsprop_test.py test_single_step: RMSprop(learning_rate=0.5), grads [1, 6, 7, 2],
        // vars [1, 2, 3, 4] -> [-0.5811, 0.4189, 1.4189, 2.4189] (rtol = atol = 1e-4).
        try (RMSprop opt = rmsprop().learningRate(0.5).keras3(true).build()) {
            Variable var = variable("vars", dtype, 1.0, 2.0, 3.0, 4.0);
            opt.apply(List.of(tensor(dtype, 1.0, 6.0, 7.0, 2.0)), List.of(var));
            assertClose(new double[] {-0.5811, 0.4189, 1.4189, 2.4189}, var.value(), 1e-4, 1e-4, "vars");
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void keras3CorrectnessWithGolden(DType dtype) {
        // keras/src/optimizers/rmsprop_test.py test_correctness_with_golden: RMSprop(centered=True), x = ones(10),
        // one step with 0.01 then steps with arange(0.1, 1.1, 0.1); rows 0.9967, 0.9933, 0.9908, 0.9885, 0.9864 (5e-4).
        double[] golden = {0.9967, 0.9933, 0.9908, 0.9885, 0.9864};
        try (RMSprop opt = rmsprop().centered(true).keras3(true).build()) {
            Fixtures.runKeras3Golden(opt, dtype, golden);
        }
    }

    @ParameterizedTest(name = "momentum={0} centered={1}")
    @MethodSource("variants")
    void keras3DiffersFromKeras2OnlyWhereEpsilonMoves(double momentum, boolean centered) {
        // Keras 2 without momentum: lr g / (sqrt(ms) + eps); Keras 3 always lr g / sqrt(ms + eps). With momentum both use
        // TF's kernel form, so they agree (up to Keras 2's float32 storage of rho and momentum).
        try (RMSprop k2 = rmsprop().learningRate(0.1).momentum(momentum).centered(centered).epsilon(0.01).build();
             RMSprop k3 = rmsprop().learningRate(0.1).momentum(momentum).centered(centered).epsilon(0.01).keras3(true).build()) {
            Variable a = variable("a", DType.FLOAT64, VAR2);
            Variable b = variable("b", DType.FLOAT64, VAR2);
            for (int t = 0; t < 3; t++) {
                k2.apply(List.of(tensor(DType.FLOAT64, GRADS2)), List.of(a));
                k3.apply(List.of(tensor(DType.FLOAT64, GRADS2)), List.of(b));
            }
            double maxDiff = 0;
            for (int i = 0; i < VAR2.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a.value().getDouble(i) - b.value().getDouble(i)));
            }
            if (momentum > 0) {
                assertTrue(maxDiff < 1e-6, "with momentum Keras 2 and 3 agree, max |diff| " + maxDiff);
            } else {
                assertTrue(maxDiff > 1e-3, "without momentum epsilon placement differs, max |diff| " + maxDiff);
            }
        }
    }

    // ---- slots, weights, checks, config ------------------------------------------------------------------

    @Test
    void testSlotsUniqueEager() {
        // rmsprop_test.py testSlotsUniqueEager: two variables -> 3 weights (iterations + 2 rms); momentum=0.2 -> 5;
        // momentum=0.2, centered=True -> 7; weights()[0] is iterations. rmsprop.py _create_slots groups slots by kind.
        Object[][] cases = {
            {0.0, false, List.of("rms")},
            {0.2, false, List.of("rms", "momentum")},
            {0.0, true, List.of("rms", "mg")},
            {0.2, true, List.of("rms", "momentum", "mg")},
        };
        for (Object[] c : cases) {
            double momentum = (double) c[0];
            boolean centered = (boolean) c[1];
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) c[2];
            try (RMSprop opt = rmsprop().learningRate(1.0).momentum(momentum).centered(centered).build()) {
                Variable a = variable("a", DType.FLOAT32, 1.0);
                Variable b = variable("b", DType.FLOAT64, 2.0, 3.0);
                opt.apply(List.of(tensor(DType.FLOAT32, 0.5), tensor(DType.FLOAT64, -1.0, 2.0)), List.of(a, b));
                opt.apply(List.of(tensor(DType.FLOAT32, 0.25), tensor(DType.FLOAT64, 1.0, 0.5)), List.of(a, b));
                assertEquals(names, opt.getSlotNames());
                List<Tensor> w = opt.getWeights();
                assertEquals(1 + 2 * names.size(), w.size(), "weights for momentum=" + momentum + " centered=" + centered);
                assertEquals(DType.INT64, w.get(0).dtype());
                assertEquals(2.0, w.get(0).getDouble(0), "iterations first");
                int k = 1;
                for (String slot : names) {
                    for (Variable v : List.of(a, b)) {
                        Tensor actual = w.get(k++);
                        assertEquals(v.dtype(), actual.dtype(), slot + "(" + v.name() + ")");
                        assertArrayEquals(v.shape(), actual.shape(), slot + "(" + v.name() + ")");
                        assertArrayEquals(opt.getSlot(v, slot).toDoubleArray(), actual.toDoubleArray(), slot + "(" + v.name() + ")");
                    }
                }
            }
        }
    }

    @Test
    void testMomentumProperValue() {
        // rmsprop_test.py testMomentumProperValue: RMSprop(1.0, momentum=2.5) ->
        // "`momentum` must be between [0, 1]. Received: momentum=2.5 (of type <class 'float'>)."
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> rmsprop().learningRate(1.0).momentum(2.5).centered(false).build());
        assertEquals("`momentum` must be between [0, 1]. Received: momentum=2.5 (of type <class 'float'>).", e.getMessage());
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> rmsprop().momentum(-0.1).build());
        assertEquals("`momentum` must be between [0, 1]. Received: momentum=-0.1 (of type <class 'float'>).", neg.getMessage());
        IllegalArgumentException cfg = assertThrows(IllegalArgumentException.class, () -> RMSprop.fromConfig(Map.of("momentum", 2.5)));
        assertTrue(cfg.getMessage().startsWith("`momentum` must be between [0, 1]."), cfg.getMessage());
        // the bounds are allowed
        try (RMSprop zero = rmsprop().momentum(0.0).build(); RMSprop one = rmsprop().momentum(1.0).build()) {
            assertEquals(Hyperparameter.of(0.0), zero.getHyperparameter("momentum"));
            assertEquals(Hyperparameter.of(1.0), one.getHyperparameter("momentum"));
        }
    }

    @Test
    void defaultsAndEpsilonZero() {
        try (RMSprop opt = new RMSprop()) {
            assertEquals("RMSprop", opt.getName());
            assertEquals(Hyperparameter.of(0.001), opt.getLearningRate());
            assertEquals(Hyperparameter.of(0.9), opt.getHyperparameter("rho"));
            assertEquals(Hyperparameter.of(0.0), opt.getHyperparameter("momentum"));
            assertEquals(1e-7, opt.getEpsilon());
            assertFalse(opt.isCentered());
            assertFalse(opt.isKeras3());
        }
        // rmsprop.py: self.epsilon = epsilon or backend_config.epsilon()
        try (RMSprop opt = rmsprop().epsilon(0).build()) {
            assertEquals(1e-7, opt.getEpsilon());
            assertEquals(1e-7, opt.getConfig().get("epsilon"));
        }
        try (RMSprop opt = RMSprop.fromConfig(Map.of("epsilon", 0.0))) {
            assertEquals(1e-7, opt.getEpsilon());
        }
    }

    @Test
    void configKeysOrderAndRoundTrip() {
        // rmsprop.py get_config: name, [clipnorm, clipvalue, global_clipnorm], learning_rate, decay, rho, momentum,
        // epsilon, centered.
        try (RMSprop opt = new RMSprop()) {
            Map<String, Object> config = opt.getConfig();
            assertEquals(List.of("name", "learning_rate", "decay", "rho", "momentum", "epsilon", "centered"),
                    new ArrayList<>(config.keySet()));
            assertEquals(Map.of("name", "RMSprop", "learning_rate", 0.001, "decay", 0.0, "rho", 0.9, "momentum", 0.0,
                    "epsilon", 1e-7, "centered", false), config);
        }
        List<RMSprop> originals = List.of(new RMSprop(0.1),
                RMSprop.builder().name("r").learningRate(0.05).rho(0.8).momentum(0.5).epsilon(1e-3).centered(true).decay(0.1)
                        .clipnorm(1.0).build(),
                RMSprop.builder().momentum(0.9).clipvalue(0.5).build());
        for (RMSprop original : originals) {
            try (original; RMSprop copy = RMSprop.fromConfig(original.getConfig())) {
                assertEquals(original.getConfig(), copy.getConfig());
                assertEquals(new ArrayList<>(original.getConfig().keySet()), new ArrayList<>(copy.getConfig().keySet()));
            }
        }
        try (RMSprop opt = RMSprop.builder().name("r").learningRate(0.05).rho(0.8).momentum(0.5).epsilon(1e-3).centered(true)
                .decay(0.1).clipnorm(1.0).build()) {
            assertEquals(List.of("name", "clipnorm", "learning_rate", "decay", "rho", "momentum", "epsilon", "centered"),
                    new ArrayList<>(opt.getConfig().keySet()));
        }
    }

    /** A TF2 slot name as the optimizer calls it: Keras 3's names for its Keras 3 form. */
    private static String slot(Optimizer opt, String tf2Name) {
        if (!opt.isKeras3()) {
            return tf2Name;
        }
        return switch (tf2Name) {
            case "rms" -> "velocity";
            case "mg" -> "average_gradient";
            default -> tf2Name;
        };
    }
}