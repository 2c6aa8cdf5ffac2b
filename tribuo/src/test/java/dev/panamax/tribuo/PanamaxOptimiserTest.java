package dev.panamax.tribuo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.optimizers.Adagrad;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.Lamb;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.Optimizers;
import dev.panamax.optimizers.RMSprop;
import dev.panamax.optimizers.SGD;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseSparseMatrix;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.Matrix;
import org.tribuo.math.la.SGDVector;
import org.tribuo.math.la.SparseVector;
import org.tribuo.math.la.Tensor;
import org.tribuo.math.optimisers.ParameterAveraging;

/**
 * Tribuo's contract on {@link PanamaxOptimiser}: each run of steps gives the bits of the same
 * Panamax optimizer applied directly to the parameters' values with the gradient
 * {@code -weight * update}, whatever the path (rows in place, whole matrices, copies, returned
 * updates) and the gradients' form (dense, sparse). The build runs this class a second time with
 * {@code -Ddev.panamax.tribuo.arrays=copy}, where every parameter goes through a copy.
 */
class PanamaxOptimiserTest {

    private static final int ROWS = 3;
    private static final int COLS = 37; // not a multiple of any vector width

    // ---- the steps ---------------------------------------------------------------------------------

    @Test
    void adamStepsTribuosParametersInPlaceAsKerasAdam() {
        Supplier<Optimizer> adam = () -> Adam.builder().learningRate(0.01).build();
        TestParameters params = TestParameters.biasAndMatrix(ROWS, COLS);
        double[] initial = params.values();
        List<Tensor[]> gradients = randomGradients(5, false, 1);
        PanamaxOptimiser optimiser = PanamaxOptimiser.of(adam);
        optimiser.initialise(params);

        for (Tensor[] g : gradients) {
            Tensor[] returned = optimiser.step(copy(g), 1.0);
            if (TribuoArrays.AVAILABLE) {
                // Written already, before Tribuo adds anything; what is returned adds nothing.
                assertEquals(0, ((SGDVector) returned[0]).numActiveElements());
                assertEquals(0, ((DenseSparseMatrix) returned[1]).getRow(0).numActiveElements());
            }
            params.update(returned);
        }
        assertArrayEquals(reference(adam.get(), initial, gradients, 1.0), params.values(), 0.0);
        if (TribuoArrays.AVAILABLE) {
            assertEquals(1 + ROWS, optimiser.state().variables().size(), "the bias, then one variable per row");
        }
    }

    @Test
    void sparseGradientsStepAsTheirDenseForm() {
        Supplier<Optimizer> rmsprop = () -> RMSprop.builder().learningRate(0.01).momentum(0.5).build();
        TestParameters params = TestParameters.biasAndMatrix(ROWS, COLS);
        double[] initial = params.values();
        List<Tensor[]> sparse = randomGradients(4, true, 2);
        PanamaxOptimiser optimiser = PanamaxOptimiser.of(rmsprop);
        optimiser.initialise(params);
        for (Tensor[] g : sparse) {
            params.update(optimiser.step(g, 1.0));
        }
        // The reference gets the same gradients made dense.
        List<Tensor[]> dense = new ArrayList<>();
        for (Tensor[] g : sparse) {
            dense.add(new Tensor[] {((SparseVector) g[0]).densify(), new DenseMatrix((Matrix) g[1])});
        }
        assertArrayEquals(reference(rmsprop.get(), initial, dense, 1.0), params.values(), 0.0);
    }

    @Test
    void theExampleWeightScalesTheGradient() {
        Supplier<Optimizer> adagrad = () -> Adagrad.builder().learningRate(0.1).build();
        TestParameters params = TestParameters.biasAndMatrix(ROWS, COLS);
        double[] initial = params.values();
        List<Tensor[]> gradients = randomGradients(3, false, 3);
        PanamaxOptimiser optimiser = PanamaxOptimiser.of(adagrad);
        optimiser.initialise(params);
        for (Tensor[] g : gradients) {
            params.update(optimiser.step(copy(g), 0.3));
        }
        assertArrayEquals(reference(adagrad.get(), initial, gradients, 0.3), params.values(), 0.0);
    }

