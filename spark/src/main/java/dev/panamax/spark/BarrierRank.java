package dev.panamax.spark;

import dev.panamax.distributed.CollectiveException;
import dev.panamax.distributed.TcpCollective;
import java.io.Serial;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.util.TaskInterruptListener;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * The body of every task of a {@link SparkTraining} stage: forms the group, runs the rank's
 * function, and hands its result to Spark. Serialized into the stage's tasks, secret included.
 */
final class BarrierRank<T, R> extends AbstractFunction1<Iterator<T>, Iterator<Object>> implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * How long a rank whose collective broke waits for Spark to kill it before it reports its own
     * failure. The rank that broke the group (its function threw) fails its task at once; Spark
     * then aborts the stage over that failure and kills the others. Without the wait, a survivor's
     * "rank 2 closed its connection" could reach the driver first and hide the real cause.
     */
    static final Duration AFTERMATH = Duration.ofSeconds(5);

    private final int ranks;
    private final byte[] secret;
    private final Duration timeout;
    private final RankFunction<T, R> function;

    BarrierRank(int ranks, byte[] secret, Duration timeout, RankFunction<T, R> function) {
        this.ranks = ranks;
        this.secret = secret.clone();
        this.timeout = timeout;
        this.function = function;
    }

    @Override
    public Iterator<Object> apply(Iterator<T> partition) {
        BarrierTaskContext context = BarrierTaskContext.get();
        if (context == null) {
            throw new IllegalStateException("SparkTraining's ranks run in a barrier stage; no BarrierTaskContext in this thread");
        }
        int rank = context.partitionId();
        String name = "Rank " + rank + " of " + ranks;
        TcpCollective collective = formGroup(context, rank, name);
        // Spark kills the surviving tasks when the stage fails (another rank failed, the job was
        // cancelled): leaving the group then makes every rank's next collective call fail at once,
        // rather than after the timeout.
        context.addTaskInterruptListener((TaskInterruptListener) (task, reason) -> collective.close());
        Object result;
        try (collective) {
            result = function.apply(collective, CollectionConverters.asJava(partition));
        } catch (Exception e) {
            if (brokeWithTheGroup(e)) {
                awaitKill(context);
            }
            // A CollectiveException already names this rank and the rank it lost.
            throw e instanceof CollectiveException c ? c : new IllegalStateException(name + ": the training function threw " + e, e);
        }
        return CollectionConverters.asScala(Collections.singletonList(result).iterator());
    }

    /** Listens on this executor's host, swaps addresses with the other tasks, and joins them. */
    private TcpCollective formGroup(BarrierTaskContext context, int rank, String name) {
        if (context.numPartitions() != ranks) {
            throw new IllegalStateException(name + ": the barrier stage has " + context.numPartitions() + " tasks, expected " + ranks);
        }
        TcpCollective.Endpoint endpoint = TcpCollective.Endpoint.listen(new InetSocketAddress(host(name), 0));
        // Killed while waiting for the others to connect (the stage failed elsewhere): stop
        // accepting now, rather than after the timeout.
        context.addTaskInterruptListener((TaskInterruptListener) (task, reason) -> endpoint.close());
        List<InetSocketAddress> addresses;
        try {
            addresses = parse(context.allGather(format(endpoint.address())), name);
        } catch (RuntimeException e) {
            endpoint.close();
            throw e;
        }
        try {
            return endpoint.join(rank, addresses, secret, timeout);
        } catch (CollectiveException e) {
            awaitKill(context);
            throw e;
        }
    }

    /**
     * The address the executor gave Spark for its block manager: the one its peers already reach
     * it at. An IP literal goes to the others, so they do not resolve a name again.
     */
    private static InetAddress host(String name) {
        String host = SparkEnv.get().blockManager().blockManagerId().host();
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(name + ": cannot resolve this executor's host '" + host + "'", e);
        }
    }

    static String format(InetSocketAddress address) {
        String ip = address.getAddress().getHostAddress();
        return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + address.getPort();
    }

    static List<InetSocketAddress> parse(String[] messages, String name) {
        List<InetSocketAddress> addresses = new ArrayList<>(messages.length);
        for (String m : messages) {
            int colon = m.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalStateException(name + ": a rank's address '" + m + "' is not host:port");
            }
            String host = m.substring(0, colon).replace("[", "").replace("]", "");
            try {
                addresses.add(new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(m.substring(colon + 1))));
            } catch (UnknownHostException | NumberFormatException e) {
                throw new IllegalStateException(name + ": a rank's address '" + m + "' is not host:port", e);
            }
        }
        return addresses;
    }

    /** Whether {@code e} is, or was caused by, the group breaking: then another rank may be the cause. */
    private static boolean brokeWithTheGroup(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CollectiveException) {
                return true;
            }
        }
        return false;
    }

    /** Returns once Spark has killed this task, or after {@link #AFTERMATH}. */
    private static void awaitKill(BarrierTaskContext context) {
        long deadline = System.nanoTime() + AFTERMATH.toNanos();
        while (!context.isInterrupted() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
