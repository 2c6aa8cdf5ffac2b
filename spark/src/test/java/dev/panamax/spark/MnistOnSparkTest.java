package dev.panamax.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The main job through Spark: three ranks in three executor JVMs ({@code local-cluster[3,1,1024]})
 * train the MNIST MLP with {@link MnistTrainer#trainAsWorker}, and end with the bits of three
 * worker threads in one JVM, which {@code MnistWorkersTest} finds equal to {@code --workers 3} on
 * three plain JVMs.
 */
class MnistOnSparkTest {

    /** 628 digits, batches of 50 (the last of 2), dropout and L2: as MnistWorkersTest. */
    private static final String[] ARGS = {"--epochs", "1", "--limit", "628", "--batch-size", "50", "--dropout", "0.2",
        "--l2", "0.0001", "--threads", "1", "--hidden", "32"};

    /** What a rank returns: worker 0's losses and accuracies, nothing from the others. */
    record Result(int rank, double initialEvalLoss, double[] trainLoss, double[] evalLoss, double[] evalAccuracy)
            implements Serializable {
    }

    private static Result train(Collective group) throws Exception {
        List<MnistTrainer.Run> runs = MnistTrainer.trainAsWorker(group, new PrintWriter(OutputStream.nullOutputStream()), ARGS);
        if (runs.isEmpty()) {
            return new Result(group.rank(), Double.NaN, null, null, null);
        }
        MnistTrainer.Run run = runs.get(0);
        return new Result(group.rank(), run.initialEvalLoss(), run.trainLoss(), run.evalLoss(), run.evalAccuracy());
    }

    private static String home(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Timeout(value = 150, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void threeExecutorJvmsTrainMnistToTheBitsOfThreeWorkerThreads() throws Exception {
        assertNotNull(System.getenv("SPARK_HOME"), "SPARK_HOME is not set: run this test through Maven");
        // The executors get Panamax, the main job and what it uses (EJML, picocli) besides Spark's jars.
        String classPath = Stream.of(SparkTraining.class, MnistOnSparkTest.class, Tensor.class, MnistTrainer.class,
                        FMatrixRMaj.class, CommonOps_FDRM.class, CommandLine.class)
                .map(MnistOnSparkTest::home).distinct().collect(Collectors.joining(File.pathSeparator));
        JavaSparkContext spark = new JavaSparkContext(SparkTrainingTest.conf("local-cluster[3,1,1024]")
                .set("spark.executor.extraClassPath", classPath)
                .set("spark.executor.extraJavaOptions", "-Dpanamax.kernels=scalar -XX:+UseSerialGC -XX:-UsePerfData")
                .set("spark.executor.memory", "512m"));
        List<Result> onSpark;
        try {
            long deadline = System.nanoTime() + 90_000_000_000L;
            while (spark.sc().statusTracker().getExecutorInfos().length < 4 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            // Each rank loads the digits itself: the RDD only says how many ranks there are.
            JavaRDD<Integer> ranks = spark.parallelize(List.of(0, 1, 2), 3);
            onSpark = SparkTraining.run(ranks, Duration.ofSeconds(90), (group, partition) -> train(group));
        } finally {
            spark.stop();
        }

        List<Collective> group = LocalCollective.group(3, Duration.ofSeconds(60));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        Result threads;
        try {
            List<Future<Result>> results = new ArrayList<>();
            for (Collective worker : group) {
                results.add(pool.submit(() -> train(worker)));
            }
            threads = results.get(0).get(120, TimeUnit.SECONDS);
            for (Future<Result> f : results) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            group.forEach(Collective::close);
        }

        Result spark0 = onSpark.get(0);
        assertEquals(0, spark0.rank());
        assertTrue(spark0.evalLoss()[0] < spark0.initialEvalLoss(), "the model learned");
        assertEquals(threads.initialEvalLoss(), spark0.initialEvalLoss());
        assertArrayEquals(threads.trainLoss(), spark0.trainLoss(), "training loss per epoch");
        assertArrayEquals(threads.evalLoss(), spark0.evalLoss(), "evaluation loss per epoch");
        assertArrayEquals(threads.evalAccuracy(), spark0.evalAccuracy(), "evaluation accuracy per epoch");
    }
}
