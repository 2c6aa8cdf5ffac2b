package dev.panamax.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.distributed.Shards;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three ranks in {@code local[3]} (three task threads of one JVM, each with its own TCP endpoint)
 * train as one process would, fail as a group, and are refused when the slots are too few.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SparkTrainingTest {

    private static JavaSparkContext spark;

    @BeforeAll
    static void start() {
        spark = new JavaSparkContext(conf("local[" + Models.RANKS + "]"));
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** A small, quiet Spark on the loopback interface, whose slot check fails at once rather than after 40 x 15 s. */
    static SparkConf conf(String master) {
        return new SparkConf().setMaster(master).setAppName("panamax-spark-test")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.ui.enabled", "false")
                .set("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "1")
                .set("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s");
    }

    @Test
    void threeRanksTrainALinearModelToTheBitsOfOneProcessAddingTheirGradientsInRankOrder() throws SparkException {
        JavaRDD<float[]> data = spark.parallelize(Models.examples(), Models.RANKS);
        List<Models.LinearResult> results = SparkTraining.run(data, Duration.ofSeconds(30), Models.LINEAR);

        List<List<float[]>> partitions = data.glom().collect();
        float[][] expected = Models.oneProcessLinear(partitions, 0, 1, 2);
        assertEquals(Models.RANKS, results.size());
        for (int r = 0; r < Models.RANKS; r++) {
            Models.LinearResult got = results.get(r);
            assertEquals(r, got.rank(), "results come in rank order");
            assertEquals(Models.RANKS, got.size());
            assertArrayEquals(partitions.get(r).get(0), got.firstExample(), "rank " + r + " trained on partition " + r);
            assertArrayEquals(expected[0], got.kernel(), "kernel on rank " + r);
            assertArrayEquals(expected[1], got.bias(), "bias on rank " + r);
        }
        // The comparison can fail: the same gradients added in another order end elsewhere.
        float[][] reversed = Models.oneProcessLinear(partitions, 2, 1, 0);
        assertFalse(Arrays.equals(expected[0], reversed[0]) && Arrays.equals(expected[1], reversed[1]),
                "the order of the sums made no difference to this model");
    }

    @Test
    void threeRanksShardAdamOverABigVariableToTheBitsOfOneProcess() throws SparkException {
        long[] seeds = {11, 22, 33};
        JavaRDD<Long> data = spark.parallelize(Arrays.asList(seeds[0], seeds[1], seeds[2]), Models.RANKS);
        List<Models.ShardedResult> results = SparkTraining.run(data, Duration.ofSeconds(30), Models.SHARDED);

        float[] expected = Models.oneProcessSharded(seeds);
        long size = Models.BIG[0] * Models.BIG[1];
        for (int r = 0; r < Models.RANKS; r++) {
            Models.ShardedResult got = results.get(r);
            assertEquals(r, got.rank());
            assertArrayEquals(expected, got.weights(), "weights on rank " + r);
            // Every rank keeps the slots of its own shard only, and every shard is non-empty.
            assertEquals(Shards.of(size, r, Models.RANKS).size(), got.slotElements(), "rank " + r + "'s slot 'm'");
            assertTrue(got.slotElements() > 0, "rank " + r + " owns a shard");
        }
        assertFalse(Arrays.equals(expected, Models.oneProcessSharded(seeds[2], seeds[1], seeds[0])),
                "the order of the sums made no difference to this model");
    }

    @Test
    void aRankThatThrowsFailsTheRunNamingItLongBeforeTheTimeout() throws Exception {
        Models.SURVIVORS_SAW.clear();
        JavaRDD<float[]> data = spark.parallelize(Models.examples(), Models.RANKS);
        Duration timeout = Duration.ofSeconds(40);
        long start = System.nanoTime();
        SparkException e = assertThrows(SparkException.class, () -> SparkTraining.run(data, timeout, Models.failingAt(1, 3)));
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertTrue(e.getMessage().contains("Rank 1 of 3: the training function threw java.lang.IllegalStateException: rank 1 ran out"
                + " of data at step 3"), e.getMessage());
        assertTrue(millis < timeout.toMillis() / 2, "the run failed after " + millis + " ms; the ranks' timeout is " + timeout);
        // The survivors' next collective call failed at once, naming the rank that left.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Models.SURVIVORS_SAW.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        for (int r : new int[] {0, 2}) {
            String saw = Models.SURVIVORS_SAW.get(r);
            assertTrue(saw != null && saw.startsWith("Rank " + r + " could not finish allReduceSum") && saw.contains("rank 1"),
                    "rank " + r + " saw: " + saw);
        }
        // The context is usable afterwards: the failed stage's tasks have all ended.
        assertEquals(Models.RANKS, SparkTraining.run(data, Duration.ofSeconds(30), Models.LINEAR).size());
    }

    @Test
    void aRunResumedFromItsCheckpointEndsWithTheBitsOfARunThatNeverFailed(@TempDir Path directory) throws Exception {
        JavaRDD<float[]> data = spark.parallelize(Models.examples(), Models.RANKS);
        String dir = directory.toString();
        SparkException e = assertThrows(SparkException.class, () -> SparkTraining.run(data, Duration.ofSeconds(30),
                Models.resumable(dir, 1, 13)));
        assertTrue(e.getMessage().contains("rank 1 crashed at step 13"), e.getMessage());
        // Rank 0 saved after steps 5 and 10; the stage failed before step 15.
        try (Tensor w = Tensor.zeros(DType.FLOAT32, Models.IN, Models.OUT); Tensor b = Tensor.zeros(DType.FLOAT32, Models.OUT)) {
            assertEquals(10, Models.readWeights(directory.resolve("weights.bin"), new Variable("w", w), new Variable("b", b)));
        }

        List<Models.ResumedResult> results = SparkTraining.run(data, Duration.ofSeconds(30), Models.resumable(dir, -1, -1));
        float[][] expected = Models.oneProcessLinear(data.glom().collect(), 0, 1, 2);
        for (int r = 0; r < Models.RANKS; r++) {
            assertEquals(10, results.get(r).startStep(), "rank " + r + " resumed at the checkpoint");
            assertArrayEquals(expected[0], results.get(r).kernel(), "kernel on rank " + r);
            assertArrayEquals(expected[1], results.get(r).bias(), "bias on rank " + r);
        }
    }

    @Test
    void moreRanksThanSlotsIsRefusedBySpark() {
        JavaRDD<float[]> data = spark.parallelize(Models.examples(), Models.RANKS + 1);
        // Spark's own check, before any task starts (a BarrierJobSlotsNumberCheckFailed).
        SparkException e = assertThrows(SparkException.class, () -> SparkTraining.run(data, Duration.ofSeconds(30), Models.LINEAR));
        assertTrue(e.getMessage().contains("SPARK-24819") && e.getMessage().contains("slots"), e.getMessage());
    }

    @Test
    void badArgumentsAreRefusedOnTheDriver() {
        JavaRDD<float[]> data = spark.parallelize(Models.examples(), Models.RANKS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkTraining.run(spark.<float[]>emptyRDD(), Models.LINEAR));
        assertEquals("SparkTraining needs an RDD with at least one partition (one per rank), got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SparkTraining.run(data, Duration.ZERO, Models.LINEAR));
        assertEquals("Timeout must be positive, got PT0S", e.getMessage());
        NullPointerException n = assertThrows(NullPointerException.class, () -> SparkTraining.run(data, null));
        assertEquals("function", n.getMessage());
        n = assertThrows(NullPointerException.class, () -> SparkTraining.run(null, Models.LINEAR));
        assertEquals("data", n.getMessage());
    }
}
