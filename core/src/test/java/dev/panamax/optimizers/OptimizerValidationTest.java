package dev.panamax.optimizers;

import static dev.panamax.optimizers.Fixtures.SCALAR;
import static dev.panamax.optimizers.Fixtures.assertExactly;
import static dev.panamax.optimizers.Fixtures.assertSameSnapshot;
import static dev.panamax.optimizers.Fixtures.bits;
import static dev.panamax.optimizers.Fixtures.snapshot;
import static dev.panamax.optimizers.Fixtures.tensor;
import static dev.panamax.optimizers.Fixtures.variable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Gradient;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad input gets a clear exception before anything is written (DESIGN.md section 3). Messages follow Keras v2.11.0
 * {@code keras/optimizers/optimizer_v2/optimizer_v2.py} and {@code utils.py}, or Keras 3 where Keras 2 has none.
 */
class OptimizerValidationTest {

    /** Optimizers with slots: Adam (AMSGrad, three slots) and SGD with momentum. */
    private static List<Supplier<Optimizer>> optimizers() {
        return List.of(
                () -> Adam.builder().learningRate(0.1).amsgrad(true).kernels(SCALAR).threads(1).build(),
                () -> SGD.builder().learningRate(0.1).momentum(0.9).kernels(SCALAR).threads(1).build(),
                () -> SGD.builder().learningRate(0.1).kernels(SCALAR).threads(1).build());
    }

    private Variable a;
    private Variable b;
    private Variable c;

    private List<Variable> vars() {
        a = variable("dense/kernel", DType.FLOAT32, 1, 2, 3);
        b = variable("dense/bias", DType.FLOAT32, -1, 0.5);
        c = variable("head/w", DType.FLOAT64, 4, 5);
        return List.of(a, b, c);
    }

    private static List<Gradient> goodGrads() {
        return List.of(tensor(DType.FLOAT32, 0.1, -0.2, 0.3), tensor(DType.FLOAT32, 0.5, 0.25), tensor(DType.FLOAT64, -1, 2));
    }

    /**
     * Runs {@code bad} on a fresh optimizer before its first step, and again after two good steps (slots
     * hold non-zero values), and checks that neither run modified any variable, slot or the step count.
     */
    private <T extends Throwable> void assertRejectedWithoutWrites(Class<T> type, String messagePart,
                                                                   java.util.function.BiFunction<Optimizer, List<Variable>, Executable> bad) {
        for (Supplier<Optimizer> make : optimizers()) {
            for (int goodSteps : new int[] {0, 2}) {
                try (Optimizer opt = make.get()) {
                    List<Variable> vars = vars();
                    for (int s = 0; s < goodSteps; s++) {
                        opt.apply(goodGrads(), vars);
                    }
                    List<long[]> before = snapshot(opt, vars);
                    int weightsBefore = opt.getWeights().size();
                    T e = assertThrows(type, bad.apply(opt, vars), opt.getName() + " after " + goodSteps + " steps");
                    assertTrue(e.getMessage() != null && e.getMessage().contains(messagePart),
                            opt.getName() + ": message '" + e.getMessage() + "' should contain '" + messagePart + "'");
                    assertEquals(weightsBefore, opt.getWeights().size(), "no slots created by a rejected step");
                    assertSameSnapshot(before, snapshot(opt, vars));
                    assertEquals(goodSteps, opt.getIterations());
                    // and the optimizer still works afterwards
                    opt.apply(goodGrads(), vars);
                    assertEquals(goodSteps + 1, opt.getIterations());
                }
            }
        }
    }

    /** The good gradients with entry {@code i} replaced. */
    private static List<Gradient> with(int i, Gradient g) {
        List<Gradient> grads = new ArrayList<>(goodGrads());
        grads.set(i, g);
        return grads;
    }

    @Test
    void gradientShapeMismatch() {
        // The last pair is bad: the checks must run before the first variable is updated.
        assertRejectedWithoutWrites(IllegalArgumentException.class, "has shape [3], expected [2]",
                (opt, vars) -> () -> opt.apply(with(2, tensor(DType.FLOAT64, 1, 2, 3)), vars));
        assertRejectedWithoutWrites(IllegalArgumentException.class, "dense/bias",
                (opt, vars) -> () -> opt.apply(with(1, Tensor.wrap(new float[] {1, 2}, 1, 2)), vars));
    }

