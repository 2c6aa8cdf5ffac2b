package dev.panamax.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.CheckpointException;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.Lamb;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.optimizers.RMSprop;
import dev.panamax.optimizers.SGD;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Three ranks step a model whose big variable spans four chunks (so every rank owns a shard of it)
 * and whose small one lies in the last rank's shard, with {@link ZeroRedundancyOptimizer}; one
 * process adds the same three gradients in rank order and steps the same optimizer with the same
 * clipping on the whole variables. The weights must be the same bits on every rank.
 */
@Timeout(120)
class ZeroRedundancyOptimizerTest {

    private static final int RANKS = 3;
    private static final int STEPS = 8;
    /** Rows and columns of the big variable: 196,612 elements, a little over three chunks. */
    private static final long[] BIG = {4, 49_153};
    private static final int SMALL = 5;

    /** The starting weights of variable {@code v} (0 big, 1 small). */
    private static float[] initial(int v) {
        float[] w = new float[v == 0 ? (int) (BIG[0] * BIG[1]) : SMALL];
        for (int i = 0; i < w.length; i++) {
            w[i] = ((i * 7919) % 13 - 6) * 0.05f;
        }
        return w;
    }

    /**
     * Rank r's gradient at step s: a pull towards zero plus a noise of every magnitude, so that the
     * order in which the ranks' gradients are added shows in the bits.
     */
    private static float[] gradient(float[] w, int step, int rank, int v) {
        float[] g = new float[w.length];
        for (int i = 0; i < g.length; i++) {
            int h = (i * 0x9E3779B1) ^ (step * 0x85EBCA6B) ^ ((rank + 1) * 0xC2B2AE35) ^ (v * 0x27D4EB2F);
            h ^= h >>> 15;
            h *= 0x2C1B3C6D;
            h ^= h >>> 12;
            float noise = (h & 0xFFFF) / 65536f - 0.5f;
            g[i] = w[i] * (0.1f + 0.05f * rank) + noise * (float) Math.scalb(1.0, (h >>> 16) % 12 - 8);
        }
        return g;
    }

    private static List<Variable> model() {
        return List.of(new Variable("dense/kernel", Tensor.of(initial(0), BIG)), new Variable("dense/bias", Tensor.of(initial(1), SMALL)));
    }

    private static float[][] weights(List<Variable> model) {
        return model.stream().map(v -> v.value().toFloatArray()).toArray(float[][]::new);
    }

    private static void close(List<Variable> model) {
        model.forEach(v -> v.value().close());
    }

    /** The steps of one rank; returns its weights, and the sizes of its shards' first slot. */
    static Object train(Collective c, Supplier<Optimizer> optimizer, Function<ZeroRedundancyOptimizer.Builder,
            ZeroRedundancyOptimizer.Builder> clipping, String slot) {
        List<Variable> model = model();
        try (ZeroRedundancyOptimizer zero = clipping.apply(ZeroRedundancyOptimizer.builder(c, optimizer.get())).build()) {
            for (int step = 0; step < STEPS; step++) {
                float[][] w = weights(model);
                List<GradientAndVariable> pairs = new ArrayList<>();
                for (int v = 0; v < model.size(); v++) {
                    pairs.add(new GradientAndVariable(Tensor.of(gradient(w[v], step, c.rank(), v), model.get(v).shape()), model.get(v)));
                }
                zero.applyGradients(pairs);
                pairs.forEach(p -> ((Tensor) p.gradient()).close());
            }
            long[] slotSizes = new long[model.size()];
            for (int v = 0; v < model.size(); v++) {
                slotSizes[v] = zero.getSlot(model.get(v), slot).size();
            }
            assertEquals(STEPS, zero.getIterations());
            return new Object[] {weights(model), slotSizes};
        } finally {
            close(model);
        }
    }

    /** One process: the ranks' gradients added in {@code order}, then the optimizer's step with the clipping. */
    static float[][] oneProcess(Optimizer optimizer, int... order) {
        List<Variable> model = model();
        try (optimizer) {
            for (int step = 0; step < STEPS; step++) {
                float[][] w = weights(model);
                List<GradientAndVariable> pairs = new ArrayList<>();
                for (int v = 0; v < model.size(); v++) {
                    float[] sum = gradient(w[v], step, order[0], v);
                    for (int k = 1; k < order.length; k++) {
                        float[] g = gradient(w[v], step, order[k], v);
                        for (int i = 0; i < sum.length; i++) {
                            sum[i] += g[i];
                        }
                    }
                    pairs.add(new GradientAndVariable(Tensor.of(sum, model.get(v).shape()), model.get(v)));
                }
                optimizer.applyGradients(pairs);
                pairs.forEach(p -> ((Tensor) p.gradient()).close());
            }
            return weights(model);
        } finally {
            close(model);
        }
    }

