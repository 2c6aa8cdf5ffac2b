package dev.panamax.benchmarks;

import dev.panamax.distributed.AllReduceGradients;
import dev.panamax.distributed.Collective;
import dev.panamax.distributed.LocalCollective;
import dev.panamax.distributed.TcpCollective;
import dev.panamax.distributed.ZeroRedundancyOptimizer;
import dev.panamax.optimizers.Adam;
import dev.panamax.optimizers.GradientAndVariable;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Data-parallel training's costs on one machine, ranks as threads of this JVM: one operation is one
 * call on every rank at once (rank 0 on the benchmark thread). {@code case}:
 * <ul>
 *   <li>{@code loopback}: the limit, {@code bytes} sent one way through one loopback TCP connection
 *       by plain {@code SocketChannel}s, the peer of the TCP collective;
 *   <li>{@code allreduce-tcp} and {@code allreduce-threads}: {@code allReduceSum} of a float32 tensor
 *       of {@code bytes} on every rank, over {@code TcpCollective} (loopback) and {@code LocalCollective};
 *       each rank sends and receives {@code 2 (N - 1) / N} of the tensor, so their "bus bandwidth"
 *       {@code 2 (N - 1) / N * bytes / time} compares with the loopback figure;
 *   <li>{@code step-alone}, {@code step-allreduce}, {@code step-zero}: an Adam step on a variable of
 *       {@code bytes} by one rank alone, by every rank after {@link AllReduceGradients} over TCP, and
 *       by {@link ZeroRedundancyOptimizer} over TCP: what a data-parallel step adds to a step.
 * </ul>
 * On a machine with fewer cores than ranks the ranks share cores, and their times include that.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class CollectiveBenchmark {

    @Param({"loopback", "allreduce-tcp", "allreduce-threads", "step-alone", "step-allreduce", "step-zero"})
    public String kind;

    @Param({"2", "3"})
    public int ranks;

    /** The tensor's bytes: 64 MiB, 16M float32 elements. */
    @Param({"67108864"})
    public long bytes;

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private ExecutorService threads;
    private final List<AutoCloseable> resources = new ArrayList<>();
    /** Rank r's part of one operation. */
    private IntFunction<Callable<Void>> operation;

    @Setup
    public void setUp() throws Exception {
        threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "rank");
            t.setDaemon(true);
            return t;
        });
        long elements = bytes / 4;
        switch (kind) {
            case "loopback" -> loopback();
            case "allreduce-tcp", "allreduce-threads" -> {
                List<Collective> group = kind.equals("allreduce-tcp") ? tcpGroup() : LocalCollective.group(ranks, TIMEOUT);
                List<Tensor> tensors = new ArrayList<>();
                for (int r = 0; r < ranks; r++) {
                    tensors.add(keep(Tensor.full(DType.FLOAT32, 1e-3, elements)));
                }
                operation = r -> () -> {
                    group.get(r).allReduceSum(tensors.get(r));
                    return null;
                };
            }
            case "step-alone", "step-allreduce", "step-zero" -> steps(elements);
            default -> throw new IllegalArgumentException("kind is one of loopback, allreduce-tcp, allreduce-threads,"
                    + " step-alone, step-allreduce, step-zero, not " + kind);
        }
    }

    /** Rank 0 sends {@code bytes} to rank 1 over one loopback connection, in 1 MiB writes. */
    private void loopback() throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        SocketChannel sender = SocketChannel.open(server.getLocalAddress());
        SocketChannel receiver = server.accept();
        server.close();
        resources.add(sender);
        resources.add(receiver);
        ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);
        ByteBuffer in = ByteBuffer.allocateDirect(1 << 20);
        operation = r -> () -> {
            if (r == 0) {
                for (long sent = 0; sent < bytes; ) {
                    out.clear().limit((int) Math.min(out.capacity(), bytes - sent));
                    sent += sender.write(out);
                }
            } else if (r == 1) {
                for (long received = 0; received < bytes; ) {
                    in.clear().limit((int) Math.min(in.capacity(), bytes - received));
                    received += receiver.read(in);
                }
            }
            return null;
        };
    }

    private void steps(long elements) {
        boolean alone = kind.equals("step-alone");
        List<Collective> group = alone ? null : tcpGroup();
        List<Runnable> rankSteps = new ArrayList<>();
        for (int r = 0; r < (alone ? 1 : ranks); r++) {
            Tensor value = keep(Tensor.full(DType.FLOAT32, 0.5, elements));
            Tensor gradient = keep(Tensor.full(DType.FLOAT32, 1e-3, elements));
            List<GradientAndVariable> pairs = List.of(new GradientAndVariable(gradient, new Variable("bench/w", value)));
            Adam.Builder adam = Adam.builder().learningRate(1e-3).threads(1);
            if (kind.equals("step-zero")) {
                ZeroRedundancyOptimizer zero = keep(ZeroRedundancyOptimizer.builder(group.get(r), adam.build()).build());
                rankSteps.add(() -> zero.applyGradients(pairs));
            } else {
                Optimizer optimizer = keep(alone ? adam.build() : adam.gradientAggregator(new AllReduceGradients(group.get(r))).build());
                rankSteps.add(() -> optimizer.applyGradients(pairs));
            }
        }
        operation = r -> () -> {
            if (r < rankSteps.size()) {
                rankSteps.get(r).run();
            }
            return null;
        };
    }

    /** A TCP group of {@link #ranks} on loopback, formed by one thread per rank. */
    private List<Collective> tcpGroup() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        List<TcpCollective.Endpoint> endpoints = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            endpoints.add(TcpCollective.Endpoint.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        }
        List<InetSocketAddress> addresses = endpoints.stream().map(TcpCollective.Endpoint::address).toList();
        List<Future<Collective>> joins = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            int rank = r;
            joins.add(threads.submit(() -> endpoints.get(rank).join(rank, addresses, secret, TIMEOUT)));
        }
        List<Collective> group = new ArrayList<>();
        for (Future<Collective> f : joins) {
            group.add(keep(await(f)));
        }
        return group;
    }

    private <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("A rank failed: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException("A rank did not finish: " + e, e);
        }
    }

    /** One operation on every rank at once; rank 0 on this thread. */
    @Benchmark
    public void operation() throws Exception {
        List<Future<Void>> others = new ArrayList<>();
        for (int r = 1; r < ranks; r++) {
            others.add(threads.submit(operation.apply(r)));
        }
        operation.apply(0).call();
        for (Future<Void> f : others) {
            await(f);
        }
    }

    @TearDown
    public void tearDown() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                throw e instanceof IOException io ? new UncheckedIOException(io) : new IllegalStateException(e);
            }
        }
        resources.clear();
        threads.shutdownNow();
    }
}