    @Test
    void gradientDtypeMismatch() {
        assertRejectedWithoutWrites(IllegalArgumentException.class, "has dtype float32, expected float64",
                (opt, vars) -> () -> opt.apply(with(2, tensor(DType.FLOAT32, 1, 2)), vars));
    }

    @Test
    void closedGradient() {
        assertRejectedWithoutWrites(IllegalStateException.class, "closed", (opt, vars) -> {
            Tensor g = Tensor.of(new double[] {1, 2});
            g.close();
            return () -> opt.apply(with(2, g), vars);
        });
    }

    @Test
    void closedVariable() {
        for (Supplier<Optimizer> make : optimizers()) {
            try (Optimizer opt = make.get()) {
                List<Variable> vars = vars();
                Tensor value = Tensor.of(new float[] {1, 2});
                Variable closed = new Variable("closed", value);
                value.close();
                List<long[]> before = snapshot(opt, vars);
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> opt.apply(
                        List.of(goodGrads().get(0), goodGrads().get(1), tensor(DType.FLOAT32, 1, 2)), List.of(a, b, closed)));
                assertTrue(e.getMessage().contains("closed") && e.getMessage().contains("'closed'"), e.getMessage());
                assertSameSnapshot(before, snapshot(opt, vars));
                assertEquals(0, opt.getIterations());
            }
        }
    }

    @Test
    void variableNotKnownAfterBuild() {
        // Keras 3 base_optimizer._check_variables_are_known: "The optimizer cannot recognize variable ..."
        for (Supplier<Optimizer> make : optimizers()) {
            try (Optimizer opt = make.get()) {
                List<Variable> vars = vars();
                opt.build(List.of(a, b));
                opt.apply(List.of(goodGrads().get(0), goodGrads().get(1)), List.of(a, b));
                List<long[]> before = snapshot(opt, vars);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.apply(goodGrads(), vars));
                assertTrue(e.getMessage().contains("cannot recognize variable"), e.getMessage());
                assertTrue(e.getMessage().contains("head/w"), e.getMessage());
                assertSameSnapshot(before, snapshot(opt, vars));
                assertEquals(1, opt.getIterations());
            }
        }
    }

    @Test
    void buildAgainAddsNoVariable() {
        try (Optimizer opt = optimizers().get(0).get()) {
            List<Variable> vars = vars();
            opt.build(List.of(a, b, a)); // duplicates are built once
            assertEquals(1 + 3 * 2, opt.getWeights().size(), "AMSGrad: iterations + m, v, vhat per variable");
            opt.build(List.of(b, a)); // the same variables again: nothing to do
            assertEquals(1 + 3 * 2, opt.getWeights().size());
            List<long[]> before = snapshot(opt, vars);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> opt.build(vars));
            assertTrue(e.getMessage().contains("already built") && e.getMessage().contains("head/w"), e.getMessage());
            assertSameSnapshot(before, snapshot(opt, vars));
        }
    }

    @Test
    void allNullGradients() {
        // utils.py filter_empty_gradients: "No gradients provided for any variable: ..."
        assertRejectedWithoutWrites(IllegalArgumentException.class, "No gradients provided for any variable",
                (opt, vars) -> () -> opt.apply(Arrays.asList(null, null, null), vars));
        for (Supplier<Optimizer> make : optimizers()) {
            try (Optimizer opt = make.get()) {
                List<Variable> vars = vars();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> opt.apply(Arrays.asList(null, null, null), vars));
                assertTrue(e.getMessage().contains("['dense/kernel', 'dense/bias', 'head/w']"), e.getMessage());
            }
        }
    }

    @Test
    void someNullGradientsAreSkipped() {
        for (Supplier<Optimizer> make : optimizers()) {
            try (Optimizer opt = make.get()) {
                List<Variable> vars = vars();
                // no explicit build: the first step builds every variable given, with or without a gradient
                long[] bBefore = bits(b.value());
                long[] aBefore = bits(a.value());
                opt.apply(Arrays.asList(goodGrads().get(0), null, goodGrads().get(2)), vars);
                assertEquals(1, opt.getIterations());
                assertArrayEquals(bBefore, bits(b.value()), "the variable without gradient is untouched");
                assertTrue(!Arrays.equals(aBefore, bits(a.value())), "the others are updated");
                for (String slot : opt.getSlotNames()) {
                    assertExactly(new double[] {0, 0}, opt.getSlot(b, slot), "slot " + slot + " of the skipped variable");
                }
                opt.apply(goodGrads(), vars); // b gets a gradient later: it is known
                assertTrue(!Arrays.equals(bBefore, bits(b.value())), "b is updated once it has a gradient");
            }
        }
    }

    @Test
    void gradientListOfTheWrongLength() {
        try (Optimizer opt = optimizers().get(0).get()) {
            List<Variable> vars = vars();
            List<long[]> before = snapshot(opt, vars);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> opt.apply(goodGrads().subList(0, 2), vars));
            assertTrue(e.getMessage().contains("2 gradients for 3 variables"), e.getMessage());
            assertSameSnapshot(before, snapshot(opt, vars));
        }
    }

    @Test
    void sparseGradientWithAnIndexOutOfRangeIsRejectedBeforeAnythingIsWritten() {
        // The first two variables' dense gradients are fine: the whole step is checked before any write.
        assertRejectedWithoutWrites(IllegalArgumentException.class, "has indices[1] = 2, out of range [0, 2)", (opt, vars) -> {
            IndexedSlices sparse = new IndexedSlices(Tensor.wrap(new double[] {1, 1}), Tensor.wrap(new int[] {0, 2}), 2);
            return () -> opt.apply(with(2, sparse), vars);
        });
        assertRejectedWithoutWrites(IllegalArgumentException.class, "has indices[0] = -1, out of range [0, 2)", (opt, vars) -> {
            IndexedSlices sparse = new IndexedSlices(Tensor.wrap(new double[] {1}), Tensor.wrap(new long[] {-1}), 2);
            return () -> opt.apply(with(2, sparse), vars);
        });
    }

    @Test
    void sparseGradientWithWrongRowsOrDtypeIsRejectedBeforeAnythingIsWritten() {
        assertRejectedWithoutWrites(IllegalArgumentException.class,
                "is an IndexedSlices of dense shape [2, 2], expected [2] (the variable's shape)",
                (opt, vars) -> {
                    IndexedSlices sparse = new IndexedSlices(Tensor.wrap(new double[] {1, 2}, 1, 2), Tensor.wrap(new int[] {0}), 2, 2);
                    return () -> opt.apply(with(2, sparse), vars);
                });
        assertRejectedWithoutWrites(IllegalArgumentException.class, "has dtype float32, expected float64", (opt, vars) -> {
            IndexedSlices sparse = new IndexedSlices(Tensor.wrap(new float[] {1}), Tensor.wrap(new int[] {0}), 2);
            return () -> opt.apply(with(2, sparse), vars);
        });
    }

    @Test
    void gradientTransformerOutputIsCheckedBeforeAnythingIsWritten() {
        GradientTransformer wrongShape = pairs -> {
            List<GradientAndVariable> out = new ArrayList<>(pairs);
            GradientAndVariable last = out.get(out.size() - 1);
            out.set(out.size() - 1, new GradientAndVariable(tensor(DType.FLOAT64, 1, 2, 3), last.variable()));
            return out;
        };
        try (SGD opt = SGD.builder().learningRate(1).momentum(0.5).gradientTransformers(List.of(wrongShape))
                .kernels(SCALAR).threads(1).build()) {
            List<Variable> vars = vars();
            List<long[]> before = snapshot(opt, vars);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.apply(goodGrads(), vars));
            assertTrue(e.getMessage().contains("after the gradient transformers"), e.getMessage());
            assertSameSnapshot(before.subList(0, 3), snapshot(opt, vars).subList(0, 3));
            assertEquals(0, opt.getIterations());
        }
    }

    @Test
    void gradientTransformersAreRefusedWhereKeras3sStepsWouldSkipThem() {
        GradientTransformer identity = pairs -> pairs;
        String expected = "`gradient_transformers` is a TF2 (OptimizerV2) argument, and this optimizer takes Keras 3's steps,"
                + " which have none: clip with `clipnorm`, `clipvalue` or `global_clipnorm`, or transform the gradients before"
                + " `apply`";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Adam.builder().keras3(true).gradientTransformers(List.of(identity)).build());
        assertEquals(expected, e.getMessage());
        // A TF2 optimizer with one of Keras 3's options takes Keras 3's steps too.
        e = assertThrows(IllegalArgumentException.class,
                () -> SGD.builder().weightDecay(0.01).gradientTransformers(List.of(identity)).build());
        assertEquals(expected, e.getMessage());
    }

    // ---- constructor arguments -----------------------------------------------------------------------------

    @Test
    void negativeClipAndDecayArgumentsAreRejected() {
        // optimizer_v2.py __init__: raise ValueError(f"Expected {k} >= 0, received: {kwargs[k]}")
        assertMessage("Expected clipnorm >= 0, received: -1.0", () -> SGD.builder().clipnorm(-1).build());
        assertMessage("Expected clipvalue >= 0, received: -1.0", () -> SGD.builder().clipvalue(-1).build());
        assertMessage("Expected global_clipnorm >= 0, received: -1.0", () -> Adam.builder().globalClipnorm(-1).build());
        assertMessage("Expected decay >= 0, received: -1.0", () -> Adam.builder().decay(-1).build());
        assertMessage("Expected decay >= 0, received: -0.5", () -> SGD.builder().decay(-0.5).build());
        // 0 is allowed
        try (SGD opt = SGD.builder().clipnorm(0).clipvalue(0).decay(0).build()) {
            assertEquals(0.0, opt.getClipnorm());
            assertEquals(0.0, opt.getClipvalue());
        }
    }

    @Test
    void clipnormAndGlobalClipnormTogetherAreRejected() {
        // optimizer_v2.py: "Cannot accept both `clipnorm` and `global_clipnorm`. Received: `clipnorm`=1.0, ..."
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SGD.builder().clipnorm(1).globalClipnorm(2).build());
        assertTrue(e.getMessage().startsWith("Cannot accept both `clipnorm` and `global_clipnorm`"), e.getMessage());
        assertTrue(e.getMessage().contains("`clipnorm`=1.0, `global_clipnorm`=2.0"), e.getMessage());
        try (SGD opt = SGD.builder().clipnorm(1).build()) {
            assertThrows(IllegalArgumentException.class, () -> opt.setGlobalClipnorm(2.0));
            assertEquals(null, opt.getGlobalClipnorm());
        }
    }

    private static void assertMessage(String expected, Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertEquals(expected, ex.getMessage());
    }

    // ---- weights ---------------------------------------------------------------------------------------------

    @Test
    void setWeightsOfTheWrongLength() {
        // optimizer_v2.py set_weights: "You called `set_weights(weights)` on optimizer {name} with a  weight list of
        // length {n}, but the optimizer was expecting {m} weights. ..."
        try (Adam opt = Adam.builder().kernels(SCALAR).threads(1).build()) {
            List<Variable> vars = vars();
            opt.apply(goodGrads(), vars);
            List<Tensor> weights = opt.getWeights();
            List<long[]> before = snapshot(opt, vars);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> opt.setWeights(weights.subList(0, weights.size() - 1)));
            assertTrue(e.getMessage().startsWith("You called `set_weights(weights)` on optimizer Adam with a  weight list of length 6"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("expecting 7 weights"), e.getMessage());
            assertSameSnapshot(before, snapshot(opt, vars));
        }
    }

    @Test
    void setWeightsOfTheWrongShapeWritesNothing() {
        // optimizer_v2.py set_weights: "Optimizer weight shape {pv.shape} not compatible with provided weight shape {w.shape}."
        try (Adam opt = Adam.builder().kernels(SCALAR).threads(1).build()) {
            List<Variable> vars = vars();
            opt.apply(goodGrads(), vars);
            List<long[]> before = snapshot(opt, vars);
            List<Tensor> weights = new ArrayList<>(opt.getWeights());
            // change every slot so that a partial write would show, then break the last one's shape
            for (int i = 1; i < weights.size(); i++) {
                weights.get(i).fill(42);
            }
            weights.set(weights.size() - 1, Tensor.wrap(new double[] {1, 2, 3}));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.setWeights(weights));
            assertTrue(e.getMessage().contains("not compatible"), e.getMessage());
            assertTrue(e.getMessage().contains("Optimizer weight shape [2] not compatible with provided weight shape [3]"),
                    e.getMessage());
            assertSameSnapshot(before, snapshot(opt, vars));
        }
    }

    @Test
    void setWeightsRoundTripGivesIdenticalNextSteps() {
        for (Supplier<Optimizer> make : optimizers()) {
            try (Optimizer source = make.get(); Optimizer target = make.get()) {
                List<Variable> sourceVars = vars();
                Variable sa = a;
                Variable sb = b;
                Variable sc = c;
                source.apply(goodGrads(), sourceVars);
                source.apply(List.of(tensor(DType.FLOAT32, -0.3, 1, 2), tensor(DType.FLOAT32, 0, 1), tensor(DType.FLOAT64, 3, -1)),
                        sourceVars);

                // the target gets the source's variable values and optimizer weights
                List<Variable> targetVars = vars();
                a.value().copyFrom(sa.value());
                b.value().copyFrom(sb.value());
                c.value().copyFrom(sc.value());
                target.build(targetVars);
                target.setWeights(source.getWeights());
                assertEquals(source.getIterations(), target.getIterations());
                assertSameSnapshot(snapshot(source, sourceVars), snapshot(target, targetVars));

                List<Gradient> next = List.of(tensor(DType.FLOAT32, 0.7, 0.1, -0.1), tensor(DType.FLOAT32, 2, -2),
                        tensor(DType.FLOAT64, 0.01, 0.02));
                for (int s = 0; s < 2; s++) {
                    source.apply(next, sourceVars);
                    target.apply(next, targetVars);
                }
                assertSameSnapshot(snapshot(source, sourceVars), snapshot(target, targetVars));
            }
        }
    }

    @Test
    void setWeightsConvertsAndRejectsABadIterationCount() {
        try (SGD opt = SGD.builder().momentum(0.5).kernels(SCALAR).threads(1).build()) {
            Variable v = variable("v", DType.FLOAT32, 1, 2);
            opt.build(List.of(v));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> opt.setWeights(List.of(scalarIterations(-3), Tensor.wrap(new float[] {9, 9}))));
            assertTrue(e.getMessage().contains("iterations"), e.getMessage());
            assertExactly(new double[] {0, 0}, opt.getSlot(v, "momentum"), "momentum untouched");
            assertEquals(0, opt.getIterations());
            // a float64 slot value is converted to the float32 slot
            opt.setWeights(List.of(scalarIterations(4), Tensor.wrap(new double[] {0.5, -0.25})));
            assertExactly(new double[] {0.5, -0.25}, opt.getSlot(v, "momentum"), "momentum");
            assertEquals(4, opt.getIterations());
        }
    }

    @Test
    void getWeightsIterationsIsAnInt64Count() {
        try (SGD opt = SGD.builder().kernels(SCALAR).threads(1).build()) {
            Variable v = variable("v", DType.FLOAT32, 1);
            for (int s = 0; s < 3; s++) {
                opt.apply(List.of(tensor(DType.FLOAT32, 1)), List.of(v));
            }
            Tensor it = opt.getWeights().get(0);
            assertEquals(DType.INT64, it.dtype());
            assertArrayEquals(new long[0], it.shape(), "a scalar, as Keras's iterations");
            assertEquals(1, it.size());
            assertEquals(3.0, it.getDouble(0));
        }
    }

    private static Tensor scalarIterations(long value) {
        return Tensor.scalar(value);
    }

    // ---- lifetime ----------------------------------------------------------------------------------------------

    @Test
    void closedOptimizerIsRejected() {
        Optimizer opt = optimizers().get(0).get();
        List<Variable> vars = vars();
        opt.apply(goodGrads(), vars);
        List<Tensor> weights = opt.getWeights();
        long[] aBefore = bits(a.value());
        opt.close();
        opt.close(); // idempotent
        for (Executable call : new Executable[] {
                () -> opt.apply(goodGrads(), vars), () -> opt.applyGradients(List.of()), opt::getWeights,
                () -> opt.setWeights(weights), () -> opt.build(vars)}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
        assertArrayEquals(aBefore, bits(a.value()), "closing the optimizer does not touch the variables");
    }
}