    @Test
    void denseGradientsAreScaledInTheirOwnArraysAsTribuosOptimisersOverwriteThem() {
        Supplier<Optimizer> adam = () -> Adam.builder().learningRate(0.01).build();
        DenseMatrix first = new DenseMatrix(ROWS, COLS);
        DenseMatrix second = new DenseMatrix(ROWS, COLS);
        TestParameters params = new TestParameters(first, second);
        Tensor[] gradient = randomGradients(1, false, 14).get(0);
        DenseMatrix g = (DenseMatrix) gradient[1];
        DenseMatrix original = g.copy();
        PanamaxOptimiser optimiser = PanamaxOptimiser.of(adam);
        optimiser.initialise(params);
        // The same tensor for both parameters: read for each, not scaled in place.
        params.update(optimiser.step(new Tensor[] {g, g}, 0.5));
        assertArrayEquals(TestParameters.flatten(original), TestParameters.flatten(g), 0.0);
        // A tensor of its own is scaled in its own arrays, and stepped with.
        DenseMatrix alone = original.copy();
        optimiser.step(new Tensor[] {original.copy(), alone}, 0.5);

        double[] expected = TestParameters.flatten(original);
        for (int i = 0; i < expected.length; i++) {
            expected[i] *= -0.5;
        }
        if (TribuoArrays.AVAILABLE) {
            assertArrayEquals(expected, TestParameters.flatten(alone), 0.0);
        }
        try (Optimizer reference = adam.get()) {
            double[] a = new double[ROWS * COLS];
            double[] b = new double[ROWS * COLS];
            var va = new dev.panamax.tensor.Variable("a", dev.panamax.tensor.Tensor.wrap(a));
            var vb = new dev.panamax.tensor.Variable("b", dev.panamax.tensor.Tensor.wrap(b));
            for (int step = 0; step < 2; step++) {
                reference.applyGradients(List.of(
                        new GradientAndVariable(dev.panamax.tensor.Tensor.wrap(expected.clone()), va),
                        new GradientAndVariable(dev.panamax.tensor.Tensor.wrap(expected.clone()), vb)));
            }
            assertArrayEquals(a, TestParameters.flatten(first), 0.0);
            assertArrayEquals(b, TestParameters.flatten(second), 0.0);
        }
    }

    @Test
    void wholeMatricesGiveTheSameBitsAsRowsForElementWiseOptimizers() {
        Supplier<Optimizer> sgd = () -> SGD.builder().learningRate(0.05).momentum(0.9).nesterov(true).build();
        List<Tensor[]> gradients = randomGradients(4, false, 4);
        double[] rows = run(PanamaxOptimiser.of(sgd), gradients);
        double[] whole = run(PanamaxOptimiser.of(sgd).withWholeMatrices(true), gradients);
        assertArrayEquals(rows, whole, 0.0);
    }

    @Test
    void optimizersThatReadWholeVariablesGetWholeMatrices() {
        Supplier<Optimizer> lamb = () -> Lamb.builder().learningRate(0.01).build();
        Supplier<Optimizer> clipped = () -> Adam.builder().learningRate(0.01).clipnorm(0.5).build();
        for (Supplier<Optimizer> factory : List.of(lamb, clipped)) {
            TestParameters params = TestParameters.biasAndMatrix(ROWS, COLS);
            double[] initial = params.values();
            List<Tensor[]> gradients = randomGradients(3, false, 5);
            PanamaxOptimiser optimiser = PanamaxOptimiser.of(factory);
            optimiser.initialise(params);
            assertEquals(2, optimiser.state().variables().size(), "one variable per parameter");
            for (Tensor[] g : gradients) {
                params.update(optimiser.step(copy(g), 1.0));
            }
            assertArrayEquals(reference(factory.get(), initial, gradients, 1.0), params.values(), 0.0);
        }
    }

