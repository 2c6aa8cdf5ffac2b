package dev.panamax.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Host memory: either an off-heap segment owned by a shared {@link Arena} (freed on close), or a
 * heap array wrapped without copying (close only marks it unusable; the array belongs to its
 * owner).
 */
public final class HostStorage implements Storage {

    /** Off-heap allocations are aligned to a cache line (and to a 512-bit vector). */
    public static final long ALIGNMENT = 64;

    private final MemorySegment segment;
    private final Arena arena;
    private volatile boolean closed;

    private HostStorage(MemorySegment segment, Arena arena) {
        this.segment = segment;
        this.arena = arena;
    }

    /** Zero-filled off-heap memory of {@code byteSize} bytes, 64-byte aligned. */
    public static HostStorage allocate(long byteSize) {
        // A shared arena: the optimizer's worker threads read and write the segment.
        Arena arena = Arena.ofShared();
        try {
            return new HostStorage(arena.allocate(Math.max(byteSize, 1), ALIGNMENT).asSlice(0, byteSize), arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Wraps a segment owned by someone else (a heap array, or memory the caller manages). */
    public static HostStorage wrap(MemorySegment segment) {
        return new HostStorage(segment, null);
    }

    /** The elements. Throws if closed. */
    public MemorySegment segment() {
        if (!isAlive()) {
            throw new IllegalStateException("Host storage is closed");
        }
        return segment;
    }

    /** Whether the memory is a Java heap array (wrapped without copy). */
    public boolean isHeap() {
        return !segment.isNative();
    }

    @Override
    public String device() {
        return "host";
    }

    @Override
    public long byteSize() {
        return segment.byteSize();
    }

    @Override
    public boolean isAlive() {
        return !closed && segment.scope().isAlive();
    }

    @Override
    public void copyTo(MemorySegment host) {
        MemorySegment.copy(segment(), 0, host, 0, host.byteSize());
    }

    @Override
    public void copyFrom(MemorySegment host) {
        MemorySegment.copy(host, 0, segment(), 0, host.byteSize());
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (arena != null) {
            arena.close();
        }
    }
}
