package dev.panamax.kernels;

import static dev.panamax.kernels.ChunkedExecutor.CHUNK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ChunkedExecutorTest {

    private static final long[] SIZES = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5};

    @Test
    void oneThreadCallsAtMostMaxCallElementsAtATime() {
        long n = 2 * ChunkedExecutor.MAX_CALL_ELEMENTS + 7;
        java.util.List<String> calls = new java.util.ArrayList<>();
        ChunkedExecutor.shared(1).forEach(n, (from, to) -> calls.add(from + "-" + to));
        long max = ChunkedExecutor.MAX_CALL_ELEMENTS;
        assertEquals(java.util.List.of("0-" + max, max + "-" + 2 * max, 2 * max + "-" + n), calls);
        assertEquals(0, max % CHUNK);
        assertTrue(max <= Integer.MAX_VALUE, "an int counts a call's elements");
    }

    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {1, 2, 3})
    void forEachCoversEveryElementExactlyOnce(int threads) {
        ChunkedExecutor executor = ChunkedExecutor.shared(threads);
        assertEquals(threads, executor.threads());
        for (long n : SIZES) {
            AtomicIntegerArray counts = new AtomicIntegerArray((int) n);
            AtomicLong calls = new AtomicLong();
            executor.forEach(n, (from, to) -> {
                assertTrue(0 <= from && from <= to && to <= n, "range [" + from + ", " + to + ") of " + n);
                calls.incrementAndGet();
                for (long i = from; i < to; i++) {
                    counts.incrementAndGet((int) i);
                }
            });
            for (int i = 0; i < n; i++) {
                if (counts.get(i) != 1) {
                    throw new AssertionError("n=" + n + " threads=" + threads + ": element " + i + " visited " + counts.get(i) + " times");
                }
            }
            assertTrue(calls.get() >= 1, "the task runs at least once (n=" + n + ")");
            if (threads > 1 && n > CHUNK) {
                assertEquals((n + CHUNK - 1) / CHUNK, calls.get(), "one call per chunk for n=" + n);
            }
        }
    }

    @Test
    void sharedExecutorsAreReusedAndThreadCountIsValidated() {
        assertSame(ChunkedExecutor.shared(2), ChunkedExecutor.shared(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChunkedExecutor.shared(0));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
        assertEquals(Runtime.getRuntime().availableProcessors(), ChunkedExecutor.allCores().threads());
    }

    /** A partial sum whose value depends on the order of additions (float rounding). */
    private static double rangeSum(long from, long to) {
        double s = 0;
        for (long i = from; i < to; i++) {
            double x = Math.sin(i * 0.7) * 1e8 + 1.0 / (i + 3);
            s += x * x;
        }
        return s;
    }

    @Test
    void sumIsIdenticalForEveryThreadCount() {
        for (long n : SIZES) {
            double one = ChunkedExecutor.shared(1).sum(n, ChunkedExecutorTest::rangeSum);
            double two = ChunkedExecutor.shared(2).sum(n, ChunkedExecutorTest::rangeSum);
            double three = ChunkedExecutor.shared(3).sum(n, ChunkedExecutorTest::rangeSum);
            assertEquals(Double.doubleToRawLongBits(one), Double.doubleToRawLongBits(two), "n=" + n + ": " + one + " vs " + two);
            assertEquals(Double.doubleToRawLongBits(one), Double.doubleToRawLongBits(three), "n=" + n + ": " + one + " vs " + three);
        }
        // and it is the chunk-ordered sum
        long n = 3 * CHUNK + 5;
        double expected = 0;
        for (long c = 0; c * CHUNK < n; c++) {
            expected += rangeSum(c * CHUNK, Math.min(n, (c + 1) * CHUNK));
        }
        assertEquals(expected, ChunkedExecutor.shared(2).sum(n, ChunkedExecutorTest::rangeSum));
        assertEquals(0.0, ChunkedExecutor.shared(2).sum(0, ChunkedExecutorTest::rangeSum));
    }

    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {1, 2, 3})
    void anExceptionInAChunkReachesTheCaller(int threads) {
        ChunkedExecutor executor = ChunkedExecutor.shared(threads);
        long n = 4 * CHUNK;
        for (long failing = 0; failing < n; failing += CHUNK) {
            long bad = failing + 7;
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> executor.forEach(n, (from, to) -> {
                if (from <= bad && bad < to) {
                    throw new IllegalStateException("boom at " + bad);
                }
            }));
            assertEquals("boom at " + bad, e.getMessage());
            ArithmeticException s = assertThrows(ArithmeticException.class, () -> executor.sum(n, (from, to) -> {
                if (from <= bad && bad < to) {
                    throw new ArithmeticException("sum boom at " + bad);
                }
                return 1.0;
            }));
            assertEquals("sum boom at " + bad, s.getMessage());
        }
        // the executor still works afterwards
        AtomicLong total = new AtomicLong();
        executor.forEach(n, (from, to) -> total.addAndGet(to - from));
        assertEquals(n, total.get());
    }
}
