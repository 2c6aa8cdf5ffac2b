package dev.panamax.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class LocalCollectiveTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final long CHUNK = ChunkedExecutor.CHUNK;
    private static final long[] SIZES = {0, 1, 5, CHUNK - 1, CHUNK, 3 * CHUNK + 7};

    /** Runs {@code task} on every rank of the group, each on its own thread; each rank's result or exception. */
    static List<Object> onRanks(List<Collective> group, Function<Collective, Object> task) {
        ExecutorService threads = Executors.newFixedThreadPool(group.size());
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (Collective c : group) {
                futures.add(threads.submit(() -> task.apply(c)));
            }
            List<Object> results = new ArrayList<>();
            for (Future<Object> f : futures) {
                try {
                    results.add(f.get(50, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    results.add(e.getCause());
                } catch (Exception e) {
                    throw new AssertionError("a rank did not finish", e);
                }
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }

    /** Values of every magnitude, so that the order of the additions shows in the bits. */
    private static double[] values(long n, int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextDouble(-1, 1) * Math.pow(2, random.nextInt(-30, 30));
        }
        return v;
    }

    /** Rank r's tensor: off-heap for even ranks, a wrapped Java array for odd ones. */
    private static Tensor tensor(DType dtype, double[] v, int rank) {
        if (dtype == DType.FLOAT32) {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            return rank % 2 == 0 ? Tensor.of(f, v.length) : Tensor.wrap(f, v.length);
        }
        return rank % 2 == 0 ? Tensor.of(v.clone(), v.length) : Tensor.wrap(v.clone(), v.length);
    }

    /** ((x0 + x1) + x2) ... in the dtype, the oracle. */
    private static double[] rankOrderSum(DType dtype, double[][] inputs) {
        double[] sum = new double[inputs[0].length];
        for (int i = 0; i < sum.length; i++) {
            if (dtype == DType.FLOAT32) {
                float s = (float) inputs[0][i];
                for (int r = 1; r < inputs.length; r++) {
                    s += (float) inputs[r][i];
                }
                sum[i] = s;
            } else {
                double s = inputs[0][i];
                for (int r = 1; r < inputs.length; r++) {
                    s += inputs[r][i];
                }
                sum[i] = s;
            }
        }
        return sum;
    }

    private static void assertBits(double[] expected, Tensor actual, String what) {
        double[] a = actual.toDoubleArray();
        assertEquals(expected.length, a.length, what);
        for (int i = 0; i < a.length; i++) {
            if (Double.doubleToRawLongBits(expected[i]) != Double.doubleToRawLongBits(a[i])) {
                throw new AssertionError(what + ": element " + i + " is " + a[i] + ", expected " + expected[i]);
            }
        }
    }

    @Test
    void allReduceSumIsTheRankOrderSumOnEveryRank() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (long n : SIZES) {
                int size = 3;
                double[][] inputs = new double[size][];
                Tensor[] tensors = new Tensor[size];
                for (int r = 0; r < size; r++) {
                    inputs[r] = values(n, r);
                    tensors[r] = tensor(dtype, inputs[r], r);
                }
                double[] expected = rankOrderSum(dtype, inputs);
                List<Object> results = onRanks(LocalCollective.group(size, TIMEOUT), c -> {
                    c.allReduceSum(tensors[c.rank()]);
                    return "done";
                });
                for (int r = 0; r < size; r++) {
                    assertEquals("done", results.get(r), String.valueOf(results.get(r)));
                    assertBits(expected, tensors[r], dtype + " " + n + " elements, rank " + r);
                    tensors[r].close();
                }
            }
        }
    }

    @Test
    void theOrderOfTheRanksShowsInTheBits() {
        // The oracle is sensitive: adding the same three tensors in another order changes some bits.
        double[][] inputs = {values(3 * CHUNK, 0), values(3 * CHUNK, 1), values(3 * CHUNK, 2)};
        double[] forward = rankOrderSum(DType.FLOAT32, inputs);
        double[] backward = rankOrderSum(DType.FLOAT32, new double[][] {inputs[2], inputs[1], inputs[0]});
        int differ = 0;
        for (int i = 0; i < forward.length; i++) {
            differ += forward[i] != backward[i] ? 1 : 0;
        }
        assertTrue(differ > 0, "no element depends on the order");
    }

    @Test
    void reduceScatterSumLeavesTheSumInEachRanksShardAndTheRestAsItWas() {
        int size = 3;
        long n = 5 * CHUNK + 3;
        double[][] inputs = new double[size][];
        Tensor[] tensors = new Tensor[size];
        for (int r = 0; r < size; r++) {
            inputs[r] = values(n, 10 + r);
            tensors[r] = tensor(DType.FLOAT32, inputs[r], r);
        }
        double[] sum = rankOrderSum(DType.FLOAT32, inputs);
        onRanks(LocalCollective.group(size, TIMEOUT), c -> {
            c.reduceScatterSum(tensors[c.rank()]);
            return null;
        });
        for (int r = 0; r < size; r++) {
            Shards.Shard shard = Shards.of(n, r, size);
            double[] expected = rankOrderSum(DType.FLOAT32, new double[][] {inputs[r]});
            System.arraycopy(sum, (int) shard.from(), expected, (int) shard.from(), (int) shard.size());
            assertBits(expected, tensors[r], "rank " + r);
            tensors[r].close();
        }
    }

    @Test
    void allGatherAndBroadcastCopyTheOwnersValues() {
        int size = 3;
        long n = 4 * CHUNK + 1;
        double[][] inputs = new double[size][];
        Tensor[] tensors = new Tensor[size];
        double[] gathered = new double[(int) n];
        for (int r = 0; r < size; r++) {
            inputs[r] = values(n, 20 + r);
            tensors[r] = tensor(DType.FLOAT64, inputs[r], r);
            Shards.Shard shard = Shards.of(n, r, size);
            System.arraycopy(inputs[r], (int) shard.from(), gathered, (int) shard.from(), (int) shard.size());
        }
        List<Collective> group = LocalCollective.group(size, TIMEOUT);
        onRanks(group, c -> {
            c.allGather(tensors[c.rank()]);
            return null;
        });
        for (int r = 0; r < size; r++) {
            assertBits(gathered, tensors[r], "gathered on rank " + r);
            tensors[r].fill(r);
        }
        onRanks(group, c -> {
            c.broadcast(tensors[c.rank()], 1);
            c.barrier();
            return null;
        });
        double[] ones = new double[(int) n];
        Arrays.fill(ones, 1);
        for (int r = 0; r < size; r++) {
            assertArrayEquals(ones, tensors[r].toDoubleArray(), "rank 1's ones on rank " + r);
            tensors[r].close();
        }
    }

    @Test
    void mismatchedTensorsAreRefusedOnEveryRankAndNothingIsWritten() {
        Tensor[] tensors = {Tensor.full(DType.FLOAT32, 1, 4, 3), Tensor.full(DType.FLOAT32, 2, 3, 4),
                Tensor.full(DType.FLOAT32, 3, 4, 3)};
        List<Collective> group = LocalCollective.group(3, TIMEOUT);
        List<Object> results = onRanks(group, c -> {
            c.allReduceSum(tensors[c.rank()]);
            return "done";
        });
        for (int r = 0; r < 3; r++) {
            IllegalArgumentException e = assertInstanceOf(IllegalArgumentException.class, results.get(r));
            assertEquals("allReduceSum: rank 1's tensor is float32 [3, 4] but rank 0's is float32 [4, 3]; every rank must "
                    + "pass the same dtype and shape", e.getMessage());
            double[] expected = new double[12];
            Arrays.fill(expected, r + 1);
            assertArrayEquals(expected, tensors[r].toDoubleArray(), "rank " + r + "'s tensor is untouched");
        }
        // The group is still usable after a refused call.
        Tensor[] good = {Tensor.full(DType.FLOAT64, 1, 2), Tensor.full(DType.FLOAT64, 2, 2), Tensor.full(DType.FLOAT64, 4, 2)};
        onRanks(group, c -> {
            c.allReduceSum(good[c.rank()]);
            return null;
        });
        assertArrayEquals(new double[] {7, 7}, good[2].toDoubleArray());
    }

    @Test
    void differentOperationsAtOnceAreNamed() {
        Tensor[] tensors = {Tensor.zeros(DType.FLOAT32, 3), Tensor.zeros(DType.FLOAT32, 3)};
        List<Object> results = onRanks(LocalCollective.group(2, TIMEOUT), c -> {
            if (c.rank() == 0) {
                c.allReduceSum(tensors[0]);
            } else {
                c.allGather(tensors[1]);
            }
            return "done";
        });
        for (Object result : results) {
            assertEquals("The ranks called different operations at once: rank 0 allReduceSum, rank 1 allGather",
                    assertInstanceOf(IllegalArgumentException.class, result).getMessage());
        }
    }

    @Test
    void aRankThatNeverComesBreaksTheGroupWithinTheTimeoutAndIsNamed() {
        List<Collective> group = LocalCollective.group(3, Duration.ofMillis(300));
        Tensor[] tensors = {Tensor.zeros(DType.FLOAT32, 8), Tensor.zeros(DType.FLOAT32, 8), Tensor.zeros(DType.FLOAT32, 8)};
        long start = System.nanoTime();
        List<Object> results = onRanks(group.subList(0, 2), c -> {
            c.allReduceSum(tensors[c.rank()]);
            return "done";
        });
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 10_000, "gave up after " + millis + " ms");
        for (Object result : results) {
            CollectiveException e = assertInstanceOf(CollectiveException.class, result);
            assertTrue(e.getMessage().endsWith("rank 2 did not reach allReduceSum within 300 ms"), e.getMessage());
        }
        CollectiveException later = assertThrows(CollectiveException.class, () -> group.get(2).allReduceSum(tensors[2]));
        assertEquals("Rank 2 cannot run allReduceSum: the group is broken (rank 2 did not reach allReduceSum within 300 ms)",
                later.getMessage());
    }

    @Test
    void aRankThatLeavesReleasesTheWaitingOnes() {
        List<Collective> group = LocalCollective.group(3, TIMEOUT);
        long start = System.nanoTime();
        List<Object> results = onRanks(group, c -> {
            if (c.rank() == 2) {
                sleep(200);
                c.close();
                return "closed";
            }
            c.barrier();
            return "done";
        });
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < TIMEOUT.toMillis(), "released after " + millis + " ms, not at the timeout");
        for (int r = 0; r < 2; r++) {
            CollectiveException e = assertInstanceOf(CollectiveException.class, results.get(r));
            assertEquals("Rank " + r + " could not finish barrier: rank 2 closed the group", e.getMessage());
        }
    }

    @Test
    void badArgumentsAreNamed() {
        assertEquals("A group has at least 1 rank, got 0",
                assertThrows(IllegalArgumentException.class, () -> LocalCollective.group(0, TIMEOUT)).getMessage());
        assertEquals("Timeout must be positive, got PT0S",
                assertThrows(IllegalArgumentException.class, () -> LocalCollective.group(2, Duration.ZERO)).getMessage());
        Collective one = LocalCollective.group(1, TIMEOUT).get(0);
        assertEquals("Broadcast root must be a rank in [0, 1), got 1",
                assertThrows(IllegalArgumentException.class, () -> one.broadcast(Tensor.zeros(DType.FLOAT32, 1), 1)).getMessage());
        assertEquals("allReduceSum: rank 0 passed no tensor (null)",
                assertThrows(IllegalArgumentException.class, () -> one.allReduceSum(null)).getMessage());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
