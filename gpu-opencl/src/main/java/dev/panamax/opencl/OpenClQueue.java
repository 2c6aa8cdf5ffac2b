package dev.panamax.opencl;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * An in-order command queue: kernels and copies run in the order they are enqueued, so a read
 * after a kernel sees the kernel's writes. Host copies here are blocking. Closing waits for the
 * queued work, then releases the queue.
 */
public final class OpenClQueue extends OpenClObject {

    private final OpenClContext context;

    OpenClQueue(OpenClContext context, MemorySegment handle) {
        super(handle);
        this.context = context;
    }

    /** The context this object belongs to. */
    public OpenClContext context() {
        return context;
    }

    /** Copies all of {@code host} into {@code buffer} at byte {@code offset}; returns when done. */
    public void write(OpenClBuffer buffer, long offset, MemorySegment host) {
        checkRange("write", buffer, offset, host.byteSize());
        if (host.byteSize() == 0) {
            return;
        }
        if (host.isNative()) {
            Cl.writeBuffer(handle(), buffer.handle(), offset, host.byteSize(), host);
        } else {
            // A heap array cannot be handed to native code; stage it off-heap.
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment staged = arena.allocate(host.byteSize(), 64).copyFrom(host);
                Cl.writeBuffer(handle(), buffer.handle(), offset, host.byteSize(), staged);
            }
        }
    }

    /** Copies {@code host.byteSize()} bytes of {@code buffer} from byte {@code offset} into {@code host}; returns when done. */
    public void read(OpenClBuffer buffer, long offset, MemorySegment host) {
        checkRange("read", buffer, offset, host.byteSize());
        if (host.byteSize() == 0) {
            return;
        }
        if (host.isNative()) {
            Cl.readBuffer(handle(), buffer.handle(), offset, host.byteSize(), host);
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment staged = arena.allocate(host.byteSize(), 64);
                Cl.readBuffer(handle(), buffer.handle(), offset, host.byteSize(), staged);
                host.copyFrom(staged);
            }
        }
    }

    /** Enqueues a device-to-device copy of {@code byteSize} bytes. */
    public void copy(OpenClBuffer source, long sourceOffset, OpenClBuffer target, long targetOffset, long byteSize) {
        checkRange("copy from", source, sourceOffset, byteSize);
        checkRange("copy to", target, targetOffset, byteSize);
        if (byteSize > 0) {
            Cl.copyBuffer(handle(), source.handle(), target.handle(), sourceOffset, targetOffset, byteSize);
        }
    }

    /** Enqueues setting every byte of {@code buffer} to zero. */
    public void fillZero(OpenClBuffer buffer) {
        if (buffer.byteSize() == 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            // A one-byte pattern: every buffer size is a multiple of it.
            Cl.fillBuffer(handle(), buffer.handle(), arena.allocate(JAVA_BYTE), 0, buffer.byteSize());
        }
    }

    /**
     * Enqueues setting bytes {@code [offset, offset + byteSize)} of {@code buffer} to repeats of
     * {@code pattern} (1, 2, 4, 8, 16, 32, 64 or 128 bytes, copied by the call; the offset and
     * size must be multiples of its size).
     */
    public void fill(OpenClBuffer buffer, long offset, long byteSize, MemorySegment pattern) {
        checkRange("fill", buffer, offset, byteSize);
        long p = pattern.byteSize();
        if (p <= 0 || p > 128 || Long.bitCount(p) != 1) {
            throw new IllegalArgumentException("A fill pattern must be 1, 2, 4, ..., 128 bytes, got " + p);
        }
        if (offset % p != 0 || byteSize % p != 0) {
            throw new IllegalArgumentException("Cannot fill bytes [" + offset + ", " + (offset + byteSize)
                    + ") with a pattern of " + p + " bytes: the offset and size must be multiples of it");
        }
        if (byteSize == 0) {
            return;
        }
        if (pattern.isNative()) {
            Cl.fillBuffer(handle(), buffer.handle(), pattern, offset, byteSize);
        } else {
            try (Arena arena = Arena.ofConfined()) {
                Cl.fillBuffer(handle(), buffer.handle(), arena.allocate(p, p).copyFrom(pattern), offset, byteSize);
            }
        }
    }

    /** Waits until everything enqueued has run. */
    public void finish() {
        Cl.finish(handle());
    }

    private void checkRange(String what, OpenClBuffer buffer, long offset, long byteSize) {
        Objects.requireNonNull(buffer, "buffer");
        if (buffer.context() != context) {
            throw new IllegalArgumentException("Cannot " + what + " a buffer of another context: expected device "
                    + context.device().name() + ", got " + buffer.context().device().name());
        }
        if (offset < 0 || byteSize < 0 || offset > buffer.byteSize() - byteSize) {
            throw new IndexOutOfBoundsException("Cannot " + what + " bytes [" + offset + ", " + (offset + byteSize)
                    + ") of a buffer of " + buffer.byteSize() + " bytes");
        }
    }

    @Override
    String description() {
        return "OpenCL command queue on " + context.device().name();
    }

    /** Waits for the queued work, then releases the queue. */
    @Override
    void release(MemorySegment handle) {
        try {
            Cl.finish(handle);
        } finally {
            Cl.releaseCommandQueue(handle);
        }
    }
}
