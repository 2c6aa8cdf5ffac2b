package dev.panamax.spark;

import dev.panamax.distributed.AllReduceGradients;
import dev.panamax.distributed.Collective;
import dev.panamax.distributed.CollectiveException;
import dev.panamax.distributed.ZeroRedundancyOptimizer;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.IndexedSlices;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models the Spark tests train, on the executors through {@link SparkTraining} and in one
 * process on the driver. No JUnit in here: this class (and the functions it makes) is loaded by
 * executors whose class path has the test classes but not the test framework.
 */
final class Models {

    static final int RANKS = 3;

    /** The functions the tests run, made here so that their lambdas' class is this one, not a test class. */
    static final RankFunction<float[], LinearResult> LINEAR = Models::trainLinear;
    static final RankFunction<Long, ShardedResult> SHARDED = Models::trainSharded;
    static final RankFunction<Long, float[]> SPARSE = Models::trainSparse;

    private Models() {
    }

    // ---- a rank that fails -----------------------------------------------------------------------

    /** What each surviving rank's collective said when the failing rank left (local mode: one JVM). */
    static final Map<Integer, String> SURVIVORS_SAW = new ConcurrentHashMap<>();

    /**
     * The linear model, but rank {@code failing} throws before step {@code step}; the others record
     * the {@link CollectiveException} their next step gets, and rethrow it.
     */
    static RankFunction<float[], LinearResult> failingAt(int failing, int step) {
        return (collective, partition) -> linear(collective, partition, failing, step);
    }

    // ---- a linear model, Adam with clipnorm, AllReduceGradients --------------------------------

    static final int IN = 5;
    static final int OUT = 3;
    static final int PER_RANK = 4;
    static final int STEPS = 20;

