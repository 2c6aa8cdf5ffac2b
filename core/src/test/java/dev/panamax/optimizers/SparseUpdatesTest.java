package dev.panamax.optimizers;

import static dev.panamax.optimizers.Fixtures.SCALAR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Sparse (IndexedSlices) updates follow TF2 Keras's {@code _resource_apply_sparse} paths
 * (keras/optimizers/optimizer_v2/*.py at v2.10.0 and tensorflow/core/kernels/training_ops.cc).
 */
class SparseUpdatesTest {

    private static final int ROWS = 6;
    private static final int COLS = 3;
    private static final long[] INDICES = {4, 1};

    private static Tensor random(DType dtype, SplittableRandom r, long... shape) {
        Tensor t = Tensor.zeros(dtype, shape);
        for (long i = 0; i < t.size(); i++) {
            t.setDouble(i, r.nextDouble(-1, 1));
        }
        return t;
    }

    private static Tensor gatherRows(Tensor t, long[] rows) {
        Tensor out = Tensor.zeros(t.dtype(), rows.length, COLS);
        for (int i = 0; i < rows.length; i++) {
            for (int c = 0; c < COLS; c++) {
                out.setDouble(i * COLS + c, t.getDouble(rows[i] * COLS + c));
            }
        }
        return out;
    }

    private static IndexedSlices slices(Tensor values, long... indices) {
        return new IndexedSlices(values, Tensor.wrap(indices.clone()), ROWS, COLS);
    }

    private static void assertRowsEqual(Tensor expected, Tensor actual, long[] rows, String what) {
        assertArrayEquals(gatherRows(actual, rows).toDoubleArray(), expected.toDoubleArray(), what);
    }

    /** Where TF's sparse kernel is the dense formula on the given rows, and nothing else changes. */
    enum RowsOnly {
        PLAIN_SGD(() -> new SGD(0.1)),
        SGD_MOMENTUM(() -> dev.panamax.optimizers.SGD.builder().learningRate(0.1).momentum(0.9).build()),
        SGD_NESTEROV(() -> dev.panamax.optimizers.SGD.builder().learningRate(0.1).momentum(0.9).nesterov(true).build()),
        ADAGRAD(() -> new Adagrad(0.1)),
        ADADELTA(() -> Adadelta.builder().learningRate(1.0).build()),
        RMSPROP(() -> new RMSprop(0.01)),
        RMSPROP_CENTERED(() -> RMSprop.builder().learningRate(0.01).centered(true).build()),
        NADAM(() -> new Nadam(0.01)),
        LAZY_ADAM(() -> Adam.builder().learningRate(0.01).lazy(true).build()),
        LAZY_AMSGRAD(() -> Adam.builder().learningRate(0.01).amsgrad(true).lazy(true).build());

        final Supplier<Optimizer> make;

        RowsOnly(Supplier<Optimizer> make) {
            this.make = make;
        }
    }

    @ParameterizedTest
    @EnumSource(RowsOnly.class)
    void givenRowsGetTheDenseStepAndOtherRowsKeepTheirValues(RowsOnly algorithm) {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            SplittableRandom r = new SplittableRandom(3);
            try (Optimizer sparseOpt = algorithm.make.get(); Optimizer denseOpt = algorithm.make.get()) {
                Tensor table = random(dtype, r, ROWS, COLS);
                Tensor before = gatherRows(table, new long[] {0, 2, 3, 5});
                Variable sparseVar = new Variable("table", table);
                Variable denseVar = new Variable("rows", gatherRows(table, INDICES));
                for (int step = 0; step < 3; step++) {
                    Tensor values = random(dtype, r, INDICES.length, COLS);
                    sparseOpt.apply(List.of(slices(values, INDICES)), List.of(sparseVar));
                    denseOpt.apply(List.of(values), List.of(denseVar));
                }
                String what = algorithm + " " + dtype.kerasName();
                assertRowsEqual(denseVar.value(), table, INDICES, what + ": variable rows");
                for (String slot : sparseOpt.getSlotNames()) {
                    assertRowsEqual(denseOpt.getSlot(denseVar, slot), sparseOpt.getSlot(sparseVar, slot), INDICES,
                            what + ": slot " + slot);
                }
                assertArrayEquals(before.toDoubleArray(), gatherRows(table, new long[] {0, 2, 3, 5}).toDoubleArray(),
                        what + ": untouched rows");
            }
        }
    }

    @Test
    void rmspropAndNadamDecayTheirAveragesOnEveryRowAsKerasDoes() {
        // rms = rms * rho (and Nadam's m * beta_1, v * beta_2) is assigned to the whole slot before the scatter-add.
        for (Supplier<Optimizer> make : List.<Supplier<Optimizer>>of(() -> new RMSprop(0.01), () -> new Nadam(0.01))) {
            try (Optimizer opt = make.get()) {
                SplittableRandom r = new SplittableRandom(5);
                Variable v = new Variable("t", random(DType.FLOAT64, r, ROWS, COLS));
                opt.apply(List.of(slices(random(DType.FLOAT64, r, 1, COLS), 2)), List.of(v));
                Tensor row = gatherRows(v.value(), new long[] {2});
                String slot = opt.getSlotNames().get(0);
                double[] slotBefore = gatherRows(opt.getSlot(v, slot), new long[] {2}).toDoubleArray();
                opt.apply(List.of(slices(random(DType.FLOAT64, r, 2, COLS), INDICES)), List.of(v));
                double decay = opt instanceof RMSprop ? (float) 0.9 : (float) 0.9;
                double[] slotAfter = gatherRows(opt.getSlot(v, slot), new long[] {2}).toDoubleArray();
                for (int c = 0; c < COLS; c++) {
                    assertEquals(slotBefore[c] * decay, slotAfter[c], 0.0, opt.getName() + " " + slot + "[2][" + c + "]");
                }
                assertArrayEquals(row.toDoubleArray(), gatherRows(v.value(), new long[] {2}).toDoubleArray(),
                        opt.getName() + ": the variable's untouched row stays");
            }
        }
    }

    @Test
    void kerasAdamDecaysTheMomentsAndMovesEveryRow() {
        // Adam._resource_apply_sparse (Keras 2.10): m = m * b1; m[idx] += g * (1 - b1); v likewise with g^2;
        // var -= (lr_t * (sqrt(1 - b2^t) / (1 - b1^t))) * m / (sqrt(v) + eps) on every element.
        for (boolean amsgrad : new boolean[] {false, true}) {
            SplittableRandom r = new SplittableRandom(9);
            try (Adam adam = Adam.builder().learningRate(0.01).amsgrad(amsgrad).build()) {
                Tensor table = random(DType.FLOAT64, r, ROWS, COLS);
                double[] w = table.toDoubleArray();
                double[] m = new double[w.length];
                double[] v = new double[w.length];
                double[] vhat = new double[w.length];
                Variable var = new Variable("t", table);
                long[][] steps = {{4, 1}, {2}, {}, {5, 5, 0}};
                double b1 = (float) 0.9;
                double b2 = (float) 0.999;
                double lr = (float) 0.01;
                for (int t = 1; t <= steps.length; t++) {
                    long[] idx = steps[t - 1];
                    Tensor values = random(DType.FLOAT64, r, idx.length, COLS);
                    adam.apply(List.of(slices(values, idx)), List.of(var));
                    double[] g = values.toDoubleArray();
                    double[] summed = new double[w.length];
                    boolean[] touched = new boolean[ROWS];
                    for (int i = 0; i < idx.length; i++) {
                        touched[(int) idx[i]] = true;
                        for (int c = 0; c < COLS; c++) {
                            summed[(int) idx[i] * COLS + c] += g[i * COLS + c];
                        }
                    }
                    double alpha = lr * (Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t)));
                    for (int e = 0; e < w.length; e++) {
                        m[e] = m[e] * b1;
                        v[e] = v[e] * b2;
                        if (touched[e / COLS]) {
                            m[e] += summed[e] * (1 - b1);
                            v[e] += (summed[e] * summed[e]) * (1 - b2);
                        }
                        vhat[e] = Math.max(vhat[e], v[e]);
                        w[e] -= (alpha * m[e]) / (Math.sqrt(amsgrad ? vhat[e] : v[e]) + 1e-7);
                    }
                }
                Fixtures.assertClose(w, var.value(), 1e-12, 0, "amsgrad=" + amsgrad + ": variable");
                Fixtures.assertClose(m, adam.getSlot(var, "m"), 1e-12, 0, "m");
                Fixtures.assertClose(v, adam.getSlot(var, "v"), 1e-12, 0, "v");
            }
        }
    }

    @Test
    void adamaxRmspropMomentumAndFtrlFollowTheirSparseKernels() {
        SplittableRandom r = new SplittableRandom(13);
        double[] g = random(DType.FLOAT64, r, 2, COLS).toDoubleArray();
        Tensor values = Tensor.of(g, 2, COLS);
        double[] w0 = random(DType.FLOAT64, r, ROWS, COLS).toDoubleArray();

        // Keras 2.10 Adamax._resource_apply_sparse, first step: m = 0 * b1 + g * (1 - b1), v = max(0 * b2, |g|),
        // var += (-lr / (1 - b1)) * (m / (v + eps)).
        try (Adamax adamax = new Adamax(0.01)) {
            Variable var = new Variable("t", Tensor.of(w0.clone(), ROWS, COLS));
            adamax.apply(List.of(slices(values, INDICES)), List.of(var));
            double b1 = (float) 0.9;
            double lr = (float) 0.01;
            double[] expected = w0.clone();
            for (int i = 0; i < 2; i++) {
                for (int c = 0; c < COLS; c++) {
                    double gi = g[i * COLS + c];
                    double m = gi * (1 - b1);
                    double v = Math.abs(gi);
                    expected[(int) INDICES[i] * COLS + c] -= (lr / (1 - b1)) * (m / (v + 1e-7));
                }
            }
            Fixtures.assertClose(expected, var.value(), 1e-12, 0, "Adamax variable");
        }
        // SparseApplyCenteredRMSProp: ms = ms * rho + g^2 (1 - rho); mg = mg * rho + g (1 - rho);
        // mom = mom * momentum + rsqrt((ms + eps) - mg^2) * lr * g; var -= mom.
        try (RMSprop rms = RMSprop.builder().learningRate(0.01).momentum(0.5).centered(true).build()) {
            Variable var = new Variable("t", Tensor.of(w0.clone(), ROWS, COLS));
            rms.apply(List.of(slices(values, INDICES)), List.of(var));
            double rho = (float) 0.9;
            double[] expected = w0.clone();
            for (int i = 0; i < 2; i++) {
                for (int c = 0; c < COLS; c++) {
                    double gi = g[i * COLS + c];
                    double ms = gi * gi * (1 - rho);
                    double mg = gi * (1 - rho);
                    double mom = (1 / Math.sqrt((ms + 1e-7) - mg * mg)) * (float) 0.01 * gi;
                    expected[(int) INDICES[i] * COLS + c] -= mom;
                }
            }
            Fixtures.assertClose(expected, var.value(), 1e-12, 0, "centered RMSprop with momentum, variable");
        }
        // SparseApplyFtrlV2 (linear not multiplied by lr): rows of three elements.
        try (Ftrl ftrl = Ftrl.builder().learningRate(0.1).l1RegularizationStrength(0.001).l2RegularizationStrength(0.01)
                .l2ShrinkageRegularizationStrength(0.1).build()) {
            Variable var = new Variable("t", Tensor.of(w0.clone(), ROWS, COLS));
            ftrl.apply(List.of(slices(values, INDICES)), List.of(var));
            double lr = (float) 0.1;
            double l1 = (float) 0.001;
            double l2 = (float) 0.01;
            double[] expected = w0.clone();
            double[] linear = new double[w0.length];
            for (int i = 0; i < 2; i++) {
                for (int c = 0; c < COLS; c++) {
                    int e = (int) INDICES[i] * COLS + c;
                    double gi = g[i * COLS + c];
                    double shrunk = gi + 2 * 0.1 * w0[e];
                    double newAccum = 0.1 + gi * gi;
                    linear[e] = shrunk - ((Math.sqrt(newAccum) - Math.sqrt(0.1)) / lr) * w0[e];
                    double y = Math.sqrt(newAccum) / lr + 2 * l2;
                    expected[e] = (Math.max(Math.min(linear[e], l1), -l1) - linear[e]) / y;
                }
            }
            Fixtures.assertClose(expected, var.value(), 1e-12, 1e-15, "FTRL V2 variable");
            Fixtures.assertClose(linear, ftrl.getSlot(var, "linear"), 1e-12, 1e-15, "FTRL V2 linear (not times lr)");
        }
    }

    @Test
    void duplicatesAreSummedInFirstSeenOrderExceptForPlainSgd() {
        SplittableRandom r = new SplittableRandom(21);
        Tensor values = random(DType.FLOAT32, r, 4, COLS);
        float[] v = values.toFloatArray();
        float[] sum4 = new float[COLS];
        float[] sum1 = new float[COLS];
        for (int c = 0; c < COLS; c++) {
            sum4[c] = ((0f + v[c]) + v[2 * COLS + c]) + v[3 * COLS + c];
            sum1[c] = 0f + v[COLS + c];
        }
        float[] summed = new float[2 * COLS];
        System.arraycopy(sum4, 0, summed, 0, COLS);
        System.arraycopy(sum1, 0, summed, COLS, COLS);
        Tensor table = random(DType.FLOAT32, r, ROWS, COLS);
        for (Supplier<Optimizer> make : List.<Supplier<Optimizer>>of(() -> new Adagrad(0.1), () -> new Adam(0.1),
                () -> SGD.builder().momentum(0.9).build(), () -> new Ftrl(0.1))) {
            try (Optimizer withDuplicates = make.get(); Optimizer preSummed = make.get()) {
                Variable a = new Variable("a", table.copyToHeap());
                Variable b = new Variable("b", table.copyToHeap());
                withDuplicates.apply(List.of(slices(values, 4, 1, 4, 4)), List.of(a));
                preSummed.apply(List.of(slices(Tensor.of(summed, 2, COLS), 4, 1)), List.of(b));
                assertArrayEquals(b.value().toFloatArray(), a.value().toFloatArray(), withDuplicates.getName());
            }
        }
        // Plain SGD scatter-adds each duplicate: ((w - g0 lr) - g2 lr) - g3 lr.
        try (SGD sgd = new SGD(0.5)) {
            Variable a = new Variable("a", table.copyToHeap());
            sgd.apply(List.of(slices(values, 4, 1, 4, 4)), List.of(a));
            float[] w = table.toFloatArray();
            for (int c = 0; c < COLS; c++) {
                float expected = ((w[4 * COLS + c] - v[c] * 0.5f) - v[2 * COLS + c] * 0.5f) - v[3 * COLS + c] * 0.5f;
                assertEquals(expected, a.value().toFloatArray()[4 * COLS + c], 0f, "row 4, column " + c);
            }
        }
    }

    @Test
    void emptyIndicesStillStepAdamButLeaveSgdAlone() {
        Tensor none = Tensor.zeros(DType.FLOAT64, 0, COLS);
        try (Adam adam = new Adam(0.1); SGD sgd = new SGD(0.1)) {
            SplittableRandom r = new SplittableRandom(1);
            Variable a = new Variable("a", random(DType.FLOAT64, r, ROWS, COLS));
            Variable s = new Variable("s", random(DType.FLOAT64, r, ROWS, COLS));
            adam.apply(List.of(slices(random(DType.FLOAT64, r, 1, COLS), 3)), List.of(a));
            double[] afterFirst = a.value().toDoubleArray();
            adam.apply(List.of(slices(none)), List.of(a));
            assertNotEquals(afterFirst[3 * COLS], a.value().toDoubleArray()[3 * COLS], "row 3 moves on its momentum");
            assertEquals(2, adam.getIterations());
            double[] sBefore = s.value().toDoubleArray();
            sgd.apply(List.of(slices(none)), List.of(s));
            assertArrayEquals(sBefore, s.value().toDoubleArray());
            assertEquals(1, sgd.getIterations());
        }
    }

    @Test
    void rankOneVariablesTakeRowsOfOneElement() {
        // An embedding of scalars: FTRL's one-element rows add (linear + g) - sigma * w, as TF's scalar path.
        try (Ftrl ftrl = new Ftrl(0.1); Adagrad adagrad = new Adagrad(0.1)) {
            Variable f = new Variable("f", Tensor.of(0.5, -0.25, 1.0, 2.0));
            Variable a = new Variable("a", Tensor.of(0.5, -0.25, 1.0, 2.0));
            IndexedSlices g = new IndexedSlices(Tensor.of(0.3, -0.7), Tensor.wrap(new int[] {2, 0}), 4);
            ftrl.apply(List.of(g), List.of(f));
            adagrad.apply(List.of(g), List.of(a));
            double lr = (float) 0.1;
            double sigma = (Math.sqrt(0.1 + 0.09) - Math.sqrt(0.1)) / lr;
            double linear = (0 + 0.3) - sigma * 1.0;
            assertEquals(linear, ftrl.getSlot(f, "linear").getDouble(2), 1e-15);
            assertEquals(-0.25, f.value().getDouble(1), 0.0);
            assertEquals(1.0 - (lr * 0.3) / (Math.sqrt(0.1 + 0.09) + 1e-7), a.value().getDouble(2), 1e-15);
            assertEquals(2.0, a.value().getDouble(3), 0.0);
        }
    }

    @Test
    void clippingSeesTheValuesAsGivenDuplicatesIncluded() {
        // clip_by_norm on IndexedSlices: the norm of values, rows [3, 0] and [4, 0] at index 1 twice: 5, not 7.
        try (SGD sgd = SGD.builder().learningRate(1.0).clipnorm(1.0).build()) {
            Variable v = new Variable("v", Tensor.zeros(DType.FLOAT64, ROWS, 2));
            IndexedSlices g = new IndexedSlices(Tensor.of(new double[] {3, 0, 4, 0}, 2, 2), Tensor.wrap(new int[] {1, 1}), ROWS, 2);
            sgd.apply(List.of(g), List.of(v));
            assertEquals(-(3 * 1.0 / 5) - (4 * 1.0 / 5), v.value().getDouble(2), 1e-15);
            assertEquals(3.0, g.values().getDouble(0), 0.0, "the caller's values are not modified");
        }
    }

    @Test
    void aConstraintOnASparseVariableIsAnErrorBeforeAnyWrite() {
        try (Adam adam = new Adam(0.1)) {
            Variable dense = new Variable("dense", Tensor.of(1.0, 2.0));
            Variable constrained = new Variable("emb", Tensor.zeros(DType.FLOAT64, ROWS, COLS), true, t -> { });
            IndexedSlices g = slices(Tensor.zeros(DType.FLOAT64, 1, COLS), 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> adam.apply(List.of(Tensor.of(1.0, 1.0), g), List.of(dense, constrained)));
            assertTrue(e.getMessage().startsWith("Cannot use a constraint function on a sparse variable: variable 'emb'"),
                    e.getMessage());
            assertArrayEquals(new double[] {1.0, 2.0}, dense.value().toDoubleArray());
            assertEquals(0, adam.getIterations());
        }
    }

    @Test
    void heapWrappedTablesAndValuesGiveTheSameStepAsOffHeapOnes() {
        SplittableRandom r = new SplittableRandom(8);
        Tensor table = random(DType.FLOAT32, r, ROWS, COLS);
        Tensor values = random(DType.FLOAT32, r, 2, COLS);
        try (Adam a = Adam.builder().lazy(true).kernels(SCALAR).build(); Adam b = Adam.builder().lazy(true).build()) {
            Variable offHeap = new Variable("a", table.copyToHeap());
            Variable onHeap = new Variable("b", Tensor.wrap(table.toFloatArray(), ROWS, COLS));
            a.apply(List.of(slices(values, INDICES)), List.of(offHeap));
            b.apply(List.of(new IndexedSlices(Tensor.wrap(values.toFloatArray(), 2, COLS), Tensor.wrap(new int[] {4, 1}), ROWS, COLS)),
                    List.of(onHeap));
            assertArrayEquals(offHeap.value().toFloatArray(), onHeap.value().toFloatArray());
        }
    }

    @Test
    void keras3VariantsApplyTheGradientMadeDense() {
        SplittableRandom r = new SplittableRandom(4);
        Tensor table = random(DType.FLOAT64, r, ROWS, COLS);
        Tensor values = random(DType.FLOAT64, r, 2, COLS);
        Tensor dense = Tensor.zeros(DType.FLOAT64, ROWS, COLS);
        for (int i = 0; i < 2; i++) {
            for (int c = 0; c < COLS; c++) {
                dense.setDouble(INDICES[i] * COLS + c, values.getDouble(i * COLS + c));
            }
        }
        try (RMSprop a = RMSprop.builder().keras3(true).build(); RMSprop b = RMSprop.builder().keras3(true).build()) {
            Variable va = new Variable("a", table.copyToHeap());
            Variable vb = new Variable("b", table.copyToHeap());
            a.apply(List.of(slices(values, INDICES)), List.of(va));
            b.apply(List.of(dense), List.of(vb));
            assertArrayEquals(vb.value().toDoubleArray(), va.value().toDoubleArray());
        }
    }

    // ---- float32, exact: the operation order of each sparse path, two steps from non-zero state ----

    private static float[] floats(Tensor t) {
        return t.toFloatArray();
    }

    /** Two sparse steps on rows {4, 1}; returns the gradient values of each step. */
    private static float[][] twoSteps(Optimizer opt, Variable var, SplittableRandom r) {
        float[][] g = new float[2][];
        for (int step = 0; step < 2; step++) {
            Tensor values = random(DType.FLOAT32, r, 2, COLS);
            g[step] = values.toFloatArray();
            opt.apply(List.of(slices(values, INDICES)), List.of(var));
        }
        return g;
    }

    @Test
    void kerasAdamInFloat32IsExactlyItsSparsePath() {
        for (boolean amsgrad : new boolean[] {false, true}) {
            SplittableRandom r = new SplittableRandom(31);
            // A zero table: each variable element is then minus the sum of its updates, so a one-ulp
            // change in the step's learning rate shows (on a table of ~1 it would round away).
            Tensor table = Tensor.zeros(DType.FLOAT32, ROWS, COLS);
            float[] w = floats(table);
            float[] m = new float[w.length];
            float[] v = new float[w.length];
            float[] vhat = new float[w.length];
            try (Adam adam = Adam.builder().learningRate(0.01).amsgrad(amsgrad).build()) {
                Variable var = new Variable("t", table);
                float[][] g = new float[4][];
                for (int step = 0; step < 4; step++) {
                    Tensor values = random(DType.FLOAT32, r, 2, COLS);
                    g[step] = values.toFloatArray();
                    adam.apply(List.of(slices(values, INDICES)), List.of(var));
                }
                float b1 = 0.9f;
                float b2 = 0.999f;
                for (int t = 1; t <= 4; t++) {
                    float b1p = (float) Math.pow(b1, t);
                    float b2p = (float) Math.pow(b2, t);
                    float alpha = 0.01f * ((float) Math.sqrt(1 - b2p) / (1 - b1p));
                    for (int e = 0; e < w.length; e++) {
                        m[e] = m[e] * b1;
                        v[e] = v[e] * b2;
                    }
                    for (int i = 0; i < 2; i++) {
                        for (int c = 0; c < COLS; c++) {
                            int e = (int) INDICES[i] * COLS + c;
                            float gi = 0f + g[t - 1][i * COLS + c];
                            m[e] = m[e] + gi * (1 - b1);
                            v[e] = v[e] + (gi * gi) * (1 - b2);
                        }
                    }
                    for (int e = 0; e < w.length; e++) {
                        vhat[e] = Math.max(vhat[e], v[e]);
                        w[e] = w[e] - (alpha * m[e]) / ((float) Math.sqrt(amsgrad ? vhat[e] : v[e]) + 1e-7f);
                    }
                }
                assertArrayEquals(w, floats(var.value()), "amsgrad=" + amsgrad + ": variable");
                assertArrayEquals(m, floats(adam.getSlot(var, "m")), "m");
                assertArrayEquals(v, floats(adam.getSlot(var, "v")), "v");
            }
        }
    }

    @Test
    void ftrlRowsInFloat32AddInTheirPathsOrder() {
        // Rows of three: linear + (g - sigma w); rows of one (TF's scalar path): (linear + g) - sigma w.
        for (int cols : new int[] {COLS, 1}) {
            for (double shrinkage : new double[] {0, 0.1}) {
                SplittableRandom r = new SplittableRandom(17);
                Tensor table = random(DType.FLOAT32, r, ROWS, cols);
                float[] w = floats(table);
                float[] accum = new float[w.length];
                java.util.Arrays.fill(accum, 0.1f);
                float[] linear = new float[w.length];
                try (Ftrl ftrl = Ftrl.builder().learningRate(0.1).l1RegularizationStrength(0.001).l2RegularizationStrength(0.01)
                        .l2ShrinkageRegularizationStrength(shrinkage).build()) {
                    Variable var = new Variable("t", table);
                    float lr = 0.1f;
                    float twoL2 = 2 * (0.01f + 0f / (2 * lr));
                    float twoShrinkage = 2 * (float) shrinkage;
                    for (int step = 0; step < 2; step++) {
                        Tensor values = random(DType.FLOAT32, r, 2, cols);
                        float[] g = values.toFloatArray();
                        ftrl.apply(List.of(new IndexedSlices(values, Tensor.wrap(INDICES.clone()), ROWS, cols)), List.of(var));
                        for (int i = 0; i < 2; i++) {
                            for (int c = 0; c < cols; c++) {
                                int e = (int) INDICES[i] * cols + c;
                                float gi = 0f + g[i * cols + c];
                                float shrunk = shrinkage > 0 ? gi + twoShrinkage * w[e] : gi;
                                float newAccum = accum[e] + gi * gi;
                                float sigma = ((float) Math.sqrt(newAccum) - (float) Math.sqrt(accum[e])) / lr;
                                linear[e] = cols == 1 ? (linear[e] + shrunk) - sigma * w[e] : linear[e] + (shrunk - sigma * w[e]);
                                float y = (float) Math.sqrt(newAccum) / lr + twoL2;
                                w[e] = (Math.max(Math.min(linear[e], 0.001f), -0.001f) - linear[e]) / y;
                                accum[e] = newAccum;
                            }
                        }
                    }
                    String what = "cols=" + cols + " shrinkage=" + shrinkage;
                    assertArrayEquals(w, floats(var.value()), what + ": variable");
                    assertArrayEquals(linear, floats(ftrl.getSlot(var, "linear")), what + ": linear");
                }
            }
        }
    }

    @Test
    void rmspropWithMomentumAndAdamaxInFloat32FollowTheirSparseKernels() {
        for (boolean centered : new boolean[] {false, true}) {
            SplittableRandom r = new SplittableRandom(23);
            Tensor table = random(DType.FLOAT32, r, ROWS, COLS);
            float[] w = floats(table);
            float[] ms = new float[w.length];
            float[] mg = new float[w.length];
            float[] mom = new float[w.length];
            try (RMSprop rms = RMSprop.builder().learningRate(0.01).momentum(0.5).centered(centered).build()) {
                Variable var = new Variable("t", table);
                float[][] g = twoSteps(rms, var, r);
                float rho = 0.9f;
                for (float[] step : g) {
                    for (int i = 0; i < 2; i++) {
                        for (int c = 0; c < COLS; c++) {
                            int e = (int) INDICES[i] * COLS + c;
                            float gi = 0f + step[i * COLS + c];
                            ms[e] = ms[e] * rho + (gi * gi) * (1 - rho);
                            float denominator = ms[e] + 1e-7f;
                            if (centered) {
                                mg[e] = mg[e] * rho + gi * (1 - rho);
                                denominator = denominator - mg[e] * mg[e];
                            }
                            mom[e] = mom[e] * 0.5f + ((1f / (float) Math.sqrt(denominator)) * 0.01f) * gi;
                            w[e] = w[e] - mom[e];
                        }
                    }
                }
                assertArrayEquals(w, floats(var.value()), "centered=" + centered + ": variable");
                assertArrayEquals(mom, floats(rms.getSlot(var, "momentum")), "centered=" + centered + ": momentum");
                if (centered) {
                    assertArrayEquals(mg, floats(rms.getSlot(var, "mg")), "mg");
                }
            }
        }
        SplittableRandom r = new SplittableRandom(29);
        Tensor table = random(DType.FLOAT32, r, ROWS, COLS);
        float[] w = floats(table);
        float[] m = new float[w.length];
        float[] v = new float[w.length];
        try (Adamax adamax = new Adamax(0.01)) {
            Variable var = new Variable("t", table);
            float[][] g = twoSteps(adamax, var, r);
            for (int t = 1; t <= 2; t++) {
                float scaledLr = 0.01f / (1 - (float) Math.pow(0.9f, t));
                for (int i = 0; i < 2; i++) {
                    for (int c = 0; c < COLS; c++) {
                        int e = (int) INDICES[i] * COLS + c;
                        float gi = 0f + g[t - 1][i * COLS + c];
                        m[e] = m[e] * 0.9f + gi * (1 - 0.9f);
                        v[e] = Math.max(v[e] * 0.999f, Math.abs(gi));
                        w[e] = w[e] - scaledLr * (m[e] / (v[e] + 1e-7f));
                    }
                }
            }
            assertArrayEquals(w, floats(var.value()), "Adamax variable");
            assertArrayEquals(m, floats(adamax.getSlot(var, "m")), "Adamax m");
            assertArrayEquals(v, floats(adamax.getSlot(var, "v")), "Adamax v");
        }
    }

    @Test
    void emptyIndicesStillDecayRmspropAndNadamSlotsButNotLazyAdams() {
        SplittableRandom r = new SplittableRandom(2);
        Tensor none = Tensor.zeros(DType.FLOAT64, 0, COLS);
        for (Supplier<Optimizer> make : List.<Supplier<Optimizer>>of(() -> RMSprop.builder().centered(true).build(),
                () -> new Nadam(0.01), () -> Adam.builder().lazy(true).build())) {
            try (Optimizer opt = make.get()) {
                Variable v = new Variable("t", random(DType.FLOAT64, r, ROWS, COLS));
                opt.apply(List.of(slices(random(DType.FLOAT64, r, 2, COLS), INDICES)), List.of(v));
                double[] w = v.value().toDoubleArray();
                List<double[]> slotsBefore = opt.getSlotNames().stream().map(n -> opt.getSlot(v, n).toDoubleArray()).toList();
                opt.apply(List.of(slices(none)), List.of(v));
                assertArrayEquals(w, v.value().toDoubleArray(), opt.getName() + ": the variable stays");
                boolean decays = !(opt instanceof Adam);
                double decay = opt instanceof RMSprop ? (float) 0.9 : Double.NaN;
                for (int s = 0; s < slotsBefore.size(); s++) {
                    String name = opt.getSlotNames().get(s);
                    double factor = opt instanceof Nadam ? (name.equals("m") ? (float) 0.9 : (float) 0.999) : decay;
                    double[] before = slotsBefore.get(s);
                    double[] after = opt.getSlot(v, name).toDoubleArray();
                    for (int e = 0; e < before.length; e++) {
                        assertEquals(decays ? before[e] * factor : before[e], after[e], 0.0, opt.getName() + " " + name + "[" + e + "]");
                    }
                }
            }
        }
    }

    @Test
    void aVariableWithTwoGradientsInOneStepIsAnError() {
        try (SGD sgd = SGD.builder().clipnorm(1.0).build()) {
            Variable v = new Variable("emb", Tensor.zeros(DType.FLOAT64, ROWS, COLS));
            IndexedSlices a = slices(Tensor.full(DType.FLOAT64, 1, 1, COLS), 0);
            IndexedSlices b = slices(Tensor.full(DType.FLOAT64, 2, 2, COLS), 1, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sgd.apply(List.of(a, b), List.of(v, v)));
            assertEquals("Variable 'emb' has two gradients in one step (pairs 0 and 1); add them into one gradient", e.getMessage());
            assertEquals(0, sgd.getIterations());
        }
    }

    @Test
    void keras3VariantsApplyConstraintsAfterASparseStep() {
        try (Adagrad adagrad = Adagrad.builder().learningRate(0.1).keras3(true).build()) {
            Variable v = new Variable("emb", Tensor.full(DType.FLOAT64, 5, ROWS, COLS), true, t -> t.fill(1.0));
            adagrad.apply(List.of(slices(Tensor.full(DType.FLOAT64, 1, 1, COLS), 0)), List.of(v));
            assertEquals(1.0, v.value().getDouble(0), 0.0);
        }
    }

    @Test
    void keras2AdamOnAHeapWrappedTableMovesEveryRowAsOffHeap() {
        SplittableRandom r = new SplittableRandom(12);
        Tensor table = random(DType.FLOAT32, r, ROWS, COLS);
        Tensor values = random(DType.FLOAT32, r, 4, COLS);
        try (Adam a = new Adam(0.1); Adam b = new Adam(0.1)) {
            Variable offHeap = new Variable("a", table.copyToHeap());
            Variable onHeap = new Variable("b", Tensor.wrap(table.toFloatArray(), ROWS, COLS));
            for (int step = 0; step < 2; step++) {
                a.apply(List.of(slices(values, 4, 1, 4, 0)), List.of(offHeap));
                b.apply(List.of(new IndexedSlices(Tensor.wrap(values.toFloatArray(), 4, COLS), Tensor.wrap(new int[] {4, 1, 4, 0}),
                        ROWS, COLS)), List.of(onHeap));
            }
            assertArrayEquals(offHeap.value().toFloatArray(), onHeap.value().toFloatArray());
            assertArrayEquals(a.getSlot(offHeap, "v").toFloatArray(), b.getSlot(onHeap, "v").toFloatArray());
        }
    }

    // ---- sparse against dense with zero rows ----------------------------------------------------

    /** The variable after three steps with the same gradient rows, given sparse or as a dense tensor with zero rows. */
    private static double[][] sparseAndDenseWithZeros(Supplier<Optimizer> make) {
        SplittableRandom r = new SplittableRandom(41);
        Tensor table = random(DType.FLOAT64, r, ROWS, COLS);
        try (Optimizer sparse = make.get(); Optimizer dense = make.get()) {
            Variable a = new Variable("a", table.copyToHeap());
            Variable b = new Variable("b", table.copyToHeap());
            for (int step = 0; step < 3; step++) {
                Tensor values = random(DType.FLOAT64, r, 2, COLS);
                Tensor withZeros = Tensor.zeros(DType.FLOAT64, ROWS, COLS);
                for (int i = 0; i < 2; i++) {
                    for (int c = 0; c < COLS; c++) {
                        withZeros.setDouble(INDICES[i] * COLS + c, values.getDouble(i * COLS + c));
                    }
                }
                sparse.apply(List.of(slices(values, INDICES)), List.of(a));
                dense.apply(List.of(withZeros), List.of(b));
            }
            return new double[][] {a.value().toDoubleArray(), b.value().toDoubleArray()};
        }
    }

    @Test
    void plainSgdAndAdagradEqualTheirDenseStepWithZeroRows() {
        // A zero gradient row leaves the variable (and Adagrad's accumulator) as it is in the dense kernels too.
        for (Supplier<Optimizer> make : List.<Supplier<Optimizer>>of(() -> new SGD(0.1), () -> new Adagrad(0.1))) {
            double[][] result = sparseAndDenseWithZeros(make);
            assertArrayEquals(result[1], result[0]);
        }
    }

    @Test
    void kerasAdamAndRmspropDifferFromDenseWithZeroRowsOnlyByRounding() {
        // Same mathematics (m * b1 versus m + (0 - m) * (1 - b1)), another operation order.
        for (Supplier<Optimizer> make : List.<Supplier<Optimizer>>of(() -> new Adam(0.01), () -> new RMSprop(0.01))) {
            double[][] result = sparseAndDenseWithZeros(make);
            for (int e = 0; e < result[0].length; e++) {
                assertEquals(result[1][e], result[0][e], 1e-12 * Math.abs(result[1][e]), "element " + e);
            }
        }
    }

    /** Row 0 of the variable, then of each slot. */
    private static double[] rowZero(Optimizer opt, Variable v) {
        java.util.stream.DoubleStream.Builder out = java.util.stream.DoubleStream.builder();
        for (int c = 0; c < COLS; c++) {
            out.add(v.value().getDouble(c));
        }
        for (String slot : opt.getSlotNames()) {
            for (int c = 0; c < COLS; c++) {
                out.add(opt.getSlot(v, slot).getDouble(c));
            }
        }
        return out.build().toArray();
    }

    @Test
    void momentumAndAdadeltaLeaveUntouchedRowsWhereDenseZeroRowsWouldMoveThem() {
        // The documented difference: TF's sparse kernels skip other rows; a dense zero row still
        // applies the velocity (SGD momentum) or decays the accumulators (Adadelta).
        for (Supplier<Optimizer> make : List.<Supplier<Optimizer>>of(
                () -> dev.panamax.optimizers.SGD.builder().learningRate(0.1).momentum(0.9).build(),
                () -> Adadelta.builder().learningRate(1.0).build())) {
            SplittableRandom r = new SplittableRandom(43);
            Tensor table = random(DType.FLOAT64, r, ROWS, COLS);
            try (Optimizer sparse = make.get(); Optimizer dense = make.get()) {
                Variable a = new Variable("a", table.copyToHeap());
                Variable b = new Variable("b", table.copyToHeap());
                Tensor all = random(DType.FLOAT64, r, ROWS, COLS);
                sparse.apply(List.of(slices(all, 0, 1, 2, 3, 4, 5)), List.of(a));
                dense.apply(List.of(all), List.of(b));
                assertArrayEquals(b.value().toDoubleArray(), a.value().toDoubleArray(), "every row given: the same step");
                double[] before = rowZero(sparse, a);
                Tensor one = random(DType.FLOAT64, r, 1, COLS);
                Tensor withZeros = Tensor.zeros(DType.FLOAT64, ROWS, COLS);
                for (int c = 0; c < COLS; c++) {
                    withZeros.setDouble(3 * COLS + c, one.getDouble(c));
                }
                sparse.apply(List.of(slices(one, 3)), List.of(a));
                dense.apply(List.of(withZeros), List.of(b));
                assertArrayEquals(before, rowZero(sparse, a), sparse.getName() + ": sparse leaves row 0 and its slots");
                assertNotEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(rowZero(dense, b)),
                        dense.getName() + ": a dense zero row changes row 0 or its slots");
                for (int c = 0; c < COLS; c++) {
                    assertEquals(b.value().getDouble(3 * COLS + c), a.value().getDouble(3 * COLS + c), 0.0, "row 3 alike");
                }
            }
        }
    }

    @Test
    void anIndexedSlicesOfAnotherDenseShapeIsRefusedNamingBoth() {
        try (Tensor w = Tensor.zeros(DType.FLOAT32, 4, 2); Optimizer sgd = SGD.builder().build()) {
            // Rows of the right width, but the dense shape says 5 rows.
            IndexedSlices g = new IndexedSlices(Tensor.of(new float[] {1, 2}, 1, 2), Tensor.wrap(new int[] {3}), 5, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sgd.apply(List.of(g), List.of(new Variable("emb", w))));
            assertEquals("Gradient for variable 'emb' is an IndexedSlices of dense shape [5, 2], expected [4, 2] (the variable's"
                    + " shape)", e.getMessage());
            assertEquals(0.0, w.getDouble(6));
        }
    }
}