    private static void assertRanksMatchOneProcess(List<Collective> group, Supplier<Optimizer> optimizer,
                                                   Function<ZeroRedundancyOptimizer.Builder, ZeroRedundancyOptimizer.Builder> clipping,
                                                   Optimizer clippingAlone, Optimizer clippingAloneReversed, String slot) {
        List<Object> results = LocalCollectiveTest.onRanks(group, c -> train(c, optimizer, clipping, slot));
        group.forEach(Collective::close);
        float[][] expected = oneProcess(clippingAlone, 0, 1, 2);
        long slotElements = 0;
        for (int r = 0; r < RANKS; r++) {
            Object[] got = assertInstanceOf(Object[].class, results.get(r), String.valueOf(results.get(r)));
            float[][] w = (float[][]) got[0];
            assertArrayEquals(expected[0], w[0], "kernel on rank " + r);
            assertArrayEquals(expected[1], w[1], "bias on rank " + r);
            long[] slotSizes = (long[]) got[1];
            // Slots are shard-sized: the big variable's are split, the small one's live on the last rank only.
            assertEquals(Shards.of(BIG[0] * BIG[1], r, RANKS).size(), slotSizes[0], "rank " + r + "'s slot of the kernel");
            assertEquals(r == RANKS - 1 ? SMALL : 0, slotSizes[1], "rank " + r + "'s slot of the bias");
            slotElements += slotSizes[0];
        }
        assertEquals(BIG[0] * BIG[1], slotElements, "the ranks' slots of the kernel together");
        // The comparison can fail: adding the same gradients in another order ends elsewhere.
        float[][] reversed = oneProcess(clippingAloneReversed, 2, 1, 0);
        assertFalse(Arrays.equals(expected[0], reversed[0]), "the order of the sums made no difference to this model");
    }

