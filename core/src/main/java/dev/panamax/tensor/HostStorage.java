package dev.panamax.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * Host memory: either an off-heap block in a shared {@link Arena} of its own ({@link NativeBlock}),
 * freed on close or, when nobody closes it, by a cleaner once this storage is unreachable; or a
 * heap array wrapped without copying (close only marks it unusable; the array belongs to its
 * owner).
 */
public final class HostStorage implements Storage {

    /** Off-heap allocations are aligned to a cache line (and to a 512-bit vector). */
    public static final long ALIGNMENT = 64;

    private final MemorySegment segment;
    /** The off-heap block, or null for memory someone else owns. */
    private final NativeBlock block;
    private final Cleaner.Cleanable freeing;
    private volatile boolean closed;

    private HostStorage(MemorySegment segment, NativeBlock block) {
        this.segment = segment;
        this.block = block;
        this.freeing = block == null ? null : block.freeWhenUnreachable(this);
    }

    /** Zero-filled off-heap memory of {@code byteSize} bytes, 64-byte aligned. */
    public static HostStorage allocate(long byteSize) {
        NativeBlock block = NativeBlock.allocate(byteSize, ALIGNMENT);
        return new HostStorage(block.segment(), block);
    }

    /** Off-heap bytes of host tensors allocated and not yet freed, in this JVM. */
    public static long liveOffHeapBytes() {
        return NativeBlock.liveBytes();
    }

    /**
     * Off-heap blocks freed by the garbage collector because nobody closed them, since the JVM
     * started. Run with {@code -Dpanamax.leaks=warn} to log where each was allocated.
     */
    public static long unclosedBlocksFreed() {
        return NativeBlock.leakedBlocks();
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
        if (block != null) {
            block.closingByOwner();
            freeing.clean();
        }
    }
}
