package dev.panamax.spark;

import dev.panamax.distributed.Collective;
import java.io.Serializable;
import java.util.Iterator;

/**
 * What one rank of a {@link SparkTraining} run does: trains on its partition, exchanging with the
 * other ranks through {@code collective}, and returns what the driver should get from this rank.
 *
 * <p>Spark ships the function to the executors, so it must be serializable with everything it
 * captures (a lambda assigned to this interface is). Its result goes back to the driver as a task
 * result: make it serializable with Spark's serializer ({@code float[]}, a record of arrays, a
 * {@code String}; {@code null} is allowed).
 *
 * @param <T> the type of the partition's elements
 * @param <R> the type of the rank's result
 */
@FunctionalInterface
public interface RankFunction<T, R> extends Serializable {

    /**
     * Runs this rank's training.
     *
     * @param collective the group of every rank of the run, formed and open; {@link Collective#rank()}
     *                   is the partition's index. Closed by {@link SparkTraining} when this returns or
     *                   throws: do not keep it.
     * @param partition  this rank's partition of the input data, read once
     * @return this rank's result, for the driver
     * @throws Exception anything: the stage then fails, and {@link SparkTraining#run} throws an
     *                   exception that names this rank and carries the message
     */
    R apply(Collective collective, Iterator<T> partition) throws Exception;
}
