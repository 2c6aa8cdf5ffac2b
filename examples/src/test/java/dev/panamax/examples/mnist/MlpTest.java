package dev.panamax.examples.mnist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.optimizers.Adam;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;

class MlpTest {

    private static final int DIM = 20;
    private static final int CLASSES = 10;

    /** Gaussian clusters around well separated class centers: {images, labels}. */
    private static Object[] separable(int n, int dim, int classes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] centers = new float[classes][dim];
        for (float[] c : centers) {
            for (int d = 0; d < dim; d++) {
                c[d] = (float) (random.nextDouble() * 4 - 2);
            }
        }
        float[] images = new float[n * dim];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(classes);
            labels[i] = (byte) label;
            for (int d = 0; d < dim; d++) {
                images[i * dim + d] = centers[label][d] + (float) ((random.nextDouble() - 0.5) * 0.5);
            }
        }
        return new Object[] {images, labels};
    }

    private static List<float[]> snapshot(Mlp mlp) {
        List<float[]> out = new ArrayList<>();
        for (Variable v : mlp.variables()) {
            out.add(v.value().toFloatArray());
        }
        return out;
    }

    /** Trains 3 epochs of batches of 32 (the last one shorter) and returns the batch losses. */
    private static double[] train(Mlp mlp, Adam adam, float[] images, byte[] labels) {
        int n = labels.length;
        List<Double> losses = new ArrayList<>();
        for (int epoch = 0; epoch < 3; epoch++) {
            for (int from = 0; from < n; from += 32) {
                losses.add(mlp.trainBatch(images, labels, from, Math.min(n, from + 32), adam));
            }
        }
        return losses.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test
    void namesShapesAndGlorotInit() {
        Mlp mlp = new Mlp(new int[] {784, 128, 64, 10}, 7);
        List<Variable> vars = mlp.variables();
        assertEquals(6, vars.size());
        String[] names = {"dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias", "dense_2/kernel",
            "dense_2/bias"};
        long[][] shapes = {{784, 128}, {128}, {128, 64}, {64}, {64, 10}, {10}};
        for (int i = 0; i < 6; i++) {
            assertEquals(names[i], vars.get(i).name());
            assertArrayEquals(shapes[i], vars.get(i).shape());
            assertArrayEquals(shapes[i], mlp.gradients().get(i).shape());
        }
        float limit = (float) Math.sqrt(6.0 / (784 + 128));
        float[] w = mlp.kernel(0).data;
        double sum = 0;
        for (float x : w) {
            assertTrue(Math.abs(x) <= limit);
            sum += x;
        }
        assertTrue(Math.abs(sum / w.length) < limit / 20, "kernel mean should be near 0");
        for (float b : mlp.bias(0).data) {
            assertEquals(0f, b);
        }
    }

    @Test
    void backwardPassMatchesCentralFiniteDifferences() {
        int[] sizes = {6, 5, 3};
        Mlp mlp = new Mlp(sizes, 3);
        // Non-zero biases so that the bias gradients are exercised off the initial point.
        SplittableRandom random = new SplittableRandom(11);
        for (int l = 0; l < 2; l++) {
            float[] b = mlp.bias(l).data;
            for (int k = 0; k < b.length; k++) {
                b[k] = (float) (random.nextDouble() * 0.2 - 0.1);
            }
        }
        int n = 8;
        float[] images = new float[n * sizes[0]];
        byte[] labels = new byte[n];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) (random.nextDouble() * 2 - 1);
        }
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) random.nextInt(3);
        }
        mlp.computeGradients(images, labels, 0, n);
        List<float[]> analytic = new ArrayList<>();
        for (Tensor g : mlp.gradients()) {
            analytic.add(g.toFloatArray());
        }
        float eps = 1e-2f;
        int checked = 0;
        for (int l = 0; l < 2; l++) {
            FMatrixRMaj[] params = {mlp.kernel(l), mlp.bias(l)};
            for (int p = 0; p < 2; p++) {
                float[] data = params[p].data;
                float[] grad = analytic.get(2 * l + p);
                for (int k = 0; k < data.length; k++) {
                    float saved = data[k];
                    data[k] = saved + eps;
                    double plus = mlp.evaluate(images, labels, 0, n).loss();
                    data[k] = saved - eps;
                    double minus = mlp.evaluate(images, labels, 0, n).loss();
                    data[k] = saved;
                    double numeric = (plus - minus) / (2 * eps);
                    double err = Math.abs(numeric - grad[k]);
                    assertTrue(err <= 1e-2 * Math.max(Math.abs(numeric), Math.abs(grad[k])) + 1e-3,
                            "layer " + l + (p == 0 ? " kernel[" : " bias[") + k + "]: analytic " + grad[k]
                                    + ", numeric " + numeric);
                    checked++;
                }
            }
        }
        assertEquals(6 * 5 + 5 + 5 * 3 + 3, checked);
    }

    @Test
    void adamDrivesTheLossWellBelowItsStart() {
        Object[] data = separable(400, DIM, CLASSES, 5);
        float[] images = (float[]) data[0];
        byte[] labels = (byte[]) data[1];
        Mlp mlp = new Mlp(new int[] {DIM, 32, CLASSES}, 42);
        Mlp.Evaluation before = mlp.evaluate(images, labels, 0, labels.length);
        double[] losses;
        try (Adam adam = new Adam(1e-2)) {
            losses = train(mlp, adam, images, labels);
        }
        Mlp.Evaluation after = mlp.evaluate(images, labels, 0, labels.length);
        assertTrue(after.loss() < before.loss() / 10, "loss " + before.loss() + " -> " + after.loss());
        assertTrue(losses[losses.length - 1] < losses[0] / 5, "batch loss " + losses[0] + " -> "
                + losses[losses.length - 1]);
        assertTrue(after.accuracy() > 0.95, "accuracy " + after.accuracy());
    }

    @Test
    void evaluationIsIndependentOfChunking() {
        Object[] data = separable(1234, DIM, CLASSES, 9);
        float[] images = (float[]) data[0];
        byte[] labels = (byte[]) data[1];
        Mlp mlp = new Mlp(new int[] {DIM, 16, CLASSES}, 1);
        Mlp.Evaluation all = mlp.evaluate(images, labels, 0, 1234);
        double lossSum = 0;
        double correct = 0;
        for (int from = 0; from < 1234; from += 100) {
            int to = Math.min(1234, from + 100);
            Mlp.Evaluation part = mlp.evaluate(images, labels, from, to);
            lossSum += part.loss() * (to - from);
            correct += part.accuracy() * (to - from);
        }
        assertEquals(lossSum / 1234, all.loss(), 1e-9);
        assertEquals(correct / 1234, all.accuracy(), 1e-9);
    }

    @Test
    void sameSeedGivesIdenticalRuns() {
        Object[] data = separable(300, DIM, CLASSES, 5);
        float[] images = (float[]) data[0];
        byte[] labels = (byte[]) data[1];
        double[][] losses = new double[2][];
        List<List<float[]>> weights = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            Mlp mlp = new Mlp(new int[] {DIM, 24, 16, CLASSES}, 123);
            try (Adam adam = new Adam(1e-2)) {
                losses[run] = train(mlp, adam, images, labels);
            }
            weights.add(snapshot(mlp));
        }
        assertArrayEquals(losses[0], losses[1]);
        for (int i = 0; i < weights.get(0).size(); i++) {
            assertArrayEquals(weights.get(0).get(i), weights.get(1).get(i));
        }
        // A different seed gives different initial weights.
        float first = new Mlp(new int[] {DIM, 24, 16, CLASSES}, 123).kernel(0).data[0];
        assertNotEquals(first, new Mlp(new int[] {DIM, 24, 16, CLASSES}, 124).kernel(0).data[0]);
    }

    @Test
    void optimizerThreadCountDoesNotChangeResults() {
        Object[] data = separable(300, DIM, CLASSES, 6);
        float[] images = (float[]) data[0];
        byte[] labels = (byte[]) data[1];
        double[][] losses = new double[2][];
        List<List<float[]>> weights = new ArrayList<>();
        int[] threads = {1, 2};
        for (int run = 0; run < 2; run++) {
            // 20 x 4000 kernel: two ChunkedExecutor chunks, so two threads really split it.
            Mlp mlp = new Mlp(new int[] {DIM, 4000, CLASSES}, 99);
            assertTrue(mlp.variables().get(0).value().size() > dev.panamax.kernels.ChunkedExecutor.CHUNK);
            try (Adam adam = Adam.builder().learningRate(1e-2).threads(threads[run]).build()) {
                losses[run] = train(mlp, adam, images, labels);
            }
            weights.add(snapshot(mlp));
        }
        assertArrayEquals(losses[0], losses[1]);
        for (int i = 0; i < weights.get(0).size(); i++) {
            assertArrayEquals(weights.get(0).get(i), weights.get(1).get(i));
        }
    }

    @Test
    void variablesShareTheEjmlArrays() {
        Object[] data = separable(64, DIM, CLASSES, 2);
        float[] images = (float[]) data[0];
        byte[] labels = (byte[]) data[1];
        Mlp mlp = new Mlp(new int[] {DIM, 8, CLASSES}, 4);
        FMatrixRMaj kernel = mlp.kernel(0);
        float[] array = kernel.data;
        float[] before = array.clone();
        float[] biasBefore = mlp.bias(1).data.clone();
        try (Adam adam = new Adam(1e-2)) {
            mlp.trainBatch(images, labels, 0, 64, adam);
        }
        assertSame(array, mlp.kernel(0).data, "the matrix keeps its array");
        assertNotEquals(before[0], array[0], "the step is visible in the EJML matrix");
        assertArrayEquals(mlp.variables().get(0).value().toFloatArray(), array);
        assertArrayEquals(mlp.variables().get(3).value().toFloatArray(), mlp.bias(1).data);
        assertNotEquals(biasBefore[0], mlp.bias(1).data[0]);
        // And the other way: a write to the matrix is seen by the variable.
        kernel.set(0, 0, 42f);
        assertEquals(42.0, mlp.variables().get(0).value().getDouble(0));
    }

    @Test
    void badInputIsRejectedBeforeAnythingChanges() {
        Object[] data = separable(50, DIM, CLASSES, 3);
        float[] images = (float[]) data[0];
        byte[] labels = (byte[]) data[1];
        Mlp mlp = new Mlp(new int[] {DIM, 8, CLASSES}, 4);
        List<float[]> before = snapshot(mlp);
        try (Adam adam = new Adam(1e-2)) {
            byte[] badHigh = labels.clone();
            badHigh[17] = 10;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> mlp.trainBatch(images, badHigh, 0, 50, adam));
            assertTrue(e.getMessage().contains("labels"), e.getMessage());
            byte[] badLow = labels.clone();
            badLow[3] = -1;
            e = assertThrows(IllegalArgumentException.class, () -> mlp.trainBatch(images, badLow, 0, 50, adam));
            assertTrue(e.getMessage().contains("labels"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> mlp.trainBatch(images, new byte[49], 0, 49, adam));
            assertTrue(e.getMessage().contains("labels"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> mlp.trainBatch(new float[50 * DIM + 1], labels, 0, 50, adam));
            assertTrue(e.getMessage().contains("images"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> mlp.trainBatch(images, labels, 10, 51, adam));
            assertTrue(e.getMessage().contains("to"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> mlp.evaluate(images, badHigh, 0, 50));
            assertTrue(e.getMessage().contains("labels"), e.getMessage());
            assertEquals(0, adam.getIterations(), "the optimizer took no step");
        }
        List<float[]> after = snapshot(mlp);
        for (int i = 0; i < before.size(); i++) {
            assertArrayEquals(before.get(i), after.get(i));
        }
        assertThrows(IllegalArgumentException.class, () -> new Mlp(new int[] {784}, 1));
        assertThrows(IllegalArgumentException.class, () -> new Mlp(new int[] {784, 0, 10}, 1));
    }

    @Test
    void l2AddsTwiceL2TimesTheKernelToItsGradientAndItsPenaltyToTheLoss() {
        int[] sizes = {6, 5, 3};
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[4 * 6];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        byte[] y = {0, 1, 2, 1};
        Mlp plain = new Mlp(sizes, 9);
        Mlp penalised = new Mlp(sizes, 9);
        penalised.setL2(0.1);
        double plainLoss = plain.computeGradients(x, y, 0, 4);
        double penalisedLoss = penalised.computeGradients(x, y, 0, 4);
        double penalty = 0;
        for (int layer = 0; layer < 2; layer++) {
            FMatrixRMaj w = plain.kernel(layer);
            float[] g0 = plain.gradients().get(2 * layer).toFloatArray();
            float[] g1 = penalised.gradients().get(2 * layer).toFloatArray();
            for (int k = 0; k < w.data.length; k++) {
                assertEquals(g0[k] + 0.2f * w.data[k], g1[k], 1e-6f, "layer " + layer + " element " + k);
                penalty += 0.1 * w.data[k] * w.data[k];
            }
        }
        assertEquals(plainLoss + penalty, penalisedLoss, 1e-9);
        assertThrows(IllegalArgumentException.class, () -> penalised.setL2(-1));
    }

    @Test
    void dropoutBackwardPassMatchesFiniteDifferencesUnderTheSameMask() {
        // setDropout re-seeds the masks, so re-seeding before each loss evaluation repeats the mask.
        int[] sizes = {6, 7, 5, 3};
        SplittableRandom r = new SplittableRandom(5);
        int n = 8;
        float[] x = new float[n * 6];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        byte[] y = new byte[n];
        for (int i = 0; i < n; i++) {
            y[i] = (byte) r.nextInt(3);
        }
        Mlp mlp = new Mlp(sizes, 21);
        mlp.setDropout(0.4, 77);
        double loss = mlp.computeGradients(x, y, 0, n);
        List<float[]> analytic = new ArrayList<>();
        for (Tensor g : mlp.gradients()) {
            analytic.add(g.toFloatArray());
        }
        mlp.setDropout(0, 0);
        double noDropout = mlp.computeGradients(x, y, 0, n);
        assertNotEquals(noDropout, loss, "the mask changed the loss");
        float eps = 1e-2f;
        int zeros = 0;
        for (int l = 0; l < 3; l++) {
            float[] data = mlp.kernel(l).data;
            float[] grad = analytic.get(2 * l);
            for (int k = 0; k < data.length; k++) {
                float saved = data[k];
                data[k] = saved + eps;
                mlp.setDropout(0.4, 77);
                double plus = mlp.computeGradients(x, y, 0, n);
                data[k] = saved - eps;
                mlp.setDropout(0.4, 77);
                double minus = mlp.computeGradients(x, y, 0, n);
                data[k] = saved;
                double numeric = (plus - minus) / (2 * eps);
                assertTrue(Math.abs(numeric - grad[k]) <= 1e-2 * Math.max(Math.abs(numeric), Math.abs(grad[k])) + 1e-3,
                        "layer " + l + " kernel[" + k + "]: analytic " + grad[k] + ", numeric " + numeric);
                zeros += grad[k] == 0f ? 1 : 0;
            }
        }
        assertTrue(zeros > 0, "some units were dropped, so some kernel gradients are exactly zero");
        assertThrows(IllegalArgumentException.class, () -> mlp.setDropout(1, 0));
        assertThrows(IllegalArgumentException.class, () -> mlp.setDropout(-0.1, 0));
        assertThrows(IllegalArgumentException.class, () -> mlp.setDropout(Double.NaN, 0));
    }

    @Test
    void dropoutLeavesEvaluationUntouched() {
        Object[] data = separable(200, DIM, CLASSES, 8);
        float[] images = (float[]) data[0];
        byte[] labels = (byte[]) data[1];
        Mlp mlp = new Mlp(new int[] {DIM, 32, CLASSES}, 1);
        Mlp.Evaluation before = mlp.evaluate(images, labels, 0, 200);
        mlp.setDropout(0.5, 3);
        Mlp.Evaluation after = mlp.evaluate(images, labels, 0, 200);
        assertEquals(before.loss(), after.loss());
        assertEquals(before.accuracy(), after.accuracy());
    }

    @Test
    void bfloat16WeightsAreWhatTheOptimizerUpdatesAndWhatTheNetworkReads() {
        Object[] data = separable(200, DIM, CLASSES, 6);
        float[] images = (float[]) data[0];
        byte[] labels = (byte[]) data[1];
        Mlp mlp = new Mlp(new int[] {DIM, 16, CLASSES}, 8);
        mlp.storeWeightsIn(DType.BFLOAT16);
        for (Variable v : mlp.variables()) {
            assertEquals(DType.BFLOAT16, v.dtype());
        }
        try (Adam adam = Adam.builder().learningRate(1e-2).stochasticRounding(3).build()) {
            double before = mlp.evaluate(images, labels, 0, labels.length).loss();
            train(mlp, adam, images, labels);
            assertTrue(mlp.evaluate(images, labels, 0, labels.length).loss() < before / 5);
        }
        // The network reads the weights exactly: its kernel equals the widened bfloat16 variable.
        float[] widened = mlp.variables().get(0).value().toFloatArray();
        assertArrayEquals(widened, Arrays.copyOf(mlp.kernel(0).data, widened.length));
        assertThrows(IllegalStateException.class, () -> mlp.computeIn(DType.FLOAT16));
    }

    @Test
    void aMixedFloat16PolicyLosesSmallGradientsUnlessTheLossIsScaled() {
        Object[] data = separable(64, DIM, CLASSES, 7);
        float[] images = (float[]) data[0];
        byte[] labels = (byte[]) data[1];
        Mlp full = new Mlp(new int[] {DIM, 16, CLASSES}, 8);
        Mlp half = new Mlp(new int[] {DIM, 16, CLASSES}, 8);
        half.computeIn(DType.FLOAT16);
        assertEquals(DType.FLOAT32, half.variables().get(0).dtype(), "the variables stay float32");
        // A batch of 64 rows: the output gradients are 1/64 of the softmax's, and float16 keeps
        // values down to 2^-24; with 2^-20 of the loss, most of them vanish.
        full.computeGradientShare(images, labels, 0, 64, 64 << 20, true);
        half.computeGradientShare(images, labels, 0, 64, 64 << 20, true);
        float[] g32 = full.gradients().get(0).toFloatArray();
        float[] g16 = half.gradients().get(0).toFloatArray();
        assertTrue(zeros(g16) > zeros(g32) + g32.length / 4, zeros(g16) + " of " + g16.length + " zero in float16");
        // Scaled by 2^20 the backward pass is the one of a 64-row batch (2^20 times larger), bit for bit.
        half.setLossScale(0x1p20);
        half.computeGradientShare(images, labels, 0, 64, 64 << 20, true);
        Mlp reference = new Mlp(new int[] {DIM, 16, CLASSES}, 8);
        reference.computeIn(DType.FLOAT16);
        reference.computeGradientShare(images, labels, 0, 64, 64, true);
        assertArrayEquals(reference.gradients().get(0).toFloatArray(), half.gradients().get(0).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> half.setLossScale(0));
    }

    private static int zeros(float[] a) {
        int n = 0;
        for (float f : a) {
            n += f == 0f ? 1 : 0;
        }
        return n;
    }
}