    /**
     * The training set: {@code STEPS * PER_RANK} examples for each rank, IN inputs then OUT targets,
     * of magnitudes from 2^-8 to 2^7, so that the order in which gradients are added shows in the bits.
     */
    static List<float[]> examples() {
        SplittableRandom random = new SplittableRandom(2026);
        List<float[]> examples = new ArrayList<>();
        for (int e = 0; e < RANKS * STEPS * PER_RANK; e++) {
            float[] x = new float[IN + OUT];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (random.nextDouble(-1, 1) * Math.scalb(1.0, random.nextInt(-8, 8)));
            }
            examples.add(x);
        }
        return examples;
    }

    /** What a rank of the linear model sends back: its weights, and where and on what it ran. */
    record LinearResult(float[] kernel, float[] bias, int rank, int size, float[] firstExample, long pid) implements Serializable {
    }

    /**
     * The gradients of the mean squared error over the global batch ({@code RANKS * PER_RANK}
     * examples; this rank's loss is scaled by one over that, as TF2's strategies do) on
     * {@code batch}: {kernel [IN, OUT], bias [OUT]}.
     */
    static float[][] gradients(float[] w, float[] b, List<float[]> batch) {
        float[] gw = new float[IN * OUT];
        float[] gb = new float[OUT];
        float scale = 1f / (RANKS * PER_RANK);
        float[] error = new float[OUT];
        for (float[] x : batch) {
            // Forward: error_j = (b_j + sum_i x_i w_ij - target_j) / global batch
            for (int j = 0; j < OUT; j++) {
                float prediction = b[j];
                for (int i = 0; i < IN; i++) {
                    prediction += x[i] * w[i * OUT + j];
                }
                error[j] = (prediction - x[IN + j]) * scale;
            }
            // Backward: the kernel's gradient is the outer product x error, the bias's is error.
            for (int i = 0; i < IN; i++) {
                for (int j = 0; j < OUT; j++) {
                    gw[i * OUT + j] += x[i] * error[j];
                }
            }
            for (int j = 0; j < OUT; j++) {
                gb[j] += error[j];
            }
        }
        return new float[][] {gw, gb};
    }

    private static Variable kernel() {
        float[] w = new float[IN * OUT];
        for (int i = 0; i < w.length; i++) {
            w[i] = (i % 5 - 2) * 0.15f;
        }
        return new Variable("dense/kernel", Tensor.of(w, IN, OUT));
    }

    private static Variable bias() {
        return new Variable("dense/bias", Tensor.zeros(DType.FLOAT32, OUT));
    }

    private static Adam.Builder adam() {
        return Adam.builder().learningRate(0.05).clipnorm(0.5);
    }

    private static void step(Optimizer optimizer, Variable w, Variable b, float[][] g) {
        try (Tensor gw = Tensor.of(g[0], IN, OUT); Tensor gb = Tensor.of(g[1], OUT)) {
            optimizer.applyGradients(List.of(new GradientAndVariable(gw, w), new GradientAndVariable(gb, b)));
        }
    }

    /** One rank: step s trains on examples [s * PER_RANK, (s + 1) * PER_RANK) of its partition. */
    static LinearResult trainLinear(Collective collective, Iterator<float[]> partition) throws InterruptedException {
        return linear(collective, partition, -1, -1);
    }

    /** {@link #trainLinear}, where rank {@code failing} throws before step {@code failAt} (-1: none). */
    private static LinearResult linear(Collective collective, Iterator<float[]> partition, int failing, int failAt)
            throws InterruptedException {
        List<float[]> mine = new ArrayList<>();
        partition.forEachRemaining(mine::add);
        Variable w = kernel();
        Variable b = bias();
        try (Adam adam = adam().gradientAggregator(new AllReduceGradients(collective)).build()) {
            for (int s = 0; s < STEPS; s++) {
                if (collective.rank() == failing && s == failAt) {
                    // Long enough for the others to be waiting in this step's sum, whose failure they record.
                    Thread.sleep(300);
                    throw new IllegalStateException("rank " + failing + " ran out of data at step " + failAt);
                }
                try {
                    step(adam, w, b, gradients(w.value().toFloatArray(), b.value().toFloatArray(),
                            mine.subList(s * PER_RANK, (s + 1) * PER_RANK)));
                } catch (CollectiveException e) {
                    SURVIVORS_SAW.put(collective.rank(), e.getMessage());
                    throw e;
                }
            }
            return new LinearResult(w.value().toFloatArray(), b.value().toFloatArray(), collective.rank(), collective.size(),
                    mine.get(0), ProcessHandle.current().pid());
        } finally {
            w.value().close();
            b.value().close();
        }
    }

    /** One process: the ranks' gradients on their partitions, added in {@code order}, then the same step. */
    static float[][] oneProcessLinear(List<List<float[]>> partitions, int... order) {
        Variable w = kernel();
        Variable b = bias();
        try (Adam adam = adam().build()) {
            for (int s = 0; s < STEPS; s++) {
                float[] kw = w.value().toFloatArray();
                float[] kb = b.value().toFloatArray();
                float[][] sum = null;
                for (int r : order) {
                    float[][] g = gradients(kw, kb, partitions.get(r).subList(s * PER_RANK, (s + 1) * PER_RANK));
                    if (sum == null) {
                        sum = g;
                    } else {
                        for (int v = 0; v < 2; v++) {
                            for (int i = 0; i < g[v].length; i++) {
                                sum[v][i] += g[v][i];
                            }
                        }
                    }
                }
                step(adam, w, b, sum);
            }
            return new float[][] {w.value().toFloatArray(), b.value().toFloatArray()};
        } finally {
            w.value().close();
            b.value().close();
        }
    }

    // ---- a run that fails, and one that resumes from its checkpoint ----------------------------

    /** What a rank of a resumable run sends back: its weights, and the step it started from. */
    record ResumedResult(float[] kernel, float[] bias, int startStep) implements Serializable {
    }

    /** How often rank 0 saves the model's weights and the optimizer's state. */
    static final int CHECKPOINT_EVERY = 5;

    /**
     * The linear model, resumed from the checkpoint in {@code directory} when there is one, saved
     * there by rank 0 every {@link #CHECKPOINT_EVERY} steps; rank {@code failing} throws before step
     * {@code failAt} (-1: no rank fails). The directory is a String: a Path is not serializable.
     */
    static RankFunction<float[], ResumedResult> resumable(String directory, int failing, int failAt) {
        return (collective, partition) -> {
            List<float[]> mine = new ArrayList<>();
            partition.forEachRemaining(mine::add);
            Path dir = Path.of(directory);
            Path weights = dir.resolve("weights.bin");
            Path state = dir.resolve("adam.safetensors");
            Variable w = kernel();
            Variable b = bias();
            try (Adam adam = adam().gradientAggregator(new AllReduceGradients(collective)).build()) {
                int start = 0;
                if (Files.exists(weights)) {
                    start = readWeights(weights, w, b);
                    adam.build(List.of(w, b));
                    adam.load(state);
                    if (adam.getIterations() != start) {
                        throw new IllegalStateException("the weights are of step " + start + ", the optimizer of " + adam.getIterations());
                    }
                }
                for (int s = start; s < STEPS; s++) {
                    if (collective.rank() == failing && s == failAt) {
                        throw new IllegalStateException("rank " + failing + " crashed at step " + s);
                    }
                    step(adam, w, b, gradients(w.value().toFloatArray(), b.value().toFloatArray(),
                            mine.subList(s * PER_RANK, (s + 1) * PER_RANK)));
                    if (collective.rank() == 0 && (s + 1) % CHECKPOINT_EVERY == 0) {
                        // The optimizer's file first: a crash between the two leaves weights of an
                        // older step beside it, which the check above refuses.
                        adam.save(state);
                        writeWeights(weights, s + 1, w, b);
                    }
                }
                return new ResumedResult(w.value().toFloatArray(), b.value().toFloatArray(), start);
            } finally {
                w.value().close();
                b.value().close();
            }
        };
    }

    /** The step, then the kernel's and the bias's floats; replaced atomically. */
    private static void writeWeights(Path file, int step, Variable w, Variable b) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(temporary))) {
            out.writeInt(step);
            for (Variable v : List.of(w, b)) {
                for (float f : v.value().toFloatArray()) {
                    out.writeFloat(f);
                }
            }
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Reads {@link #writeWeights}'s file into {@code w} and {@code b}; returns its step. */
    static int readWeights(Path file, Variable w, Variable b) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            int step = in.readInt();
            for (Variable v : List.of(w, b)) {
                float[] values = new float[(int) v.value().size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = in.readFloat();
                }
                try (Tensor t = Tensor.of(values, v.value().shape())) {
                    v.value().copyFrom(t);
                }
            }
            return step;
        }
    }

    // ---- a big variable, ZeroRedundancyOptimizer(Adam) with clipnorm ---------------------------

    /** 4 x 49,153 = 196,612 elements: a little over three chunks of 65,536, so every rank owns a shard. */
    static final long[] BIG = {4, 49_153};
    static final int ZERO_STEPS = 6;

    /** What a rank of the sharded model sends back: its weights and the size of its slot "m". */
    record ShardedResult(float[] weights, long slotElements, int rank) implements Serializable {
    }

    private static Variable big() {
        float[] w = new float[(int) (BIG[0] * BIG[1])];
        for (int i = 0; i < w.length; i++) {
            w[i] = ((i * 31) % 17 - 8) * 0.03f;
        }
        return new Variable("big/kernel", Tensor.of(w, BIG));
    }

    /**
     * The gradient that the rank seeded {@code seed} computes at step {@code s}: a pull towards
     * zero plus noise whose magnitude spans 2^-9 to 2^2, from a per-element hash.
     */
    static float[] bigGradient(float[] w, int step, long seed) {
        float[] g = new float[w.length];
        for (int i = 0; i < g.length; i++) {
            long h = (i + 1L) * 0x9E3779B97F4A7C15L ^ (step + 1L) * 0xBF58476D1CE4E5B9L ^ seed * 0x94D049BB133111EBL;
            h ^= h >>> 31;
            h *= 0xD6E8FEB86659FD93L;
            h ^= h >>> 32;
            float noise = ((h & 0xFFFF) / 65536f - 0.5f) * (float) Math.scalb(1.0, (int) ((h >>> 16) & 0xF) % 12 - 9);
            g[i] = 0.2f * w[i] + noise;
        }
        return g;
    }

    private static Adam.Builder zeroAdam() {
        return Adam.builder().learningRate(0.01);
    }

    /** The big variable's norm is about 60: a clipnorm of 3 clips every step's sum. */
    private static final double ZERO_CLIPNORM = 3.0;

    /** One rank: its partition holds one number, the seed of its gradients. */
    static ShardedResult trainSharded(Collective collective, Iterator<Long> partition) {
        long seed = partition.next();
        Variable w = big();
        try (ZeroRedundancyOptimizer zero = ZeroRedundancyOptimizer.builder(collective, zeroAdam().build()).clipnorm(ZERO_CLIPNORM).build()) {
            for (int s = 0; s < ZERO_STEPS; s++) {
                try (Tensor g = Tensor.of(bigGradient(w.value().toFloatArray(), s, seed), BIG)) {
                    zero.applyGradients(List.of(new GradientAndVariable(g, w)));
                }
            }
            return new ShardedResult(w.value().toFloatArray(), zero.getSlot(w, "m").size(), collective.rank());
        } finally {
            w.value().close();
        }
    }

    /** One process: the gradients of the ranks seeded {@code seeds}, added in that order, then Adam with the clipnorm. */
    static float[] oneProcessSharded(long... seeds) {
        Variable w = big();
        try (Adam adam = zeroAdam().clipnorm(ZERO_CLIPNORM).build()) {
            for (int s = 0; s < ZERO_STEPS; s++) {
                float[] now = w.value().toFloatArray();
                float[] sum = bigGradient(now, s, seeds[0]);
                for (int k = 1; k < seeds.length; k++) {
                    float[] g = bigGradient(now, s, seeds[k]);
                    for (int i = 0; i < sum.length; i++) {
                        sum[i] += g[i];
                    }
                }
                try (Tensor g = Tensor.of(sum, BIG)) {
                    adam.applyGradients(List.of(new GradientAndVariable(g, w)));
                }
            }
            return w.value().toFloatArray();
        } finally {
            w.value().close();
        }
    }

    // ---- an embedding with sparse gradients, the linear model's Adam (with clipnorm) -------------

    static final int VOCABULARY = 40;
    static final int WIDTH = 3;
    static final int SPARSE_STEPS = 8;

    /**
     * The sparse gradient that the rank seeded {@code seed} computes at step {@code s}: a few rows of
     * every magnitude, their indices drawn from 8 so that rows repeat within and across ranks.
     */
    static IndexedSlices rows(int step, long seed) {
        SplittableRandom random = new SplittableRandom(step * 1000L + seed);
        int count = 3 + (int) (seed % 4);
        long[] indices = new long[count];
        float[] values = new float[count * WIDTH];
        for (int i = 0; i < count; i++) {
            indices[i] = random.nextInt(8);
            for (int j = 0; j < WIDTH; j++) {
                values[i * WIDTH + j] = (float) (random.nextDouble(-1, 1) * Math.pow(2, random.nextInt(-10, 4)));
            }
        }
        return new IndexedSlices(Tensor.of(values, count, WIDTH), Tensor.wrap(indices, count), VOCABULARY, WIDTH);
    }

    private static Variable embedding() {
        return new Variable("embedding", Tensor.full(DType.FLOAT32, 0.25, VOCABULARY, WIDTH));
    }

    /** One rank: its partition holds one number, the seed of its sparse gradients. */
    static float[] trainSparse(Collective collective, Iterator<Long> partition) {
        long seed = partition.next();
        Variable table = embedding();
        try (Adam adam = adam().gradientAggregator(new AllReduceGradients(collective)).build()) {
            for (int s = 0; s < SPARSE_STEPS; s++) {
                adam.applyGradients(List.of(new GradientAndVariable(rows(s, seed), table)));
            }
            return table.value().toFloatArray();
        } finally {
            table.value().close();
        }
    }

    /** One process: the sparse gradients of the ranks seeded {@code seeds}, concatenated in that order (TF's sum). */
    static float[] oneProcessSparse(long... seeds) {
        Variable table = embedding();
        try (Adam adam = adam().build()) {
            for (int s = 0; s < SPARSE_STEPS; s++) {
                List<float[]> values = new ArrayList<>();
                List<Long> indices = new ArrayList<>();
                for (long seed : seeds) {
                    IndexedSlices g = rows(s, seed);
                    values.add(g.values().toFloatArray());
                    for (long i = 0; i < g.indices().size(); i++) {
                        indices.add((long) g.indices().getDouble(i));
                    }
                }
                float[] v = new float[indices.size() * WIDTH];
                int at = 0;
                for (float[] part : values) {
                    System.arraycopy(part, 0, v, at, part.length);
                    at += part.length;
                }
                long[] idx = indices.stream().mapToLong(Long::longValue).toArray();
                IndexedSlices all = new IndexedSlices(Tensor.of(v, idx.length, WIDTH), Tensor.wrap(idx, idx.length), VOCABULARY, WIDTH);
                adam.applyGradients(List.of(new GradientAndVariable(all, table)));
            }
            return table.value().toFloatArray();
        } finally {
            table.value().close();
        }
    }
}
