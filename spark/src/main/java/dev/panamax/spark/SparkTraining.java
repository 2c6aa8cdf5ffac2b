package dev.panamax.spark;

import dev.panamax.distributed.AllReduceGradients;
import dev.panamax.distributed.Collective;
import dev.panamax.distributed.CollectiveException;
import dev.panamax.distributed.TcpCollective;
import dev.panamax.distributed.ZeroRedundancyOptimizer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Data-parallel training on Spark: one rank per partition of an RDD, all started together in one
 * barrier stage (Spark's gang scheduling, as TorchDistributor and XGBoost4J-Spark use it), joined
 * in a {@link TcpCollective}.
 *
 * <pre>{@code
 * JavaRDD<float[]> examples = ...;                       // 3 partitions: 3 ranks
 * List<float[]> weights = SparkTraining.run(examples, (collective, partition) -> {
 *     Adam adam = Adam.builder().gradientAggregator(new AllReduceGradients(collective)).build();
 *     ...                                                // train on this rank's partition
 *     return kernel.value().toFloatArray();              // rank r's result is weights.get(r)
 * });
 * }</pre>
 *
 * <p>Each task of the stage listens on its executor's host (the address the executor gave Spark
 * for its block manager, any free port), sends {@code host:port} to the others through one
 * {@link org.apache.spark.BarrierTaskContext#allGather BarrierTaskContext.allGather}, and joins the
 * group; its rank is its partition's index. It then runs the {@link RankFunction} on its partition,
 * closes the group, and hands Spark the function's result; {@link #run} returns the ranks' results
 * in rank order. With {@link AllReduceGradients} or {@link ZeroRedundancyOptimizer}, every rank
 * ends each step with the bits of one process that adds the ranks' gradients in rank order.
 *
 * <p><b>Slots.</b> A barrier stage starts only when the cluster has a free task slot for every
 * partition at once; otherwise Spark's own check fails the job ({@code [SPARK-24819]}), after
 * retrying it for {@code spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures} times
 * {@code spark.scheduler.barrier.maxConcurrentTasksCheck.interval} (40 times 15 s by default, to
 * let executors come up). Barrier stages do not run with dynamic allocation.
 *
 * <p><b>Failures.</b> When a rank's function throws, that rank leaves the group; every other rank's
 * next collective call then throws a {@link CollectiveException} naming it (a rank that stops
 * answering without leaving is named after the timeout). Spark aborts a failed barrier stage as a
 * whole, and kills its other tasks, which leave the group too; {@link #run} throws Spark's
 * {@link SparkException}, whose message names the failed rank and its exception. (A rank whose
 * collective broke waits up to 5 s for that kill before it fails its own task, so that the error
 * Spark reports is the first rank's, not a survivor's "rank 1 closed its connection".)
 * Spark does not retry the stage: resume by running again from the last checkpoint, saved every
 * so many steps, beside the model's weights, with {@code Optimizer.save} by one rank (all ranks
 * hold the same state) on storage every executor reaches, and restored by every rank with
 * {@code Optimizer.load} before its first step. With {@link ZeroRedundancyOptimizer} every rank
 * calls {@code zero.save(dir)} (a file per rank and a manifest), and, in the new run on as many
 * ranks, {@code zero.load(dir, model)}.
 * A rank whose function
 * ignores Spark's kill and never calls the collective again keeps running until it returns: Spark
 * does not stop a task's thread.
 *
 * <p><b>Security.</b> The group's connections are authenticated with a secret that {@link #run}
 * draws anew for every run (32 bytes of {@link SecureRandom}) and that travels to the executors
 * inside the stage's serialized tasks. It is therefore only as private as Spark's own transport:
 * enable {@code spark.authenticate} and {@code spark.network.crypto.enabled} (and
 * {@code spark.io.encryption.enabled}, as Spark may spill broadcast task data to the executors'
 * local disks) on a network that others share. The tensors themselves cross the group's
 * connections unencrypted.
 */
public final class SparkTraining {

    /**
     * The default timeout: how long a rank waits for another to arrive at a collective call (or to
     * join the group) before it gives up. Long, since it also covers the slowest rank's work
     * between two calls, as loading its data before the first step.
     */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    private static final int SECRET_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private SparkTraining() {
    }

    /**
     * Runs {@code function} on every partition of {@code data} at once, as the ranks of one group,
     * with the {@link #DEFAULT_TIMEOUT}. See {@link #run(JavaRDD, Duration, RankFunction)}.
     *
     * @param data     the input, one partition per rank
     * @param function what every rank runs
     * @return the ranks' results, rank {@code r}'s at index {@code r}
     * @throws SparkException when a rank fails, or Spark cannot run the stage
     */
    public static <T, R> List<R> run(JavaRDD<T> data, RankFunction<T, R> function) throws SparkException {
        return run(data, DEFAULT_TIMEOUT, function);
    }

    /**
     * Runs {@code function} on every partition of {@code data} at once, as the ranks of one group:
     * one Spark job of one barrier stage, with one task (rank) per partition.
     *
     * @param data     the input; its partition count is the rank count, and partition {@code r}
     *                 goes to rank {@code r}. Use {@code repartition(n)} (a shuffle) to pick the
     *                 count: Spark refuses a barrier stage after {@code coalesce} or {@code union}.
     * @param timeout  how long a rank waits for the others at a collective call, or to form the group
     * @param function what every rank runs; serializable, as Spark ships it to the executors
     * @return the ranks' results, rank {@code r}'s at index {@code r}
     * @throws IllegalArgumentException when {@code data} has no partition or the timeout is not positive
     * @throws SparkException           when a rank fails (the message names the rank and its
     *                                  exception, with its stack trace), there are fewer task slots
     *                                  than ranks, or Spark cannot run the stage for another reason
     */
    public static <T, R> List<R> run(JavaRDD<T> data, Duration timeout, RankFunction<T, R> function) throws SparkException {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(function, "function");
        int ranks = data.getNumPartitions();
        if (ranks < 1) {
            throw new IllegalArgumentException("SparkTraining needs an RDD with at least one partition (one per rank), got " + ranks);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("Timeout must be positive, got " + timeout);
        }
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        ClassTag<Object> anyRef = ClassTag$.MODULE$.AnyRef();
        RDD<Object> results = data.rdd().barrier().mapPartitions(new BarrierRank<>(ranks, secret, timeout, function), false, anyRef);
        List<Object> collected = new JavaRDD<>(results, anyRef).collect();
        if (collected.size() != ranks) {
            throw new IllegalStateException("SparkTraining expected one result from each of " + ranks + " ranks, got " + collected.size());
        }
        List<R> out = new ArrayList<>(ranks);
        for (Object o : collected) {
            @SuppressWarnings("unchecked")
            R r = (R) o;
            out.add(r);
        }
        return Collections.unmodifiableList(out);
    }
}
