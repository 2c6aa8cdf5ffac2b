package dev.panamax.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class TcpCollectiveTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    static byte[] secret() {
        byte[] s = new byte[32];
        new SecureRandom().nextBytes(s);
        return s;
    }

    static List<TcpCollective.Endpoint> listen(int size) {
        List<TcpCollective.Endpoint> endpoints = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            endpoints.add(TcpCollective.Endpoint.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        }
        return endpoints;
    }

    /** Each rank's join on a thread of its own: the collective, or what the join threw. */
    static List<Object> join(List<TcpCollective.Endpoint> endpoints, byte[][] secrets, Duration timeout) {
        List<InetSocketAddress> addresses = endpoints.stream().map(TcpCollective.Endpoint::address).toList();
        ExecutorService threads = Executors.newFixedThreadPool(endpoints.size());
        try {
            List<Future<Object>> joins = new ArrayList<>();
            for (int r = 0; r < endpoints.size(); r++) {
                int rank = r;
                joins.add(threads.submit(() -> (Object) endpoints.get(rank).join(rank, addresses, secrets[rank], timeout)));
            }
            List<Object> results = new ArrayList<>();
            for (Future<Object> f : joins) {
                try {
                    results.add(f.get(50, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    results.add(e.getCause());
                } catch (Exception e) {
                    throw new AssertionError("a join did not finish", e);
                }
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }

    /** A group of {@code size} ranks on loopback, sharing one secret. */
    static List<Collective> group(int size, Duration timeout) {
        byte[] secret = secret();
        byte[][] secrets = new byte[size][];
        java.util.Arrays.fill(secrets, secret);
        List<Collective> group = new ArrayList<>();
        for (Object o : join(listen(size), secrets, timeout)) {
            group.add(assertInstanceOf(Collective.class, o, String.valueOf(o)));
        }
        return group;
    }

    @Test
    void sumsGathersAndBroadcastsGiveTheBitsOfTheRankOrder() {
        int size = 3;
        long n = 3 * ChunkedExecutor.CHUNK + 11;
        List<Collective> group = group(size, TIMEOUT);
        float[][] inputs = new float[size][(int) n];
        SplittableRandom random = new SplittableRandom(7);
        for (float[] in : inputs) {
            for (int i = 0; i < in.length; i++) {
                in[i] = (float) (random.nextDouble(-1, 1) * Math.pow(2, random.nextInt(-30, 30)));
            }
        }
        float[] sum = new float[(int) n];
        for (int i = 0; i < n; i++) {
            sum[i] = (inputs[0][i] + inputs[1][i]) + inputs[2][i];
        }
        Tensor[] tensors = new Tensor[size];
        for (int r = 0; r < size; r++) {
            tensors[r] = r == 1 ? Tensor.wrap(inputs[r].clone(), n) : Tensor.of(inputs[r].clone(), n);
        }
        List<Object> results = LocalCollectiveTest.onRanks(group, c -> {
            c.allReduceSum(tensors[c.rank()]);
            return "done";
        });
        for (int r = 0; r < size; r++) {
            assertEquals("done", results.get(r), String.valueOf(results.get(r)));
            assertArrayEquals(sum, tensors[r].toFloatArray(), "allReduceSum on rank " + r);
        }
        for (int r = 0; r < size; r++) {
            tensors[r].close();
            tensors[r] = Tensor.of(inputs[r].clone(), n);
        }
        LocalCollectiveTest.onRanks(group, c -> {
            c.reduceScatterSum(tensors[c.rank()]);
            c.allGather(tensors[c.rank()]);
            return null;
        });
        for (int r = 0; r < size; r++) {
            assertArrayEquals(sum, tensors[r].toFloatArray(), "reduceScatterSum then allGather on rank " + r);
            tensors[r].fill(r);
        }
        LocalCollectiveTest.onRanks(group, c -> {
            c.broadcast(tensors[c.rank()], 2);
            c.barrier();
            return null;
        });
        float[] twos = new float[(int) n];
        java.util.Arrays.fill(twos, 2);
        for (int r = 0; r < size; r++) {
            assertArrayEquals(twos, tensors[r].toFloatArray(), "rank 2's values on rank " + r);
            tensors[r].close();
        }
        group.forEach(Collective::close);
    }

    @Test
    void mismatchedCallsAreRefusedAlikeOnEveryRank() {
        List<Collective> group = group(3, TIMEOUT);
        Tensor[] tensors = {Tensor.zeros(DType.FLOAT32, 4, 3), Tensor.zeros(DType.FLOAT64, 4, 3), Tensor.zeros(DType.FLOAT32, 4, 3)};
        List<Object> results = LocalCollectiveTest.onRanks(group, c -> {
            c.allReduceSum(tensors[c.rank()]);
            return "done";
        });
        for (Object result : results) {
            assertEquals("allReduceSum: rank 1's tensor is float64 [4, 3] but rank 0's is float32 [4, 3]; every rank must pass "
                    + "the same dtype and shape", assertInstanceOf(IllegalArgumentException.class, result).getMessage());
        }
        group.forEach(Collective::close);
    }

    @Test
    void aRankWithoutTheSecretIsRefusedAndNamed() {
        byte[] secret = secret();
        byte[][] secrets = {secret, secret, secret()};
        List<Object> results = join(listen(3), secrets, Duration.ofSeconds(3));
        CollectiveException outsider = assertInstanceOf(CollectiveException.class, results.get(2));
        assertTrue(outsider.getMessage().contains("does not share this rank's job secret; refused"), outsider.getMessage());
        for (int r = 0; r < 2; r++) {
            CollectiveException e = assertInstanceOf(CollectiveException.class, results.get(r), String.valueOf(results.get(r)));
            assertTrue(e.getMessage().contains("no connection from rank 2"), e.getMessage());
        }
        results.stream().filter(Collective.class::isInstance).forEach(c -> ((Collective) c).close());
    }

    @Test
    void aStrangerOnThePortDoesNotStopTheGroup() throws Exception {
        List<TcpCollective.Endpoint> endpoints = listen(2);
        try (Socket stranger = new Socket()) {
            stranger.connect(endpoints.get(0).address());
            OutputStream out = stranger.getOutputStream();
            out.write("GET / HTTP/1.0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            byte[] secret = secret();
            List<Object> results = join(endpoints, new byte[][] {secret, secret}, TIMEOUT);
            for (Object o : results) {
                assertInstanceOf(Collective.class, o, String.valueOf(o));
                ((Collective) o).close();
            }
        }
    }

    @Test
    void aRankThatDiesFailsTheOthersWithinTheTimeout() {
        List<Collective> group = group(3, Duration.ofSeconds(2));
        group.get(2).close();
        long start = System.nanoTime();
        List<Object> results = LocalCollectiveTest.onRanks(group.subList(0, 2), c -> {
            c.allReduceSum(Tensor.zeros(DType.FLOAT32, 1000));
            return "done";
        });
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "failed within the timeout");
        // Each survivor names the first peer it lost: rank 2, or the other survivor once that one gave up.
        boolean named = false;
        for (Object result : results) {
            CollectiveException e = assertInstanceOf(CollectiveException.class, result, String.valueOf(result));
            assertTrue(e.getMessage().matches("Rank [01] could not finish allReduceSum: (the connection to )?rank [012] .*"), e.getMessage());
            named |= e.getMessage().contains("rank 2 closed") || e.getMessage().contains("connection to rank 2");
        }
        assertTrue(named, "the dead rank is named: " + results);
        group.forEach(Collective::close);
    }
}
