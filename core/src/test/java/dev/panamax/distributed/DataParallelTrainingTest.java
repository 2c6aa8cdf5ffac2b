package dev.panamax.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.GradientAndVariable;
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

    @Test
    void aSparseOrMissingGradientIsNamedBeforeAnythingIsSent() {
        Collective alone = LocalCollective.group(1, Duration.ofSeconds(5)).get(0);
        AllReduceGradients sum = new AllReduceGradients(alone);
        Variable v = new Variable("embedding", Tensor.zeros(dev.panamax.tensor.DType.FLOAT32, 4, 2));
        IndexedSlices rows = new IndexedSlices(Tensor.of(new float[] {1f, 2f}, 1, 2), Tensor.wrap(new long[] {1}, 1), new long[] {4, 2});
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> sum.apply(List.of(new GradientAndVariable(rows, v))));
        assertEquals("Variable 'embedding' has a sparse gradient (IndexedSlices) on rank 0; AllReduceGradients sums dense "
                + "gradients only", e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> sum.apply(List.of(new GradientAndVariable(null, v))));
        assertEquals("Variable 'embedding' has no gradient on rank 0; in data-parallel training every rank gives every "
                + "variable a gradient", e.getMessage());
    }
}
