package dev.panamax.optimizers;

import static dev.panamax.optimizers.Fixtures.SCALAR;
import static dev.panamax.optimizers.Fixtures.assertClose;
import static dev.panamax.optimizers.Fixtures.assertFloatsExactly;
import static dev.panamax.optimizers.Fixtures.assertMatchesReference;
import static dev.panamax.optimizers.Fixtures.cycle;
import static dev.panamax.optimizers.Fixtures.filled;
import static dev.panamax.optimizers.Fixtures.hyper;
import static dev.panamax.optimizers.Fixtures.rounded;
import static dev.panamax.optimizers.Fixtures.tensor;
import static dev.panamax.optimizers.Fixtures.tensors;
import static dev.panamax.optimizers.Fixtures.variable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Ftrl against Keras v2.11.0 {@code keras/optimizers/optimizer_v2/ftrl.py} ({@code __init__}'s five checks,
 * {@code _create_slots}, {@code _resource_apply_dense}'s beta folding and V1/V2 choice, {@code get_config}),
 * TensorFlow's {@code training_ops.cc} ApplyFtrl / ApplyFtrlV2 functors, and every hard-coded expectation of
 * {@code keras/optimizers/optimizer_v2/ftrl_test.py}; plus Keras 3 {@code keras/src/optimizers/ftrl_test.py}
 * (test_single_step, test_correctness_with_golden), whose formula gives the same variables.
 */
class FtrlTest {

    private static Ftrl.Builder ftrl() {
        return Ftrl.builder().kernels(SCALAR).threads(1);
    }

    /**
     * training_ops.cc {@code ApplyFtrl} (shrinkage 0) and, for shrinkage > 0, {@code ApplyFtrlV2MultiplyLinearByLr} (the
     * functor ApplyFtrlOp dispatches to for ResourceApplyFtrlV2 with Keras's default multiply_linear_by_lr=False), in
     * float64, in place. {@code l2} already includes Keras's {@code beta / (2 lr)}. {@code lrPower == -0.5} uses sqrt.
     */
    static void ftrlReference(double[] var, double[] accum, double[] linear, double[] g, double lr, double l1, double l2,
                              double shrinkage, double lrPower) {
        for (int i = 0; i < var.length; i++) {
            double newAccum = accum[i] + g[i] * g[i];
            double newPow = lrPower == -0.5 ? Math.sqrt(newAccum) : Math.pow(newAccum, -lrPower);
            double oldPow = lrPower == -0.5 ? Math.sqrt(accum[i]) : Math.pow(accum[i], -lrPower);
            if (shrinkage > 0) {
                double gradWithShrinkage = g[i] + 2 * shrinkage * var[i];
                linear[i] += gradWithShrinkage * lr - (newPow - oldPow) * var[i];
                double x = l1 * lr * Math.signum(linear[i]) - linear[i];
                double y = newPow + 2 * l2 * lr;
                var[i] = Math.abs(linear[i]) > l1 * lr ? x / y : 0.0;
            } else {
                linear[i] += g[i] - (newPow - oldPow) / lr * var[i];
                double x = l1 * Math.signum(linear[i]) - linear[i];
                double y = newPow / lr + 2 * l2;
                var[i] = Math.abs(linear[i]) > l1 ? x / y : 0.0;
            }
            accum[i] += g[i] * g[i];
        }
    }

    /**
     * float64: {@link Fixtures#assertMatchesReference}. float32: FTRL subtracts nearly equal roots ({@code sqrt(n + g^2) -
     * sqrt(n)}), so a float32 kernel is only close to the float64 reference: 1e-5 relative, 1e-6 absolute (its bits are
     * checked against the float32 formula in {@link #float32FollowsTheOperationOrderOfApplyFtrl}).
     */
    private static void assertNearReference(double[] expected, Tensor actual, String what) {
        if (actual.dtype() == DType.FLOAT64) {
            assertMatchesReference(expected, actual, 0, what);
        } else {
            assertClose(expected, actual, 1e-5, 1e-6, what + " (float32)");
        }
    }

    /** One row of ftrl_test.py's table. */
    record Case(String test, double lr, double l1, double l2, double beta, double shrinkage, double[] var0, double[] var1,
                int steps, double[] want0, double[] want1) {
        @Override
        public String toString() {
            return test;
        }
    }

    /** Every dense hard-coded expectation of ftrl_test.py (lr 3.0, initial_accumulator_value 0.1, grads [0.1, 0.2] / [0.01, 0.02]). */
    static Stream<Arguments> cases() {
        double[] zeros = {0.0, 0.0};
        double[] v0 = {1.0, 2.0};
        double[] v1 = {4.0, 3.0};
        List<Case> cases = List.of(
                new Case("testFtrlWithoutRegularization", 3.0, 0, 0, 0, 0, zeros, zeros, 3,
                        new double[] {-2.60260963, -4.29698515}, new double[] {-0.28432083, -0.56694895}),
                new Case("testFtrlwithoutRegularization2", 3.0, 0, 0, 0, 0, v0, v1, 3,
                        new double[] {-2.55607247, -3.98729396}, new double[] {-0.28232238, -0.56096673}),
                new Case("testFtrlWithL1", 3.0, 0.001, 0, 0, 0, v0, v1, 10,
                        new double[] {-7.66718769, -10.91273689}, new double[] {-0.93460727, -1.86147261}),
                new Case("testFtrlWithBeta", 3.0, 0, 0, 0.1, 0, v0, v1, 10,
                        new double[] {-6.096838, -9.162214}, new double[] {-0.717741, -1.425132}),
                new Case("testFtrlWithL2_Beta", 3.0, 0, 0.1, 0.1, 0, v0, v1, 10,
                        new double[] {-2.735487, -4.704625}, new double[] {-0.294335, -0.586556}),
                new Case("testFtrlWithL1_L2", 3.0, 0.001, 2.0, 0, 0, v0, v1, 10,
                        new double[] {-0.24059935, -0.46829352}, new double[] {-0.02406147, -0.04830509}),
                new Case("testFtrlWithL1_L2_L2Shrinkage", 3.0, 0.001, 2.0, 0, 0.1, v0, v1, 10,
                        new double[] {-0.22578995, -0.44345796}, new double[] {-0.14378493, -0.13229476}));
        List<Arguments> out = new ArrayList<>();
        for (Case c : cases) {
            for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                out.add(Arguments.of(c, dtype));
            }
        }
        return out.stream();
    }

    private static Ftrl build(Case c) {
        Ftrl.Builder b = ftrl().learningRate(c.lr()).initialAccumulatorValue(0.1)
                .l1RegularizationStrength(c.l1()).l2RegularizationStrength(c.l2());
        if (c.beta() != 0) {
            b.beta(c.beta());
        }
        if (c.shrinkage() != 0) {
            b.l2ShrinkageRegularizationStrength(c.shrinkage());
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void ftrlTestGoldenValues(Case c, DType dtype) {
        // ftrl_test.py (float32 in Keras): Ftrl(3.0, initial_accumulator_value=0.1, l1_regularization_strength=l1,
        // l2_regularization_strength=l2[, beta][, l2_shrinkage_regularization_strength]), assertAllCloseAccordingToType
        // (rtol = atol = 1e-6 for float32). Also against the TF functor ported in float64 after every step, both dtypes.
        // With shrinkage (FtrlV2) only the variables are compared: the linear slot's scaling is the kernel's business.
        double[] g0 = {0.1, 0.2};
        double[] g1 = {0.01, 0.02};
        try (Ftrl opt = build(c)) {
            Variable var0 = variable("var0", dtype, c.var0());
            Variable var1 = variable("var1", dtype, c.var1());
            double lr = hyper(c.lr());
            double l1 = hyper(c.l1());
            double l2 = dtype.round(hyper(c.l2()) + dtype.round(hyper(c.beta()) / dtype.round(2.0 * lr)));
            double shrinkage = dtype.round(c.shrinkage());
            double[][] ref = {rounded(dtype, c.var0()), rounded(dtype, c.var1())};
            double[][] accum = {filled(2, dtype.round(0.1)), filled(2, dtype.round(0.1))};
            double[][] linear = {new double[2], new double[2]};
            double[][] g = {rounded(dtype, g0), rounded(dtype, g1)};
            List<Variable> vars = List.of(var0, var1);
            for (int t = 0; t < c.steps(); t++) {
                opt.apply(tensors(dtype, g0, g1), vars);
                for (int k = 0; k < 2; k++) {
                    ftrlReference(ref[k], accum[k], linear[k], g[k], lr, l1, l2, shrinkage, -0.5);
                    String at = "var" + k + " " + dtype.kerasName() + " step " + (t + 1);
                    assertNearReference(ref[k], vars.get(k).value(), at);
                    assertMatchesReference(accum[k], opt.getSlot(vars.get(k), "accumulator"), 4, "accumulator " + at);
                    if (c.shrinkage() == 0) {
                        assertNearReference(linear[k], opt.getSlot(vars.get(k), "linear"), "linear " + at);
                    }
                }
            }
            assertClose(c.want0(), var0.value(), 1e-6, 1e-6, c.test() + " var0 " + dtype.kerasName());
            assertClose(c.want1(), var1.value(), 1e-6, 1e-6, c.test() + " var1 " + dtype.kerasName());
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void seventeenElementsWithEveryOption(DType dtype) {
        // Every option at once on a 17-element variable (not a multiple of 16): l1, l2, beta, shrinkage (FtrlV2) and a
        // learning_rate_power that is not -0.5 (the pow branch), against the TF functor ported in float64. Then the same
        // without shrinkage (ApplyFtrl), where the linear slot is compared too.
        for (double shrinkage : new double[] {0.05, 0.0}) {
            try (Ftrl opt = ftrl().learningRate(0.5).learningRatePower(-0.3).initialAccumulatorValue(0.2)
                    .l1RegularizationStrength(0.01).l2RegularizationStrength(0.1).beta(0.2)
                    .l2ShrinkageRegularizationStrength(shrinkage).build()) {
                double[] init = cycle(17, 1.0, -2.0, 3.0, 0.001, -4.0);
                double[][] grads = {cycle(17, 0.1, 0.2, -0.3, 0.0), cycle(17, -0.05, 0.5, 0.01), cycle(17, 1.0, -1.0, 0.002)};
                for (double[] g : grads) {
                    g[16] = 0.0;
                }
                Variable var = variable("w", dtype, init);
                double lr = hyper(0.5);
                double l2 = dtype.round(hyper(0.1) + dtype.round(hyper(0.2) / dtype.round(2.0 * lr)));
                double[] ref = rounded(dtype, init);
                double[] accum = filled(17, dtype.round(0.2));
                double[] linear = new double[17];
                for (int t = 0; t < grads.length; t++) {
                    opt.apply(List.of(tensor(dtype, grads[t])), List.of(var));
                    ftrlReference(ref, accum, linear, rounded(dtype, grads[t]), lr, hyper(0.01), l2, dtype.round(shrinkage), hyper(-0.3));
                    String at = dtype.kerasName() + " shrinkage " + shrinkage + " step " + (t + 1);
                    assertNearReference(ref, var.value(), "var " + at);
                    assertMatchesReference(accum, opt.getSlot(var, "accumulator"), 4, "accumulator " + at);
                    if (shrinkage == 0) {
                        assertNearReference(linear, opt.getSlot(var, "linear"), "linear " + at);
                        // the last element never has a gradient: linear stays 0 <= l1, so the weight is exactly 0
                        assertEquals(0.0, var.value().getDouble(16), "var[16] " + at);
                    }
                }
            }
        }
    }

    @Test
    void float32FollowsTheOperationOrderOfApplyFtrl() {
        // training_ops.cc ApplyFtrl, every scalar in float32: new_accum = accum + grad.square();
        // linear += grad - (new_accum.sqrt() - accum.sqrt()) / lr * var   (pow(-lr_power) unless lr_power == -0.5);
        // x = l1 * linear.sign() - linear; y = new_accum.sqrt() / lr + 2 * l2; var = |linear| > l1 ? x / y : 0; accum += g^2.
        // ftrl.py: l2 = l2 + beta / (2.0 * lr_t), in float32.
        for (double power : new double[] {-0.5, -0.2}) {
            try (Ftrl opt = ftrl().learningRate(0.3).learningRatePower(power).initialAccumulatorValue(0.1)
                    .l1RegularizationStrength(0.05).l2RegularizationStrength(0.1).beta(0.2).build()) {
                Variable var = variable("w", DType.FLOAT32, 1.0, -2.0, 3.0);
                float lr = 0.3f;
                float l1 = 0.05f;
                float p = (float) power;
                float twoL2 = 2f * (0.1f + 0.2f / (2f * lr));
                float[] w = {1f, -2f, 3f};
                float[] a = {0.1f, 0.1f, 0.1f};
                float[] z = new float[3];
                float[][] grads = {{0.1f, -0.3f, 2.0f}, {0.05f, 0.2f, -1.0f}, {1e-3f, 0f, 0.5f}};
                for (int t = 0; t < grads.length; t++) {
                    opt.apply(List.of(Tensor.wrap(grads[t].clone())), List.of(var));
                    for (int i = 0; i < 3; i++) {
                        float g = grads[t][i];
                        float newAccum = a[i] + g * g;
                        float newPow = p == -0.5f ? (float) Math.sqrt(newAccum) : (float) Math.pow(newAccum, -p);
                        float oldPow = p == -0.5f ? (float) Math.sqrt(a[i]) : (float) Math.pow(a[i], -p);
                        z[i] = z[i] + (g - ((newPow - oldPow) / lr) * w[i]);
                        float x = l1 * Math.signum(z[i]) - z[i];
                        float y = newPow / lr + twoL2;
                        w[i] = Math.abs(z[i]) > l1 ? x / y : 0f;
                        a[i] = newAccum;
                    }
                    String at = " lr_power " + power + " step " + (t + 1);
                    assertFloatsExactly(w, var.value(), "var" + at);
                    assertFloatsExactly(a, opt.getSlot(var, "accumulator"), "accumulator" + at);
                    assertFloatsExactly(z, opt.getSlot(var, "linear"), "linear" + at);
                }
            }
        }
    }

    @Test
    void shrinkageKeepsTheLinearSlotTimesTheLearningRateAsTensorFlowDoes() {
        // ResourceApplyFtrlV2 with multiply_linear_by_lr=False runs TF's ApplyFtrlV2MultiplyLinearByLr functor
        // (training_ops.cc ApplyFtrlOp::Compute), so the linear slot holds lr * z. testFtrlWithL1_L2_L2Shrinkage
        // settings (ftrl_test.py): after 10 steps var0's linear slot is [2.813456, 5.6380672] (= 3.0 * [0.93781865,
        // 1.879356]), and the variable keeps its golden value [-0.22578995, -0.44345796].
        try (Ftrl opt = Ftrl.builder().learningRate(3.0).initialAccumulatorValue(0.1).l1RegularizationStrength(0.001)
                .l2RegularizationStrength(2.0).l2ShrinkageRegularizationStrength(0.1).kernels(SCALAR).threads(1).build()) {
            Variable var0 = variable("var0", DType.FLOAT32, 1.0, 2.0);
            for (int step = 0; step < 10; step++) {
                opt.apply(List.of(tensor(DType.FLOAT32, 0.1, 0.2)), List.of(var0));
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {2.813456, 5.6380672},
                    opt.getSlot(var0, "linear").toDoubleArray(), 1e-5);
            org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {-0.22578995, -0.44345796},
                    var0.value().toDoubleArray(), 1e-6);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void testFtrlWithL2ShrinkageDoesNotChangeLrSchedule(DType dtype) {
        // ftrl_test.py testFtrlWithL2ShrinkageDoesNotChangeLrSchedule: var0 = var1 = [1.0, 2.0], grads [0.1, 0.2] for
        // both; opt0 = Ftrl(3.0, initial_accumulator_value=0.1, l1=0.001, l2=2.0, l2_shrinkage=0.1), opt1 the same without
        // shrinkage; 10 steps each: v0**2 < v1**2 elementwise, and the accumulators are equal.
        try (Ftrl opt0 = ftrl().learningRate(3.0).initialAccumulatorValue(0.1).l1RegularizationStrength(0.001)
                .l2RegularizationStrength(2.0).l2ShrinkageRegularizationStrength(0.1).build();
             Ftrl opt1 = ftrl().learningRate(3.0).initialAccumulatorValue(0.1).l1RegularizationStrength(0.001)
                .l2RegularizationStrength(2.0).build()) {
            Variable var0 = variable("var0", dtype, 1.0, 2.0);
            Variable var1 = variable("var1", dtype, 1.0, 2.0);
            for (int t = 0; t < 10; t++) {
                opt0.apply(List.of(tensor(dtype, 0.1, 0.2)), List.of(var0));
                opt1.apply(List.of(tensor(dtype, 0.1, 0.2)), List.of(var1));
            }
            for (int i = 0; i < 2; i++) {
                double v0 = var0.value().getDouble(i);
                double v1 = var1.value().getDouble(i);
                assertTrue(v0 * v0 < v1 * v1, "element " + i + ": " + v0 + " vs " + v1);
            }
            assertArrayEquals(opt1.getSlot(var1, "accumulator").toDoubleArray(), opt0.getSlot(var0, "accumulator").toDoubleArray());
        }
    }

    // ---- equivalences ----------------------------------------------------------------------------------------

    /** ftrl_test.py applyOptimizer: dense var0 = var1 = [0.0, 0.0], grads [0.1, 0.2] and [0.01, 0.02], 5 steps. */
    private static double[][] applyOptimizer(Optimizer opt, DType dtype) {
        Variable var0 = variable("var0", dtype, 0.0, 0.0);
        Variable var1 = variable("var1", dtype, 0.0, 0.0);
        for (int t = 0; t < 5; t++) {
            opt.apply(tensors(dtype, new double[] {0.1, 0.2}, new double[] {0.01, 0.02}), List.of(var0, var1));
        }
        return new double[][] {var0.value().toDoubleArray(), var1.value().toDoubleArray()};
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void testEquivGradientDescentwithoutRegularization(DType dtype) {
        // ftrl_test.py testEquivGradientDescentwithoutRegularization: Ftrl(3.0, learning_rate_power=-0.0,
        // initial_accumulator_value=0.1, l1=0.0, l2=0.0) == GradientDescentOptimizer(3.0) (assertAllCloseAccordingToType).
        try (Ftrl ftrl = ftrl().learningRate(3.0).learningRatePower(-0.0).initialAccumulatorValue(0.1)
                .l1RegularizationStrength(0.0).l2RegularizationStrength(0.0).build();
             SGD sgd = SGD.builder().learningRate(3.0).kernels(SCALAR).threads(1).build()) {
            double[][] f = applyOptimizer(ftrl, dtype);
            double[][] s = applyOptimizer(sgd, dtype);
            assertClose(s[0], f[0], 1e-6, 1e-6, "var0 " + dtype.kerasName());
            assertClose(s[1], f[1], 1e-6, 1e-6, "var1 " + dtype.kerasName());
            assertClose(new double[] {-1.5, -3.0}, f[0], 1e-6, 1e-6, "var0 = -3.0 * 5 * grads0");
        }
    }

    /** tf.compat.v1.train.AdagradOptimizer (ApplyAdagrad: accum += g^2; var -= lr g / sqrt(accum), no epsilon), in float64. */
    private static double[][] adagradV1(double lr, double initialAccumulator) {
        double[][] vars = {{0.0, 0.0}, {0.0, 0.0}};
        double[][] accum = {filled(2, initialAccumulator), filled(2, initialAccumulator)};
        double[][] grads = {{0.1, 0.2}, {0.01, 0.02}};
        for (int t = 0; t < 5; t++) {
            for (int k = 0; k < 2; k++) {
                for (int i = 0; i < 2; i++) {
                    accum[k][i] += grads[k][i] * grads[k][i];
                    vars[k][i] -= lr * grads[k][i] / Math.sqrt(accum[k][i]);
                }
            }
        }
        return vars;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void testEquivAdagradwithoutRegularization(DType dtype) {
        // ftrl_test.py testEquivAdagradwithoutRegularization: Ftrl(3.0, learning_rate_power=-0.5,
        // initial_accumulator_value=0.1, l1=0.0, l2=0.0) == tf.compat.v1.train.AdagradOptimizer(3.0, initial_accumulator_value=0.1).
        try (Ftrl ftrl = ftrl().learningRate(3.0).learningRatePower(-0.5).initialAccumulatorValue(0.1)
                .l1RegularizationStrength(0.0).l2RegularizationStrength(0.0).build();
             Adagrad adagrad = Adagrad.builder().learningRate(3.0).initialAccumulatorValue(0.1).kernels(SCALAR).threads(1).build()) {
            double[][] f = applyOptimizer(ftrl, dtype);
            double[][] v1 = adagradV1(3.0, 0.1);
            assertClose(v1[0], f[0], 1e-6, 1e-6, "var0 vs AdagradOptimizer " + dtype.kerasName());
            assertClose(v1[1], f[1], 1e-6, 1e-6, "var1 vs AdagradOptimizer " + dtype.kerasName());
            // and Keras's Adagrad (ApplyAdagradV2, epsilon 1e-7 outside the root: a 1e-7-relative difference here)
            double[][] a = applyOptimizer(adagrad, dtype);
            assertClose(a[0], f[0], 1e-6, 1e-6, "var0 vs Adagrad " + dtype.kerasName());
            assertClose(a[1], f[1], 1e-6, 1e-6, "var1 vs Adagrad " + dtype.kerasName());
        }
    }

    // ---- Keras 3 golden values (the same variables) ----------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void keras3SingleStep(DType dtype) {
        // keras/src/optimizers/ftrl_test.py test_single_step: Ftrl(learning_rate=0.5), grads [1, 6, 7, 2], vars [1, 2, 3, 4]
        // -> [0.2218, 1.3954, 2.3651, 2.8814] (rtol = atol = 1e-4).
        for (boolean keras3 : new boolean[] {false, true}) {
            try (Ftrl opt = ftrl().keras3(keras3).learningRate(0.5).build()) {
                Variable var = variable("vars", dtype, 1.0, 2.0, 3.0, 4.0);
                opt.apply(List.of(tensor(dtype, 1.0, 6.0, 7.0, 2.0)), List.of(var));
                assertClose(new double[] {0.2218, 1.3954, 2.3651, 2.8814}, var.value(), 1e-4, 1e-4, "vars keras3=" + keras3);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void keras3CorrectnessWithGolden(DType dtype) {
        // keras/src/optimizers/ftrl_test.py test_correctness_with_golden: Ftrl(learning_rate=0.05, learning_rate_power=-0.2,
        // initial_accumulator_value=0.4, l1=0.05, l2=0.15, l2_shrinkage=0.01, beta=0.3), rtol = atol = 5e-4.
        double[][] golden = {
            {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
            {-0.0034, -0.0077, -0.0118, -0.0157, -0.0194, -0.023, -0.0263, -0.0294, -0.0325, -0.0354},
            {-0.0078, -0.0162, -0.0242, -0.0317, -0.0387, -0.0454, -0.0516, -0.0575, -0.0631, -0.0685},
            {-0.0121, -0.0246, -0.0363, -0.0472, -0.0573, -0.0668, -0.0757, -0.0842, -0.0922, -0.0999},
            {-0.0164, -0.0328, -0.0481, -0.0623, -0.0753, -0.0875, -0.099, -0.1098, -0.1201, -0.1299}};
        try (Ftrl opt = ftrl().learningRate(0.05).learningRatePower(-0.2).initialAccumulatorValue(0.4)
                .l1RegularizationStrength(0.05).l2RegularizationStrength(0.15).l2ShrinkageRegularizationStrength(0.01).beta(0.3)
                .build();
             Ftrl keras3 = keras3GoldenOptimizer()) {
            Fixtures.runKeras3Golden(opt, dtype, golden);
            Fixtures.runKeras3Golden(keras3, dtype, golden);
        }
    }

    private static Ftrl keras3GoldenOptimizer() {
        return ftrl().keras3(true).learningRate(0.05).learningRatePower(-0.2).initialAccumulatorValue(0.4)
                .l1RegularizationStrength(0.05).l2RegularizationStrength(0.15).l2ShrinkageRegularizationStrength(0.01).beta(0.3)
                .build();
    }

    /** Keras 3's update_step in double, as ftrl.py writes it (the learning rate a float32 variable). */
    private static void keras3Reference(double[] w, double[] accum, double[] linear, double[] g, double lr, double p, double l1,
                                        double l2, double shrinkage, double beta) {
        double l2Reg = l2 + beta / (2.0 * lr);
        for (int i = 0; i < w.length; i++) {
            double gradToUse = g[i] + 2 * shrinkage * w[i];
            double newAccum = accum[i] + g[i] * g[i];
            linear[i] += gradToUse - (Math.pow(newAccum, -p) - Math.pow(accum[i], -p)) / lr * w[i];
            double quadratic = Math.pow(newAccum, -p) / lr + 2 * l2Reg;
            w[i] = (Math.max(Math.min(linear[i], l1), -l1) - linear[i]) / quadratic;
            accum[i] = newAccum;
        }
    }

    /** ftrl_test.py test_correctness_with_golden in float64, against ftrl.py's formula in double (1e-12 relative). */
    @Test
    void keras3GoldenInFloat64() {
        double lr = (float) 0.05;
        double[] w = filled(10, 1.0);
        double[] accum = filled(10, 0.4);
        double[] linear = new double[10];
        double[] arange = new double[10];
        for (int i = 0; i < 10; i++) {
            arange[i] = 0.1 * (i + 1);
        }
        try (Ftrl opt = keras3GoldenOptimizer()) {
            Variable x = variable("x", DType.FLOAT64, filled(10, 1.0));
            for (int step = 0; step < 6; step++) {
                double[] g = step == 0 ? filled(10, 0.01) : arange;
                opt.apply(List.of(tensor(DType.FLOAT64, g)), List.of(x));
                keras3Reference(w, accum, linear, g, lr, -0.2, 0.05, 0.15, 0.01, 0.3);
                assertClose(w, x.value(), 1e-12, 0, "x step " + step);
                assertClose(linear, opt.getSlot(x, "linear"), 1e-12, 0, "linear step " + step);
                assertClose(accum, opt.getSlot(x, "accumulator"), 1e-12, 0, "accumulator step " + step);
            }
        }
    }

    /**
     * The Keras 3 form in float32, written out as ftrl.py's ops meet float32 tensors; its linear slot
     * is unscaled (TF2's V2 keeps it times lr), and the accumulator takes the raw gradient.
     */
    @Test
    void keras3FormFollowsUpdateStepInFloat32() {
        float[] g = {1, -6, 0.25f, 2};
        float[] w0 = {1, 2, -3, 0.5f};
        try (Ftrl opt = ftrl().keras3(true).learningRate(0.3).l1RegularizationStrength(0.5).l2RegularizationStrength(0.1)
                .l2ShrinkageRegularizationStrength(0.2).beta(0.7).build();
             Ftrl tf2 = ftrl().learningRate(0.3).l1RegularizationStrength(0.5).l2RegularizationStrength(0.1)
                .l2ShrinkageRegularizationStrength(0.2).beta(0.7).build()) {
            Variable var = new Variable("v", Tensor.wrap(w0.clone()));
            Variable other = new Variable("v", Tensor.wrap(w0.clone()));
            opt.apply(List.of(Tensor.wrap(g.clone())), List.of(var));
            tf2.apply(List.of(Tensor.wrap(g.clone())), List.of(other));
            float lr = 0.3f;
            float l2Reg = 0.1f + 0.7f / (2.0f * lr);
            float twoShrinkage = (float) (2 * 0.2);
            float[] expected = new float[4];
            float[] expectedLinear = new float[4];
            for (int i = 0; i < 4; i++) {
                float a = 0.1f;
                float newAccum = a + g[i] * g[i];
                float l = 0f + ((g[i] + twoShrinkage * w0[i]) - (((float) Math.sqrt(newAccum) - (float) Math.sqrt(a)) / lr) * w0[i]);
                expectedLinear[i] = l;
                expected[i] = (Math.max(Math.min(l, 0.5f), -0.5f) - l) / ((float) Math.sqrt(newAccum) / lr + 2 * l2Reg);
            }
            assertArrayEquals(expected, var.value().toFloatArray());
            assertArrayEquals(expectedLinear, opt.getSlot(var, "linear").toFloatArray());
            assertEquals(List.of("accumulator", "linear"), opt.getSlotNames());
            // TF2's ApplyFtrlV2 keeps linear times lr.
            assertEquals(expectedLinear[0] * 0.3f, tf2.getSlot(other, "linear").toFloatArray()[0], 1e-6);
        }
    }

    @Test
    void keras3ConfigRoundTripLoadsTheKeras3Form() {
        // ftrl_test.py test_config's arguments.
        Map<String, Object> config;
        try (Ftrl opt = ftrl().keras3(true).learningRate(0.05).learningRatePower(-0.2).initialAccumulatorValue(0.4)
                .l1RegularizationStrength(0.05).l2RegularizationStrength(0.15).l2ShrinkageRegularizationStrength(0.01).beta(0.3)
                .build()) {
            config = opt.getConfig();
            assertEquals("ftrl", config.get("name"));
            assertEquals(-0.2, config.get("learning_rate_power"));
            assertEquals(0.05, config.get("l1_regularization_strength"));
            assertEquals(0.3, config.get("beta"));
            assertTrue(!config.containsKey("decay"), config.toString());
        }
        Optimizer back = Optimizers.deserialize(Fixtures.keras3Form("Ftrl", config));
        try (back) {
            assertTrue(back.isKeras3());
            assertEquals(config, back.getConfig());
        }
    }

    // ---- checks, slots, config -------------------------------------------------------------------------------

    @Test
    void theFiveChecksWithKerasMessages() {
        // ftrl.py __init__ (and keras/src/optimizers/ftrl_test.py test_invalid_*): the five ValueErrors.
        List<Supplier<Ftrl>> bad = List.of(
                () -> ftrl().initialAccumulatorValue(-0.1).build(),
                () -> ftrl().learningRatePower(0.1).build(),
                () -> ftrl().l1RegularizationStrength(-0.1).build(),
                () -> ftrl().l2RegularizationStrength(-0.1).build(),
                () -> ftrl().l2ShrinkageRegularizationStrength(-0.1).build());
        List<String> messages = List.of(
                "`initial_accumulator_value` needs to be positive or zero. Received: initial_accumulator_value=-0.1.",
                "`learning_rate_power` needs to be negative or zero. Received: learning_rate_power=0.1.",
                "`l1_regularization_strength` needs to be positive or zero. Received: l1_regularization_strength=-0.1.",
                "`l2_regularization_strength` needs to be positive or zero. Received: l2_regularization_strength=-0.1.",
                "`l2_shrinkage_regularization_strength` needs to be positive or zero. Received: l2_shrinkage_regularization_strength=-0.1.");
        for (int i = 0; i < bad.size(); i++) {
            Supplier<Ftrl> s = bad.get(i);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, s::get);
            assertEquals(messages.get(i), e.getMessage());
        }
        List<String> keys = List.of("initial_accumulator_value", "learning_rate_power", "l1_regularization_strength",
                "l2_regularization_strength", "l2_shrinkage_regularization_strength");
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            double value = i == 1 ? 0.1 : -0.1;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ftrl.fromConfig(Map.of(key, value)));
            assertEquals(messages.get(i), e.getMessage(), "fromConfig " + key);
        }
        // zero is allowed everywhere (learning_rate_power 0 is a fixed rate)
        try (Ftrl opt = ftrl().initialAccumulatorValue(0).learningRatePower(0).l1RegularizationStrength(0)
                .l2RegularizationStrength(0).l2ShrinkageRegularizationStrength(0).build()) {
            assertEquals(0.0, opt.getInitialAccumulatorValue());
        }
    }

    @Test
    void slotsAreInterleavedPerVariableAndTheAccumulatorStartsAtItsInitialValue() {
        // ftrl.py _create_slots: for each var, "accumulator" (constant initial_accumulator_value) then "linear" (zeros):
        // weights = [iter, accumulator(a), linear(a), accumulator(b), linear(b)].
        try (Ftrl opt = ftrl().learningRate(0.1).initialAccumulatorValue(0.25).build()) {
            Variable a = variable("a", DType.FLOAT32, 1, 2);
            Variable b = variable("b", DType.FLOAT64, 3, 4, 5);
            opt.build(List.of(a, b));
            assertEquals(List.of("accumulator", "linear"), opt.getSlotNames());
            List<Tensor> w = opt.getWeights();
            assertEquals(5, w.size());
            assertArrayEquals(new double[] {0.25, 0.25}, w.get(1).toDoubleArray(), "accumulator(a)");
            assertArrayEquals(new double[] {0, 0}, w.get(2).toDoubleArray(), "linear(a)");
            assertArrayEquals(new double[] {0.25, 0.25, 0.25}, w.get(3).toDoubleArray(), "accumulator(b)");
            assertArrayEquals(new double[] {0, 0, 0}, w.get(4).toDoubleArray(), "linear(b)");
            opt.apply(List.of(tensor(DType.FLOAT32, 0.5, -1), tensor(DType.FLOAT64, 2, 0, -3)), List.of(a, b));
            w = opt.getWeights();
            assertEquals(1.0, w.get(0).getDouble(0), "iterations first");
            int k = 1;
            for (Variable v : List.of(a, b)) {
                for (String slot : List.of("accumulator", "linear")) {
                    Tensor actual = w.get(k++);
                    assertEquals(v.dtype(), actual.dtype(), slot + "(" + v.name() + ")");
                    assertArrayEquals(opt.getSlot(v, slot).toDoubleArray(), actual.toDoubleArray(), slot + "(" + v.name() + ")");
                }
            }
        }
        try (Ftrl opt = new Ftrl()) {
            Variable a = variable("a", DType.FLOAT32, 1);
            opt.build(List.of(a));
            assertEquals(0.1f, (float) opt.getSlot(a, "accumulator").getDouble(0), "default initial_accumulator_value 0.1");
        }
    }

    @Test
    void configKeysOrderAndRoundTrip() {
        // ftrl.py get_config: name, [clip...], learning_rate, decay, initial_accumulator_value, learning_rate_power,
        // l1_regularization_strength, l2_regularization_strength, beta, l2_shrinkage_regularization_strength.
        List<String> keys = List.of("name", "learning_rate", "decay", "initial_accumulator_value", "learning_rate_power",
                "l1_regularization_strength", "l2_regularization_strength", "beta", "l2_shrinkage_regularization_strength");
        try (Ftrl opt = new Ftrl()) {
            Map<String, Object> config = opt.getConfig();
            assertEquals(keys, new ArrayList<>(config.keySet()));
            assertEquals(Map.of("name", "Ftrl", "learning_rate", 0.001, "decay", 0.0, "initial_accumulator_value", 0.1,
                    "learning_rate_power", -0.5, "l1_regularization_strength", 0.0, "l2_regularization_strength", 0.0,
                    "beta", 0.0, "l2_shrinkage_regularization_strength", 0.0), config);
        }
        List<Ftrl> originals = List.of(new Ftrl(3.0),
                Ftrl.builder().name("f").learningRate(0.05).learningRatePower(-0.2).initialAccumulatorValue(0.4)
                        .l1RegularizationStrength(0.05).l2RegularizationStrength(0.15).l2ShrinkageRegularizationStrength(0.01)
                        .beta(0.3).decay(0.1).clipnorm(2.0).build());
        for (Ftrl original : originals) {
            try (original; Ftrl copy = Ftrl.fromConfig(original.getConfig())) {
                assertEquals(original.getConfig(), copy.getConfig());
                assertEquals(new ArrayList<>(original.getConfig().keySet()), new ArrayList<>(copy.getConfig().keySet()));
            }
        }
    }
}
