package dev.panamax.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.distributed.Collective;
import dev.panamax.distributed.LocalCollective;
import dev.panamax.examples.mnist.MnistTrainer;
import dev.panamax.tensor.Tensor;
import java.io.File;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Serializable;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * Three ranks in three executor JVMs ({@code local-cluster[3,1,1024]}: a master, three workers of one
 * core each, and their executors, all on this machine), one cluster for the class: they train the
 * linear model to the bits of one process, a rank that throws fails the run with its message, and
 * the main job (the MNIST MLP, through {@link MnistTrainer#trainAsWorker}) ends with the bits of
 * three worker threads in one JVM, which {@code MnistWorkersTest} finds equal to {@code --workers 3}
 * on three plain JVMs. The surefire configuration lays out {@code $SPARK_HOME/jars} for the executors.
 */
class LocalClusterTest {

    private static JavaSparkContext spark;

    /** Where a class was loaded from: a jar, or a classes directory. */
    private static String home(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    static void startCluster() throws InterruptedException {
        String sparkHome = System.getenv("SPARK_HOME");
        assertNotNull(sparkHome, "SPARK_HOME is not set: run this test through Maven, which lays out target/spark-home");
        assertTrue(Files.isDirectory(Path.of(sparkHome, "jars")), "no jars directory in SPARK_HOME " + sparkHome);
        // The executors have Spark's jars; Panamax reaches them as this module's classes, its test
        // classes and panamax-core (a jar in a reactor build, or core's classes in an IDE), and the
        // main job with what it uses (EJML, picocli).
        String classPath = Stream.of(SparkTraining.class, Models.class, Tensor.class, MnistTrainer.class, FMatrixRMaj.class,
                        CommonOps_FDRM.class, CommandLine.class)
                .map(LocalClusterTest::home).distinct().collect(Collectors.joining(File.pathSeparator));
        spark = new JavaSparkContext(SparkTrainingTest.conf("local-cluster[" + Models.RANKS + ",1,1024]")
                .set("spark.executor.extraClassPath", classPath)
                // C1 only and the serial collector: three JVMs starting at once on a small machine
                // spend their time starting, not compiling or collecting.
                .set("spark.executor.extraJavaOptions", "-Dpanamax.kernels=scalar -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
                        + " -XX:-UsePerfData")
                .set("spark.executor.memory", "512m"));
        // Spark's slot check counts the executors registered when the job is submitted; the three
        // JVMs take a few seconds to start on a busy machine.
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (spark.sc().statusTracker().getExecutorInfos().length < Models.RANKS + 1 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(Models.RANKS + 1, spark.sc().statusTracker().getExecutorInfos().length, "the driver and three executors");
    }

    @AfterAll
    static void stopCluster() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void threeExecutorJvmsTrainToTheBitsOfOneProcess() throws SparkException {
        JavaRDD<float[]> data = spark.parallelize(Models.examples(), Models.RANKS);
        List<Models.LinearResult> results = SparkTraining.run(data, Duration.ofSeconds(60), Models.LINEAR);

        List<List<float[]>> partitions = data.glom().collect();
        float[][] expected = Models.oneProcessLinear(partitions, 0, 1, 2);
        Set<Long> pids = new HashSet<>();
        for (int r = 0; r < Models.RANKS; r++) {
            Models.LinearResult got = results.get(r);
            assertEquals(r, got.rank());
            assertArrayEquals(expected[0], got.kernel(), "kernel on rank " + r);
            assertArrayEquals(expected[1], got.bias(), "bias on rank " + r);
            assertNotEquals(ProcessHandle.current().pid(), got.pid(), "rank " + r + " ran in an executor, not the driver");
            pids.add(got.pid());
        }
        assertEquals(Models.RANKS, pids.size(), "each rank in its own executor JVM: " + pids);

        // A rank that throws in its own JVM: its exception reaches the driver, long before the timeout.
        long start = System.nanoTime();
        SparkException e = assertThrows(SparkException.class, () -> SparkTraining.run(data, Duration.ofSeconds(60),
                Models.failingAt(1, 3)));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(e.getMessage().contains("Rank 1 of 3: the training function threw java.lang.IllegalStateException: rank 1"
                + " ran out of data at step 3"), e.getMessage());
        assertTrue(millis < 30_000, "the run failed after " + millis + " ms; the ranks' timeout is 60 s");
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void sparseGradientsOnThreeExecutorJvmsEndWithTheBitsOfOneProcess() throws SparkException {
        long[] seeds = {11, 22, 33};
        JavaRDD<Long> data = spark.parallelize(List.of(seeds[0], seeds[1], seeds[2]), Models.RANKS);
        List<float[]> sparse = SparkTraining.run(data, Duration.ofSeconds(60), Models.SPARSE);
        float[] expected = Models.oneProcessSparse(seeds);
        for (int r = 0; r < Models.RANKS; r++) {
            assertArrayEquals(expected, sparse.get(r), "embedding on rank " + r);
        }
        // The comparison can fail: the same rows concatenated in another order end elsewhere.
        assertFalse(Arrays.equals(expected, Models.oneProcessSparse(seeds[2], seeds[1], seeds[0])),
                "the order of the rows made no difference to this model");
    }

    /** 628 digits, batches of 50 (the last of 2), dropout and L2: as MnistWorkersTest. */
    private static final String[] MNIST = {"--epochs", "1", "--limit", "628", "--batch-size", "50", "--dropout", "0.2",
        "--l2", "0.0001", "--threads", "1", "--hidden", "32"};

    /** What a rank returns: worker 0's losses and accuracies, nothing from the others. */
    record MnistResult(int rank, double initialEvalLoss, double[] trainLoss, double[] evalLoss, double[] evalAccuracy)
            implements Serializable {
    }

    private static MnistResult trainMnist(Collective group) throws Exception {
        List<MnistTrainer.Run> runs = MnistTrainer.trainAsWorker(group, new PrintWriter(OutputStream.nullOutputStream()), MNIST);
        if (runs.isEmpty()) {
            return new MnistResult(group.rank(), Double.NaN, null, null, null);
        }
        MnistTrainer.Run run = runs.get(0);
        return new MnistResult(group.rank(), run.initialEvalLoss(), run.trainLoss(), run.evalLoss(), run.evalAccuracy());
    }

    @Test
    @Timeout(value = 150, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theMainJobOnThreeExecutorJvmsEndsWithTheBitsOfThreeWorkerThreads() throws Exception {
        // Each rank loads the digits itself: the RDD only says how many ranks there are.
        JavaRDD<Integer> ranks = spark.parallelize(List.of(0, 1, 2), Models.RANKS);
        MnistResult onSpark = SparkTraining.run(ranks, Duration.ofSeconds(90), (group, partition) -> trainMnist(group)).get(0);

        List<Collective> group = LocalCollective.group(Models.RANKS, Duration.ofSeconds(60));
        ExecutorService pool = Executors.newFixedThreadPool(Models.RANKS);
        MnistResult threads;
        try {
            List<Future<MnistResult>> results = new ArrayList<>();
            for (Collective worker : group) {
                results.add(pool.submit(() -> trainMnist(worker)));
            }
            threads = results.get(0).get(120, TimeUnit.SECONDS);
            for (Future<MnistResult> f : results) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            group.forEach(Collective::close);
        }
        assertEquals(0, onSpark.rank());
        assertTrue(onSpark.evalLoss()[0] < onSpark.initialEvalLoss(), "the model learned");
        assertEquals(threads.initialEvalLoss(), onSpark.initialEvalLoss());
        assertArrayEquals(threads.trainLoss(), onSpark.trainLoss(), "training loss per epoch");
        assertArrayEquals(threads.evalLoss(), onSpark.evalLoss(), "evaluation loss per epoch");
        assertArrayEquals(threads.evalAccuracy(), onSpark.evalAccuracy(), "evaluation accuracy per epoch");
    }
}
