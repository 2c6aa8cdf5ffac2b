package dev.panamax.kernels;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a kernel over {@code [0, n)} in fixed chunks of {@link #CHUNK} elements, on up to
 * {@code threads} threads (the calling thread included).
 *
 * <p>Results never depend on the thread count: element-wise kernels are independent per element,
 * and {@link #sum} adds one partial result per chunk, in chunk order, whatever thread computed
 * it. Small tensors (one chunk) run inline on the caller with no hand-off.
 *
 * <p>Every executor hands chunks to one process-wide pool of daemon threads, grown to the most
 * helpers any executor has asked for ({@code threads - 1}); its threads end after
 * {@link #IDLE_SECONDS} idle seconds, so a program that stops training holds no threads, and
 * optimizers need not (and cannot) shut the pool down.
 */
public final class ChunkedExecutor {

    /** Elements per chunk: a multiple of every vector length, large enough to amortise a hand-off. */
    public static final long CHUNK = 1L << 16;

    /**
     * The most elements one call of a kernel gets: the SIMD kernels count with {@code int}s and
     * run any elements past this many on their scalar tail. A multiple of every vector length and
     * of {@link #CHUNK}.
     */
    public static final long MAX_CALL_ELEMENTS = 1L << 30;

    /** How long an idle helper thread lives: long enough to span the gap between two training steps. */
    public static final long IDLE_SECONDS = 30;

    private static final ConcurrentHashMap<Integer, ChunkedExecutor> SHARED = new ConcurrentHashMap<>();
    private static final AtomicLong THREAD_IDS = new AtomicLong();
    private static final ThreadPoolExecutor WORKERS = new ThreadPoolExecutor(1, 1, IDLE_SECONDS, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "panamax-worker-" + THREAD_IDS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    static {
        WORKERS.allowCoreThreadTimeOut(true);
    }

    /** The work over one range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        /** Does the work on the elements {@code [from, to)}. */
        void run(long from, long to);
    }

    /** A partial result over one range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeSum {
        /** The partial result over the elements {@code [from, to)}. */
        double sum(long from, long to);
    }

    private final int threads;

    private ChunkedExecutor(int threads) {
        this.threads = threads;
        growPool(threads - 1);
    }

    /** Makes the shared pool at least {@code helpers} threads large (it never shrinks; idle threads end). */
    private static synchronized void growPool(int helpers) {
        if (helpers > WORKERS.getMaximumPoolSize()) {
            WORKERS.setMaximumPoolSize(helpers); // first: the core size may not exceed the maximum
            WORKERS.setCorePoolSize(helpers);
        }
    }

    /** The number of live helper threads of the shared pool (for tests of thread lifetime). */
    public static int liveHelperThreads() {
        return WORKERS.getPoolSize();
    }

    /** The process-wide executor for {@code threads} threads (a small object over the shared pool). */
    public static ChunkedExecutor shared(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        return SHARED.computeIfAbsent(threads, ChunkedExecutor::new);
    }

    /** One executor per available core. */
    public static ChunkedExecutor allCores() {
        return shared(Runtime.getRuntime().availableProcessors());
    }

    /** The threads a call may use, the caller's included. */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over {@code [0, n)}, split into chunks when that can use more threads. One
     * thread makes one call of the whole range, or of {@link #MAX_CALL_ELEMENTS} elements at a time.
     */
    public void forEach(long n, RangeTask task) {
        long chunks = chunkCount(n);
        if (threads == 1 || chunks <= 1) {
            long from = 0;
            do {
                long to = Math.min(n, from + MAX_CALL_ELEMENTS);
                task.run(from, to);
                from = to;
            } while (from < n);
            return;
        }
        runChunks(n, chunks, (c, from, to) -> task.run(from, to));
    }

    /** The sum of {@code part} over every chunk of {@code [0, n)}, added in chunk order. */
    public double sum(long n, RangeSum part) {
        long chunks = chunkCount(n);
        if (threads == 1 || chunks <= 1) {
            double total = 0;
            for (long c = 0; c < chunks; c++) {
                total += part.sum(c * CHUNK, Math.min(n, (c + 1) * CHUNK));
            }
            return total;
        }
        double[] partials = new double[Math.toIntExact(chunks)];
        runChunks(n, chunks, (c, from, to) -> partials[(int) c] = part.sum(from, to));
        double total = 0;
        for (double p : partials) {
            total += p;
        }
        return total;
    }

    private interface ChunkTask {
        void run(long chunk, long from, long to);
    }

    private void runChunks(long n, long chunks, ChunkTask task) {
        AtomicLong next = new AtomicLong();
        Runnable worker = () -> {
            for (long c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                task.run(c, c * CHUNK, Math.min(n, (c + 1) * CHUNK));
            }
        };
        int helpers = (int) Math.min(threads - 1, chunks - 1);
        Future<?>[] futures = new Future<?>[helpers];
        for (int i = 0; i < helpers; i++) {
            futures[i] = WORKERS.submit(worker);
        }
        RuntimeException failure = null;
        try {
            worker.run();
        } catch (RuntimeException e) {
            failure = e;
            next.set(chunks); // the other threads stop after their current chunk
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new IllegalStateException("Interrupted while waiting for kernel workers", e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static long chunkCount(long n) {
        return (n + CHUNK - 1) / CHUNK;
    }
}