    static Adam adam(Double clipnorm) {
        Adam.Builder b = Adam.builder().learningRate(0.01);
        return (clipnorm == null ? b : b.clipnorm(clipnorm)).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "tcp"})
    void adamWithClipnormOnThreeRanksEqualsOneProcess(String transport) {
        Duration timeout = Duration.ofSeconds(30);
        List<Collective> group = transport.equals("tcp") ? TcpCollectiveTest.group(RANKS, timeout) : LocalCollective.group(RANKS, timeout);
        // A norm of 2 clips the big gradient (its norm is about 40) and leaves the small one.
        assertRanksMatchOneProcess(group, () -> adam(null), b -> b.clipnorm(2.0), adam(2.0), adam(2.0), "m");
    }

    @Test
    void sgdWithMomentumClipvalueAndGlobalClipnormEqualsOneProcess() {
        Supplier<SGD.Builder> sgd = () -> SGD.builder().learningRate(0.05).momentum(0.9).nesterov(true);
        assertRanksMatchOneProcess(LocalCollective.group(RANKS, Duration.ofSeconds(30)), () -> sgd.get().build(),
                b -> b.clipvalue(0.2).globalClipnorm(5.0), sgd.get().clipvalue(0.2).globalClipnorm(5.0).build(),
                sgd.get().clipvalue(0.2).globalClipnorm(5.0).build(), "momentum");
    }

    @Test
    void adamWithBfloat16SlotsEqualsOneProcess() {
        Supplier<Optimizer> adam = () -> Adam.builder().learningRate(0.01).slotDtype(DType.BFLOAT16).build();
        assertRanksMatchOneProcess(LocalCollective.group(RANKS, Duration.ofSeconds(30)), adam, b -> b, adam.get(), adam.get(), "v");
    }

    @Test
    void rmspropWithoutClippingEqualsOneProcess() {
        Supplier<Optimizer> rmsprop = () -> RMSprop.builder().learningRate(0.01).momentum(0.5).centered(true).build();
        assertRanksMatchOneProcess(LocalCollective.group(RANKS, Duration.ofSeconds(30)), rmsprop, b -> b, rmsprop.get(),
                rmsprop.get(), "momentum");
    }

    /** Steps {@code [from, to)} of one rank on {@code model}. */
    private static void steps(Collective c, ZeroRedundancyOptimizer zero, List<Variable> model, int from, int to) {
        for (int step = from; step < to; step++) {
            float[][] w = weights(model);
            List<GradientAndVariable> pairs = new ArrayList<>();
            for (int v = 0; v < model.size(); v++) {
                pairs.add(new GradientAndVariable(Tensor.of(gradient(w[v], step, c.rank(), v), model.get(v).shape()), model.get(v)));
            }
            zero.applyGradients(pairs);
            pairs.forEach(p -> ((Tensor) p.gradient()).close());
        }
    }

    @Test
    void eachRankResumesFromItsOwnCheckpointToTheBitsOfARunThatNeverStopped(@TempDir Path dir) throws IOException {
        int half = STEPS / 2;
        List<Collective> first = LocalCollective.group(RANKS, Duration.ofSeconds(30));
        List<Object> saved = LocalCollectiveTest.onRanks(first, c -> {
            List<Variable> model = model();
            try (ZeroRedundancyOptimizer zero = ZeroRedundancyOptimizer.builder(c, adam(null)).clipnorm(2.0).build()) {
                steps(c, zero, model, 0, half - 1);
                zero.save(dir);
                steps(c, zero, model, half - 1, half);
                zero.save(dir); // replaces the first: its files go once the new manifest names the new ones
                return weights(model);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                close(model);
            }
        });
        first.forEach(Collective::close);
        float[][] checkpointed = assertInstanceOf(float[][].class, saved.get(0), String.valueOf(saved.get(0)));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("rank-0-of-3-step-4.safetensors", "rank-1-of-3-step-4.safetensors",
                    "rank-2-of-3-step-4.safetensors", "zero-manifest.json"),
                    files.map(f -> f.getFileName().toString()).sorted().toList(), "the last checkpoint's files only");
        }
        // Two ranks cannot resume what three saved.
        List<Collective> two = LocalCollective.group(2, Duration.ofSeconds(30));
        List<Object> refused = LocalCollectiveTest.onRanks(two, c -> {
            List<Variable> model = model();
            try (ZeroRedundancyOptimizer zero = ZeroRedundancyOptimizer.builder(c, adam(null)).build()) {
                return assertThrows(CheckpointException.class, () -> zero.load(dir, model)).getMessage();
            } finally {
                close(model);
            }
        });
        two.forEach(Collective::close);
        assertEquals(dir.resolve("zero-manifest.json") + ": saved by 3 ranks, but this group has 2: a sharded checkpoint resumes"
                + " on as many ranks as saved it", refused.get(0));

        List<Collective> second = LocalCollective.group(RANKS, Duration.ofSeconds(30));
        List<Object> resumed = LocalCollectiveTest.onRanks(second, c -> {
            List<Variable> model = List.of(new Variable("dense/kernel", Tensor.of(checkpointed[0], BIG)),
                    new Variable("dense/bias", Tensor.of(checkpointed[1], SMALL)));
            try (ZeroRedundancyOptimizer zero = ZeroRedundancyOptimizer.builder(c, adam(null)).clipnorm(2.0).build()) {
                zero.load(dir, model);
                assertEquals(half, zero.getIterations());
                steps(c, zero, model, half, STEPS);
                return weights(model);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                close(model);
            }
        });
        second.forEach(Collective::close);
        float[][] expected = oneProcess(adam(2.0), 0, 1, 2);
        for (int r = 0; r < RANKS; r++) {
            float[][] w = assertInstanceOf(float[][].class, resumed.get(r), String.valueOf(resumed.get(r)));
            assertArrayEquals(expected[0], w[0], "kernel on rank " + r);
            assertArrayEquals(expected[1], w[1], "bias on rank " + r);
        }
    }

    @Test
    void optimizersItCannotShardAreRefusedByName() {
        Collective alone = LocalCollective.group(1, Duration.ofSeconds(5)).get(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ZeroRedundancyOptimizer.builder(alone, Lamb.builder().build()).build());
        assertEquals("Optimizer 'lamb' is a Lamb, whose update of a variable reads the whole variable; ZeroRedundancyOptimizer "
                + "shards the element-wise algorithms: Adadelta, Adagrad, Adam, AdamW, Adamax, Ftrl, Lion, Nadam, RMSprop and SGD",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ZeroRedundancyOptimizer.builder(alone, adam(1.0)).build());
        assertEquals("Optimizer 'Adam' has clipping options of its own (clipnorm=1.0, clipvalue=null, global_clipnorm=null); it sees"
                + " one shard of each gradient, so give them to ZeroRedundancyOptimizer.builder instead", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ZeroRedundancyOptimizer.builder(alone,
                Adam.builder().gradientAggregator(new AllReduceGradients(alone)).build()).build());
        assertEquals("Optimizer 'Adam' has a gradient aggregator; ZeroRedundancyOptimizer sums the gradients itself (a"
                + " reduce-scatter), so the wrapped optimizer must not sum them again", e.getMessage());
        Adam stepped = adam(null);
        try (Tensor w = Tensor.of(1f, 2f); Tensor g = Tensor.of(0.5f, 0.5f)) {
            stepped.applyGradients(List.of(new GradientAndVariable(g, new Variable("w", w))));
        }
        e = assertThrows(IllegalArgumentException.class, () -> ZeroRedundancyOptimizer.builder(alone, stepped).build());
        assertEquals("Optimizer 'Adam' has already taken 1 steps; ZeroRedundancyOptimizer needs a new optimizer, whose slots it"
                + " makes for this rank's shards", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ZeroRedundancyOptimizer.builder(alone, adam(null)).clipnorm(1.0).globalClipnorm(1.0).build());
        assertEquals("Cannot accept both `clipnorm` and `global_clipnorm`. Received: `clipnorm`=1.0, `global_clipnorm`=1.0.",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ZeroRedundancyOptimizer.builder(alone, adam(null)).clipnorm(-1));
        assertEquals("`clipnorm` must be a non-negative float, got -1.0", e.getMessage());
        alone.close();
    }

    @Test
    void badGradientsAreRefusedBeforeAnythingIsSentOrWritten() {
        Collective alone = LocalCollective.group(1, Duration.ofSeconds(5)).get(0);
        Variable w = new Variable("embedding", Tensor.of(new float[] {1f, 2f, 3f, 4f}, 2, 2));
        Variable b = new Variable("bias", Tensor.of(1f, 2f));
        try (ZeroRedundancyOptimizer zero = ZeroRedundancyOptimizer.builder(alone, adam(null)).build();
             Tensor gw = Tensor.of(new float[] {1f, 1f, 1f, 1f}, 2, 2); Tensor gb = Tensor.of(1f, 1f);
             Tensor wrongShape = Tensor.of(1f, 1f, 1f, 1f)) {
            IndexedSlices rows = new IndexedSlices(Tensor.of(new float[] {1f, 2f}, 1, 2), Tensor.wrap(new long[] {1}, 1), new long[] {2, 2});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> zero.applyGradients(List.of(new GradientAndVariable(gb, b), new GradientAndVariable(rows, w))));
            assertEquals("Variable 'embedding' on rank 0 has a sparse gradient (IndexedSlices); ZeroRedundancyOptimizer sums dense"
                    + " gradients only", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> zero.applyGradients(List.of(new GradientAndVariable(gb, b), new GradientAndVariable(wrongShape, w))));
            assertEquals("Variable 'embedding' on rank 0 has a gradient of dtype float32 and shape [4], expected float32 and [2, 2]"
                    + " (the variable's)", e.getMessage());
            Variable half = new Variable("half", Tensor.wrap(new short[2], DType.BFLOAT16, 2));
            UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class,
                    () -> zero.applyGradients(List.of(new GradientAndVariable(gb, b), new GradientAndVariable(gb, half))));
            assertEquals("Variable 'half' on rank 0 is bfloat16: ZeroRedundancyOptimizer shards float32 and float64 variables"
                    + " (16-bit slots are fine, see slotDtype)", u.getMessage());
            assertArrayEquals(new float[] {1f, 2f}, b.value().toFloatArray(), "nothing written");
            assertEquals(0, zero.getIterations());
            zero.applyGradients(List.of(new GradientAndVariable(gw, w), new GradientAndVariable(gb, b)));
            e = assertThrows(IllegalArgumentException.class, () -> zero.applyGradients(List.of(new GradientAndVariable(gb, b))));
            assertEquals("Rank 0 gave variables [bias]; every step of a ZeroRedundancyOptimizer gives the variables of its build"
                    + " (or first step), in their order: [embedding, bias]", e.getMessage());
            assertEquals(DType.FLOAT32, zero.getSlot(w, "m").dtype());
            assertEquals(4, zero.getSlot(w, "m").size(), "one rank owns the whole variable");
        } finally {
            w.value().close();
            b.value().close();
            alone.close();
        }
    }
}
