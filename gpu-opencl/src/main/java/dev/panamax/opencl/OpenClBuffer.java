package dev.panamax.opencl;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@code cl_mem} buffer in device memory; closing it releases the memory. A buffer nobody
 * closes is released by a {@link Cleaner} once it is unreachable, as host tensors are, so device
 * tensors dropped without {@code close()} do not hold device memory forever. Made by
 * {@link OpenClContext#createBuffer}.
 */
public final class OpenClBuffer extends OpenClObject {

    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "panamax-opencl-cleaner");
        t.setDaemon(true);
        return t;
    });

    /** Buffers made and not yet released, in this JVM (for tests of the cleaner). */
    private static final AtomicLong LIVE = new AtomicLong();

    private final OpenClContext context;
    private final long byteSize;
    private final Cleaner.Cleanable releasing;

    OpenClBuffer(OpenClContext context, MemorySegment handle, long byteSize) {
        super(handle);
        this.context = context;
        this.byteSize = byteSize;
        this.releasing = CLEANER.register(this, new ReleaseMemObject(handle));
        LIVE.incrementAndGet();
    }

    /** Buffers made and not yet released (closed, or collected and released by the cleaner). */
    static long liveBuffers() {
        return LIVE.get();
    }

    /** The release, holding the handle only (not the buffer, which must become unreachable). */
    private record ReleaseMemObject(MemorySegment handle) implements Runnable {
        @Override
        public void run() {
            LIVE.decrementAndGet();
            Cl.releaseMemObject(handle);
        }
    }

    /** The context this object belongs to. */
    public OpenClContext context() {
        return context;
    }

    /** The buffer's size in bytes. */
    public long byteSize() {
        return byteSize;
    }

    @Override
    String description() {
        return "OpenCL buffer of " + byteSize + " bytes";
    }

    /** Runs the cleaner's release now (at most once, whoever asks first). */
    @Override
    void release(MemorySegment handle) {
        releasing.clean();
    }

    @Override
    public String toString() {
        return "OpenClBuffer(" + byteSize + " bytes on " + context.device().name() + (isAlive() ? ")" : ", closed)");
    }
}
