package dev.panamax.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One block of off-heap memory of a host tensor, in a shared arena of its own, and the action that
 * frees it. {@link HostStorage#close} runs the action at once; for storage nobody closed, a
 * {@link Cleaner} runs it after the storage becomes unreachable, so a program that forgets
 * {@code close()} does not keep its memory forever.
 *
 * <p>The garbage collector does not see off-heap memory, so a program that drops many tensors
 * without closing them may not collect often enough to free them. As the JDK does for direct
 * buffers, the allocator asks for a collection when the live off-heap bytes pass a threshold
 * (at least {@link #GC_THRESHOLD_FLOOR}, doubled while the live bytes keep growing, halved again
 * when they fall), and retries once after a collection when the allocation itself fails.
 *
 * <p>With {@code -Dpanamax.leaks=warn}, each block records where it was allocated and a block
 * freed by the cleaner logs one warning ({@link System.Logger} {@code dev.panamax.leaks}) naming
 * its size and that place. Off by default: recording a stack trace costs microseconds.
 */
final class NativeBlock implements Runnable {

    /** The system property that turns on leak warnings, with the value {@code warn}. */
    static final String LEAKS_PROPERTY = "panamax.leaks";
    /** Live off-heap bytes below which the allocator never asks for a collection. */
    static final long GC_THRESHOLD_FLOOR = 256L << 20;

    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "panamax-cleaner");
        t.setDaemon(true);
        return t;
    });
    private static final AtomicLong LIVE_BYTES = new AtomicLong();
    private static final AtomicLong LEAKED_BLOCKS = new AtomicLong();
    private static volatile long gcThreshold = GC_THRESHOLD_FLOOR;
    private static final boolean RECORD_SITES = "warn".equals(System.getProperty(LEAKS_PROPERTY));

    private final Arena arena;
    private final MemorySegment segment;
    private final long bytes;
    /** Where the block was allocated, when leak warnings are on; otherwise null. */
    private final Throwable site;
    /** Set by the owner's close before it runs this action, so that only the cleaner's runs count as leaks. */
    private volatile boolean closedByOwner;

    private NativeBlock(Arena arena, MemorySegment segment, long bytes, Throwable site) {
        this.arena = arena;
        this.segment = segment;
        this.bytes = bytes;
        this.site = site;
    }

    /** A zero-filled block of {@code byteSize} bytes aligned to {@code alignment}. */
    static NativeBlock allocate(long byteSize, long alignment) {
        long reserved = Math.max(byteSize, 1);
        collectIfManyLive(LIVE_BYTES.addAndGet(reserved));
        try {
            Arena arena = Arena.ofShared(); // shared: the optimizer's worker threads read and write it
            MemorySegment segment;
            try {
                segment = allocateOrCollect(arena, reserved, alignment);
            } catch (RuntimeException | Error e) {
                arena.close();
                throw e;
            }
            Throwable site = RECORD_SITES ? new Throwable("allocated here") : null;
            return new NativeBlock(arena, segment.asSlice(0, byteSize), reserved, site);
        } catch (RuntimeException | Error e) {
            LIVE_BYTES.addAndGet(-reserved);
            throw e;
        }
    }

    private static MemorySegment allocateOrCollect(Arena arena, long bytes, long alignment) {
        try {
            return arena.allocate(bytes, alignment);
        } catch (OutOfMemoryError e) {
            // Unclosed tensors may be waiting for their cleaners: collect, give them a moment, retry once.
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            return arena.allocate(bytes, alignment);
        }
    }

    private static void collectIfManyLive(long live) {
        long threshold = gcThreshold;
        if (live > threshold) {
            gcThreshold = Math.max(threshold, live) * 2;
            System.gc();
        }
    }

    /** The memory. */
    MemorySegment segment() {
        return segment;
    }

    /** Registers this block to be freed when {@code owner} becomes unreachable; the owner's close runs it earlier. */
    Cleaner.Cleanable freeWhenUnreachable(Object owner) {
        return CLEANER.register(owner, this);
    }

    /** Marks the coming run of this action as the owner's close, not a leak. */
    void closingByOwner() {
        closedByOwner = true;
    }

    /** Frees the memory (the {@link Cleaner} runs this at most once). */
    @Override
    public void run() {
        if (!closedByOwner) {
            LEAKED_BLOCKS.incrementAndGet();
            if (site != null) {
                System.getLogger("dev.panamax.leaks").log(System.Logger.Level.WARNING,
                        "A host tensor's " + bytes + " bytes of off-heap memory were never closed; the garbage collector freed"
                                + " them. Close tensors and optimizers (try-with-resources) to free memory at once.", site);
            }
        }
        arena.close();
        long live = LIVE_BYTES.addAndGet(-bytes);
        long threshold = gcThreshold;
        if (threshold > GC_THRESHOLD_FLOOR && live < threshold / 4) {
            gcThreshold = Math.max(GC_THRESHOLD_FLOOR, threshold / 2);
        }
    }

    /** Off-heap bytes of host tensors allocated and not yet freed. */
    static long liveBytes() {
        return LIVE_BYTES.get();
    }

    /** Blocks the cleaner has freed because nobody closed them, since the JVM started. */
    static long leakedBlocks() {
        return LEAKED_BLOCKS.get();
    }
}