    @Test
    void returnUpdatesLeavesTheAddingToTribuo() {
        Supplier<Optimizer> adam = () -> Adam.builder().learningRate(0.001).build();
        List<Tensor[]> gradients = randomGradients(4, false, 6);
        TestParameters params = TestParameters.biasAndMatrix(ROWS, COLS);
        PanamaxOptimiser optimiser = PanamaxOptimiser.of(adam).withReturnUpdates(true);
        optimiser.initialise(params);
        for (Tensor[] g : gradients) {
            double[] before = params.values();
            Tensor[] updates = optimiser.step(copy(g), 1.0);
            assertArrayEquals(before, params.values(), 0.0, "not written by step");
            params.update(updates);
        }
        // Values in [1, 2) moved by small steps: each difference is exact, so each sum is the new value.
        assertArrayEquals(run(PanamaxOptimiser.of(adam), gradients), params.values(), 0.0);
    }

    @Test
    void returnedUpdatesServeTribuosParameterAveraging() {
        // Tribuo's ParameterAveraging sums what its inner optimiser returns: it needs the updates.
        List<Tensor[]> gradients = randomGradients(6, false, 15);
        TestParameters tribuo = TestParameters.biasAndMatrix(ROWS, COLS);
        TestParameters panamax = TestParameters.biasAndMatrix(ROWS, COLS);
        ParameterAveraging tribuoAveraging = new ParameterAveraging(org.tribuo.math.optimisers.SGD.getSimpleSGD(0.25));
        ParameterAveraging panamaxAveraging = new ParameterAveraging(PanamaxOptimiser.of(SGD.builder().learningRate(0.25))
                .withReturnUpdates(true));
        tribuoAveraging.initialise(tribuo);
        panamaxAveraging.initialise(panamax);
        for (Tensor[] g : gradients) {
            tribuo.update(tribuoAveraging.step(copy(g), 1.0));
            panamax.update(panamaxAveraging.step(copy(g), 1.0));
        }
        tribuoAveraging.finalise();
        panamaxAveraging.finalise();
        assertArrayEquals(tribuo.values(), panamax.values(), 1e-12);
    }

    @Test
    void tensorsOfOtherClassesGetTheirUpdateReturned() {
        Supplier<Optimizer> adam = () -> Adam.builder().learningRate(0.001).build();
        List<Tensor[]> gradients = randomGradients(3, true, 7);
        TestParameters plain = TestParameters.biasAndMatrix(ROWS, COLS);
        // A subclass may give its values its own meaning: read and updated only through its methods.
        DenseMatrix subclass = new DenseMatrix((DenseMatrix) plain.get()[1]) {
        };
        TestParameters params = new TestParameters(plain.get()[0].copy(), subclass);
        PanamaxOptimiser optimiser = PanamaxOptimiser.of(adam);
        optimiser.initialise(params);
        for (Tensor[] g : gradients) {
            double[] before = TestParameters.flatten(subclass);
            Tensor[] updates = optimiser.step(g, 1.0);
            assertArrayEquals(before, TestParameters.flatten(subclass), 0.0);
            assertInstanceOf(DenseMatrix.class, updates[1]);
            params.update(updates);
        }
        assertArrayEquals(run(PanamaxOptimiser.of(adam), gradients), params.values(), 0.0);
    }

    @Test
    void finaliseGivesTheParametersTheirMovingAverages() {
        Supplier<Optimizer> ema = () -> Adam.builder().learningRate(0.01).useEma(true).emaMomentum(0.5).build();
        TestParameters params = TestParameters.biasAndMatrix(ROWS, COLS);
        double[] initial = params.values();
        List<Tensor[]> gradients = randomGradients(3, false, 8);
        PanamaxOptimiser optimiser = PanamaxOptimiser.of(ema);
        optimiser.initialise(params);
        for (Tensor[] g : gradients) {
            params.update(optimiser.step(copy(g), 1.0));
        }
        double[] beforeFinalise = params.values();
        optimiser.finalise();
        assertArrayEquals(referenceFinalised(ema.get(), initial, gradients), params.values(), 0.0);
        assertNotEquals(beforeFinalise[0], params.values()[0]);
    }

