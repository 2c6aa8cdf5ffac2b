package dev.panamax.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.HostTensorKernels;
import dev.panamax.kernels.KernelProvider;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.step.ClipByNorm;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Three ranks train a linear model with Adam and norm clipping, each on its third of every global
 * batch, summing gradients with {@link AllReduceGradients}; one process computes the same three
 * partial gradients, adds them in rank order and steps. The weights must be the same bits.
 */
@Timeout(60)
class DataParallelTrainingTest {

    private static final int RANKS = 3;
    private static final int PER_RANK = 4;
    private static final int IN = 5;
    private static final int OUT = 3;
    private static final int STEPS = 40;

    /** Example e of step s: inputs of every magnitude, so that the order of the sums shows. */
    private static float[] example(int step, int e) {
        SplittableRandom random = new SplittableRandom(step * 1000L + e);
        float[] x = new float[IN + OUT];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble(-1, 1) * Math.pow(2, random.nextInt(-8, 8)));
        }
        return x; // IN inputs, then OUT targets
    }

    /**
     * Rank r's gradients of the mean squared error over the global batch (its loss scaled by one over
     * the global batch size, as TF2's strategies do): {kernel [IN, OUT], bias [OUT]}.
     */
    private static float[][] gradients(float[] w, float[] b, int step, int rank) {
        float[] gw = new float[IN * OUT];
        float[] gb = new float[OUT];
        float scale = 1f / (RANKS * PER_RANK);
        for (int e = rank * PER_RANK; e < (rank + 1) * PER_RANK; e++) {
            float[] x = example(step, e);
            for (int j = 0; j < OUT; j++) {
                float y = b[j];
                for (int i = 0; i < IN; i++) {
                    y += x[i] * w[i * OUT + j];
                }
                float error = (y - x[IN + j]) * scale;
                for (int i = 0; i < IN; i++) {
                    gw[i * OUT + j] += x[i] * error;
                }
                gb[j] += error;
            }
        }
        return new float[][] {gw, gb};
    }

    private static float[] initialKernel() {
        float[] w = new float[IN * OUT];
        for (int i = 0; i < w.length; i++) {
            w[i] = (i % 7 - 3) * 0.1f;
        }
        return w;
    }

    private static Adam adam(AllReduceGradients aggregator) {
        Adam.Builder b = Adam.builder().learningRate(0.05).clipnorm(0.5);
        return (aggregator == null ? b : b.gradientAggregator(aggregator)).build();
    }

    /** What a rank ends with: its kernel and bias after {@link #STEPS} steps. */
    static float[][] train(Collective c) {
        Variable w = new Variable("dense/kernel", Tensor.of(initialKernel(), IN, OUT));
        Variable b = new Variable("dense/bias", Tensor.zeros(dev.panamax.tensor.DType.FLOAT32, OUT));
        try (Adam adam = adam(new AllReduceGradients(c))) {
            for (int step = 0; step < STEPS; step++) {
                float[][] g = gradients(w.value().toFloatArray(), b.value().toFloatArray(), step, c.rank());
                try (Tensor gw = Tensor.of(g[0], IN, OUT); Tensor gb = Tensor.of(g[1], OUT)) {
                    adam.applyGradients(List.of(new GradientAndVariable(gw, w), new GradientAndVariable(gb, b)));
                }
            }
            return new float[][] {w.value().toFloatArray(), b.value().toFloatArray()};
        } finally {
            w.value().close();
            b.value().close();
        }
    }

    /** One process: the ranks' gradients added in {@code order}, then the same step. */
    static float[][] oneProcess(int... order) {
        Variable w = new Variable("dense/kernel", Tensor.of(initialKernel(), IN, OUT));
        Variable b = new Variable("dense/bias", Tensor.zeros(dev.panamax.tensor.DType.FLOAT32, OUT));
        try (Adam adam = adam(null)) {
            for (int step = 0; step < STEPS; step++) {
                float[] kw = w.value().toFloatArray();
                float[] kb = b.value().toFloatArray();
                float[][] sum = gradients(kw, kb, step, order[0]);
                for (int k = 1; k < order.length; k++) {
                    float[][] g = gradients(kw, kb, step, order[k]);
                    for (int v = 0; v < 2; v++) {
                        for (int i = 0; i < g[v].length; i++) {
                            sum[v][i] += g[v][i];
                        }
                    }
                }
                try (Tensor gw = Tensor.of(sum[0], IN, OUT); Tensor gb = Tensor.of(sum[1], OUT)) {
                    adam.applyGradients(List.of(new GradientAndVariable(gw, w), new GradientAndVariable(gb, b)));
                }
            }
            return new float[][] {w.value().toFloatArray(), b.value().toFloatArray()};
        } finally {
            w.value().close();
            b.value().close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "tcp"})
    void threeRanksEndWithTheBitsOfOneProcessAddingTheirGradientsInRankOrder(String transport) {
        float[][] expected = oneProcess(0, 1, 2);
        Duration timeout = Duration.ofSeconds(20);
        List<Collective> group = transport.equals("tcp") ? TcpCollectiveTest.group(RANKS, timeout) : LocalCollective.group(RANKS, timeout);
        List<Object> results = LocalCollectiveTest.onRanks(group, DataParallelTrainingTest::train);
        group.forEach(Collective::close);
        for (int r = 0; r < RANKS; r++) {
            float[][] got = (float[][]) assertInstanceOf(float[][].class, results.get(r));
            assertArrayEquals(expected[0], got[0], "kernel on rank " + r);
            assertArrayEquals(expected[1], got[1], "bias on rank " + r);
        }
        // The comparison can fail: adding the same gradients in another order ends elsewhere.
        float[][] reversed = oneProcess(2, 1, 0);
        assertFalse(Arrays.equals(expected[0], reversed[0]) && Arrays.equals(expected[1], reversed[1]),
                "the order of the sums made no difference to this model");
    }

    /**
     * Keras 3's order: each rank clips its own gradients, the sum comes after, just before the
     * update (its TensorFlow backend's {@code _all_reduce_sum_gradients}). Rank r's kernel and bias
     * with a Keras 3 Adam; one process clips each rank's gradients with the same kernels, adds them in
     * rank order, and steps a Keras 3 Adam that does not clip.
     */
    static float[][] trainKeras3(Collective c) {
        return trainKeras3(c, true);
    }

    /** As {@link #trainKeras3(Collective)}; one process clips the sum instead when not {@code clipEachRank}. */
    static float[][] trainKeras3(Collective c, boolean clipEachRank) {
        Variable w = new Variable("dense/kernel", Tensor.of(initialKernel(), IN, OUT));
        Variable b = new Variable("dense/bias", Tensor.zeros(dev.panamax.tensor.DType.FLOAT32, OUT));
        Adam.Builder builder = Adam.builder().keras3(true).learningRate(0.05);
        HostTensorKernels kernels = new HostTensorKernels(KernelProvider.kernels(), ChunkedExecutor.shared(1));
        if (c != null) {
            builder.gradientAggregator(new AllReduceGradients(c));
        }
        try (Adam adam = (c == null && clipEachRank ? builder : builder.clipnorm(0.5)).build()) {
            for (int step = 0; step < STEPS; step++) {
                float[] kw = w.value().toFloatArray();
                float[] kb = b.value().toFloatArray();
                float[][] g;
                if (c != null) {
                    g = gradients(kw, kb, step, c.rank());
                } else {
                    g = new float[][] {new float[IN * OUT], new float[OUT]};
                    for (int r = 0; r < RANKS; r++) {
                        float[][] partial = gradients(kw, kb, step, r);
                        for (int v = 0; v < 2; v++) {
                            try (Tensor t = Tensor.of(partial[v], partial[v].length)) {
                                if (clipEachRank) {
                                    ClipByNorm.clip(kernels, t, kernels.sumOfSquares(t), 0.5);
                                }
                                float[] clipped = t.toFloatArray();
                                for (int i = 0; i < clipped.length; i++) {
                                    g[v][i] = r == 0 ? clipped[i] : g[v][i] + clipped[i];
                                }
                            }
                        }
                    }
                }
                try (Tensor gw = Tensor.of(g[0], IN, OUT); Tensor gb = Tensor.of(g[1], OUT)) {
                    adam.applyGradients(List.of(new GradientAndVariable(gw, w), new GradientAndVariable(gb, b)));
                }
            }
            return new float[][] {w.value().toFloatArray(), b.value().toFloatArray()};
        } finally {
            w.value().close();
            b.value().close();
        }
    }

    @Test
    void aKeras3OptimizerSumsAfterEachRankClipsItsOwnGradients() {
        float[][] expected = trainKeras3(null);
        List<Collective> group = LocalCollective.group(RANKS, Duration.ofSeconds(20));
        List<Object> results = LocalCollectiveTest.onRanks(group, DataParallelTrainingTest::trainKeras3);
        group.forEach(Collective::close);
        for (int r = 0; r < RANKS; r++) {
            float[][] got = (float[][]) assertInstanceOf(float[][].class, results.get(r), String.valueOf(results.get(r)));
            assertArrayEquals(expected[0], got[0], "kernel on rank " + r);
            assertArrayEquals(expected[1], got[1], "bias on rank " + r);
        }
        // TF2's order (the sum first, then one clip) ends elsewhere on this model, so the order is what is tested.
        float[][] sumThenClip = trainKeras3(null, false);
        assertFalse(Arrays.equals(expected[0], sumThenClip[0]), "clipping before or after the sum made no difference");
    }

    @Test
    void aMissingGradientIsNamedBeforeAnythingIsSent() {
        Collective alone = LocalCollective.group(1, Duration.ofSeconds(5)).get(0);
        AllReduceGradients sum = new AllReduceGradients(alone);
        Variable v = new Variable("embedding", Tensor.zeros(dev.panamax.tensor.DType.FLOAT32, 4, 2));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> sum.apply(List.of(new GradientAndVariable(null, v))));
        assertEquals("Variable 'embedding' has no gradient on rank 0; in data-parallel training every rank gives every "
                + "variable a gradient", e.getMessage());
        v.value().close();
        alone.close();
    }

    private static final int VOCABULARY = 40;
    private static final int WIDTH = 3;

    /** Rank r's sparse gradient of step s: rows of every magnitude, some indices repeated within and across ranks. */
    private static IndexedSlices rows(int step, int rank) {
        SplittableRandom random = new SplittableRandom(step * 100L + rank);
        int count = 3 + rank * 2; // the ranks send different numbers of rows
        long[] indices = new long[count];
        float[] values = new float[count * WIDTH];
        for (int i = 0; i < count; i++) {
            indices[i] = random.nextInt(8); // few distinct rows: duplicates within and across ranks
            for (int j = 0; j < WIDTH; j++) {
                values[i * WIDTH + j] = (float) (random.nextDouble(-1, 1) * Math.pow(2, random.nextInt(-10, 4)));
            }
        }
        return new IndexedSlices(Tensor.of(values, count, WIDTH), Tensor.wrap(indices, count), VOCABULARY, WIDTH);
    }

    /** Every rank's rows in {@code order}, concatenated: TF's sum of IndexedSlices. */
    private static IndexedSlices concatenation(int step, int... order) {
        List<float[]> values = new java.util.ArrayList<>();
        List<long[]> indices = new java.util.ArrayList<>();
        for (int r : order) {
            IndexedSlices g = rows(step, r);
            values.add(g.values().toFloatArray());
            indices.add(java.util.stream.LongStream.range(0, g.indices().size()).map(i -> (long) g.indices().getDouble(i)).toArray());
        }
        int count = indices.stream().mapToInt(a -> a.length).sum();
        float[] v = new float[count * WIDTH];
        long[] idx = new long[count];
        int at = 0;
        for (int k = 0; k < order.length; k++) {
            System.arraycopy(values.get(k), 0, v, at * WIDTH, values.get(k).length);
            System.arraycopy(indices.get(k), 0, idx, at, indices.get(k).length);
            at += indices.get(k).length;
        }
        return new IndexedSlices(Tensor.of(v, count, WIDTH), Tensor.wrap(idx, count), VOCABULARY, WIDTH);
    }

    static float[] trainEmbedding(Collective c, int... order) {
        Variable table = new Variable("embedding", Tensor.full(dev.panamax.tensor.DType.FLOAT32, 0.25, VOCABULARY, WIDTH));
        Adam.Builder b = Adam.builder().learningRate(0.05).clipnorm(0.5);
        try (Adam adam = (c == null ? b : b.gradientAggregator(new AllReduceGradients(c))).build()) {
            for (int step = 0; step < STEPS; step++) {
                IndexedSlices g = c == null ? concatenation(step, order) : rows(step, c.rank());
                adam.applyGradients(List.of(new GradientAndVariable(g, table)));
            }
            return table.value().toFloatArray();
        } finally {
            table.value().close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "tcp"})
    void sparseGradientsAreConcatenatedInRankOrderAsOneProcessSumsThem(String transport) {
        float[] expected = trainEmbedding(null, 0, 1, 2);
        Duration timeout = Duration.ofSeconds(20);
        List<Collective> group = transport.equals("tcp") ? TcpCollectiveTest.group(RANKS, timeout) : LocalCollective.group(RANKS, timeout);
        List<Object> results = LocalCollectiveTest.onRanks(group, c -> trainEmbedding(c));
        group.forEach(Collective::close);
        for (int r = 0; r < RANKS; r++) {
            assertArrayEquals(expected, assertInstanceOf(float[].class, results.get(r), String.valueOf(results.get(r))),
                    "embedding on rank " + r);
        }
        // The comparison can fail: duplicate rows added in another order end elsewhere.
        assertFalse(Arrays.equals(expected, trainEmbedding(null, 2, 1, 0)), "the order of the rows made no difference");
    }
}