    // ---- the lifecycle -----------------------------------------------------------------------------

    @Test
    void copiesAreFreshAndShareNothing() {
        PanamaxOptimiser template = PanamaxOptimiser.of(Adam.builder().learningRate(0.01)).withThreads(1);
        PanamaxOptimiser a = template.copy();
        PanamaxOptimiser b = template.copy();
        assertNotSame(a, b);
        assertEquals(template.getOptimizerJson(), a.getOptimizerJson());
        assertEquals(1, b.getThreads());
        a.initialise(TestParameters.biasAndMatrix(ROWS, COLS));
        b.initialise(TestParameters.biasAndMatrix(ROWS, COLS));
        a.step(randomGradients(1, false, 9).get(0), 1.0);
        a.step(randomGradients(1, false, 10).get(0), 1.0);
        assertEquals(2, a.currentOptimizer().getIterations());
        assertEquals(0, b.currentOptimizer().getIterations());
        assertNotSame(a.currentOptimizer(), b.currentOptimizer());
        assertEquals(1, b.currentOptimizer().getThreads());
        assertNull(template.currentOptimizer());
        assertNull(a.copy().currentOptimizer());
    }

    @Test
    void resetEndsTheRunAndInitialiseStartsAfresh() {
        PanamaxOptimiser optimiser = PanamaxOptimiser.named("adam");
        TestParameters params = TestParameters.biasAndMatrix(ROWS, COLS);
        optimiser.initialise(params);
        optimiser.step(randomGradients(1, false, 11).get(0), 1.0);
        Optimizer first = optimiser.currentOptimizer();
        optimiser.reset();
        assertNull(optimiser.currentOptimizer());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> optimiser.step(randomGradients(1, false, 12).get(0), 1.0));
        assertTrue(e.getMessage().contains("before initialise"), e.getMessage());
        optimiser.initialise(params);
        assertEquals(0, optimiser.currentOptimizer().getIterations());
        assertNotSame(first, optimiser.currentOptimizer());
        optimiser.initialise(params); // again, without reset: the run is replaced
        assertEquals(0, optimiser.currentOptimizer().getIterations());
    }

    @Test
    void badStepsAreRefusedBeforeAnythingIsWritten() {
        TestParameters params = TestParameters.biasAndMatrix(ROWS, COLS);
        PanamaxOptimiser optimiser = PanamaxOptimiser.named("sgd");
        optimiser.initialise(params);
        double[] before = params.values();
        Tensor[] good = randomGradients(1, false, 13).get(0);

        IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> optimiser.step(new Tensor[] {good[0]}, 1.0));
        assertEquals("step got 1 gradients for 2 parameters (the tensors of the Parameters given to initialise)", count.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> optimiser.step(new Tensor[] {good[0], new DenseMatrix(ROWS, COLS + 1)}, 1.0));
        assertEquals("Gradient 1 is a matrix [3, 38] (DenseMatrix), expected a matrix [3, 37] like parameter 1", shape.getMessage());
        IllegalArgumentException kind = assertThrows(IllegalArgumentException.class,
                () -> optimiser.step(new Tensor[] {new DenseMatrix(1, ROWS), good[1]}, 1.0));
        assertEquals("Gradient 0 is a matrix [1, 3] (DenseMatrix), expected a vector [3] like parameter 0", kind.getMessage());
        IllegalArgumentException weight = assertThrows(IllegalArgumentException.class, () -> optimiser.step(good, Double.NaN));
        assertEquals("step got the example weight NaN: expected a finite number", weight.getMessage());

        assertArrayEquals(before, params.values(), 0.0);
        assertEquals(0, optimiser.currentOptimizer().getIterations());
    }

    @Test
    void optimisersAreMadeFromBuildersNamesAndKerasJson() {
        assertEquals("Adam", Optimizers.fromJson(PanamaxOptimiser.named("ADAM").getOptimizerJson()).getClass().getSimpleName());
        PanamaxOptimiser json = PanamaxOptimiser.fromJson("{\"class_name\": \"RMSprop\", \"config\": {\"learning_rate\": 0.002}}");
        json.initialise(TestParameters.biasAndMatrix(ROWS, COLS));
        assertInstanceOf(RMSprop.class, json.currentOptimizer());
        assertEquals(0.002, json.currentOptimizer().getLearningRate().value(0), 0.0);

        Optimizer shared = new Adam();
        IllegalArgumentException same = assertThrows(IllegalArgumentException.class, () -> PanamaxOptimiser.of(() -> shared));
        assertEquals("The optimizer factory returned the same Adam twice: it must make a new optimizer on every call "
                + "(each training run has its own state)", same.getMessage());
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class, () -> PanamaxOptimiser.named("adamm"));
        assertEquals("Could not interpret optimizer identifier: adamm", name.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PanamaxOptimiser.fromJson("{\"class_name\": \"Adam\", \"config\": {\"beta_3\": 1}}"));
        assertThrows(IllegalArgumentException.class, () -> PanamaxOptimiser.of(Adam.builder()).withThreads(-1));
    }

    @Test
    void aTribuoTensorOfNoKnownKindIsRefused() {
        Tensor odd = new Tensor() {
            @Override
            public int[] getShape() {
                return new int[] {2};
            }

            @Override
            public Tensor reshape(int[] shape) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Tensor copy() {
                return this;
            }

            @Override
            public void intersectAndAddInPlace(Tensor other, java.util.function.DoubleUnaryOperator f) {
            }

            @Override
            public void hadamardProductInPlace(Tensor other, java.util.function.DoubleUnaryOperator f) {
            }

            @Override
            public void foreachInPlace(java.util.function.DoubleUnaryOperator f) {
            }

            @Override
            public double twoNorm() {
                return 0;
            }

            @Override
            public org.tribuo.math.protos.TensorProto serialize() {
                throw new UnsupportedOperationException();
            }
        };
        PanamaxOptimiser optimiser = PanamaxOptimiser.named("adam");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> optimiser.initialise(new TestParameters(odd)));
        assertTrue(e.getMessage().startsWith("Parameter 0 is a dev.panamax.tribuo.PanamaxOptimiserTest$"), e.getMessage());
        assertTrue(e.getMessage().endsWith(": expected a Tribuo Matrix or SGDVector"), e.getMessage());
        assertNull(optimiser.currentOptimizer());
    }

    @Test
    void theCopyingRunReadsNoArray() {
        boolean copying = "copy".equals(System.getProperty(TribuoArrays.PROPERTY));
        assertEquals(!copying, TribuoArrays.AVAILABLE, TribuoArrays.describe());
        assertTrue(TribuoArrays.describe().startsWith(copying ? "through copies" : "in place"), TribuoArrays.describe());
    }

    @Test
    void inPlaceRowsAreTribuosOwnArrays() {
        if (!TribuoArrays.AVAILABLE) {
            return; // the copying run: nothing is wrapped
        }
        TestParameters params = TestParameters.biasAndMatrix(ROWS, COLS);
        PanamaxOptimiser optimiser = PanamaxOptimiser.named("adam");
        optimiser.initialise(params);
        assertSame(InPlaceRows.class, ParameterBinding.of(1, params.get()[1], true, false).getClass());
        assertSame(CopiedParameter.class, ParameterBinding.of(1, params.get()[1], false, false).getClass());
        assertSame(CopiedParameter.class, ParameterBinding.of(1, params.get()[1], true, true).getClass());
        // Writing Tribuo's matrix is writing the Panamax variable of its row.
        ((DenseMatrix) params.get()[1]).set(2, 5, 42.0);
        assertEquals(42.0, optimiser.state().variables().get(1 + 2).value().getDouble(5), 0.0);
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** Trains fresh {@link TestParameters} with {@code optimiser} on {@code gradients} (weight 1); returns the values. */
    static double[] run(PanamaxOptimiser optimiser, List<Tensor[]> gradients) {
        TestParameters params = TestParameters.biasAndMatrix(ROWS, COLS);
        optimiser.initialise(params);
        for (Tensor[] g : gradients) {
            params.update(optimiser.step(copy(g), 1.0));
        }
        optimiser.finalise();
        optimiser.reset();
        return params.values();
    }

    /** {@code steps} gradients for a bias vector and a matrix: dense, or sparse (about a third of the elements stored). */
    static List<Tensor[]> randomGradients(int steps, boolean sparse, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Tensor[]> out = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            if (!sparse) {
                DenseVector bias = new DenseVector(ROWS);
                DenseMatrix weights = new DenseMatrix(ROWS, COLS);
                for (int r = 0; r < ROWS; r++) {
                    bias.set(r, random.nextDouble(-1, 1));
                    for (int c = 0; c < COLS; c++) {
                        weights.set(r, c, random.nextDouble(-1, 1));
                    }
                }
                out.add(new Tensor[] {bias, weights});
            } else {
                SparseVector[] rows = new SparseVector[ROWS];
                for (int r = 0; r < ROWS; r++) {
                    rows[r] = sparseRow(random, COLS);
                }
                out.add(new Tensor[] {sparseRow(random, ROWS), DenseSparseMatrix.createFromSparseVectors(rows)});
            }
        }
        return out;
    }

    private static SparseVector sparseRow(SplittableRandom random, int n) {
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (random.nextInt(3) == 0) {
                indices.add(i);
            }
        }
        int[] idx = indices.stream().mapToInt(Integer::intValue).toArray();
        double[] values = new double[idx.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble(-1, 1);
        }
        return SparseVector.createSparseVector(n, idx, values);
    }

    static Tensor[] copy(Tensor[] gradients) {
        Tensor[] out = new Tensor[gradients.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = gradients[i].copy();
        }
        return out;
    }

    /**
     * {@code optimizer} applied directly to a bias variable {@code [ROWS]} and a weight variable
     * {@code [ROWS, COLS]} that start at {@code initial}, with the gradients {@code -weight * g}:
     * what Tribuo's model must hold after the same steps.
     */
    static double[] reference(Optimizer optimizer, double[] initial, List<Tensor[]> gradients, double weight) {
        return referenceRun(optimizer, initial, gradients, weight, false);
    }

    static double[] referenceFinalised(Optimizer optimizer, double[] initial, List<Tensor[]> gradients) {
        return referenceRun(optimizer, initial, gradients, 1.0, true);
    }

    private static double[] referenceRun(Optimizer optimizer, double[] initial, List<Tensor[]> gradients, double weight,
                                         boolean finalise) {
        double[] bias = java.util.Arrays.copyOfRange(initial, 0, ROWS);
        double[] matrix = java.util.Arrays.copyOfRange(initial, ROWS, ROWS + ROWS * COLS);
        var biasVar = new dev.panamax.tensor.Variable("bias", dev.panamax.tensor.Tensor.wrap(bias));
        var matrixVar = new dev.panamax.tensor.Variable("kernel", dev.panamax.tensor.Tensor.wrap(matrix, ROWS, COLS));
        try (optimizer) {
            for (Tensor[] g : gradients) {
                double[] flat = TestParameters.flatten(g);
                for (int i = 0; i < flat.length; i++) {
                    flat[i] = -weight * flat[i];
                }
                optimizer.applyGradients(List.of(
                        new GradientAndVariable(dev.panamax.tensor.Tensor.wrap(java.util.Arrays.copyOfRange(flat, 0, ROWS)), biasVar),
                        new GradientAndVariable(dev.panamax.tensor.Tensor.wrap(java.util.Arrays.copyOfRange(flat, ROWS, flat.length),
                                ROWS, COLS), matrixVar)));
            }
            if (finalise) {
                optimizer.finalizeVariableValues(List.of(biasVar, matrixVar));
            }
        }
        double[] out = new double[initial.length];
        System.arraycopy(bias, 0, out, 0, ROWS);
        System.arraycopy(matrix, 0, out, ROWS, matrix.length);
        return out;
    }
}
