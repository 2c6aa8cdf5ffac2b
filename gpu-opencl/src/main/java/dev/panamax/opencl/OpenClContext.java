package dev.panamax.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * An OpenCL context on one device: the owner of buffers, programs and queues. OpenCL counts
 * references, so objects made from a context stay valid after it is closed, until they are
 * closed themselves.
 */
public final class OpenClContext extends OpenClObject {

    private final OpenClDevice device;

    private OpenClContext(OpenClDevice device, MemorySegment handle) {
        super(handle);
        this.device = device;
    }

    /** A context on {@code device}. */
    public static OpenClContext create(OpenClDevice device) {
        Objects.requireNonNull(device, "device");
        try (Arena arena = Arena.ofConfined()) {
            return new OpenClContext(device, Cl.createContext(arena.allocateFrom(ADDRESS, device.handle()), 1));
        }
    }

    /** The device this runs on. */
    public OpenClDevice device() {
        return device;
    }

    /** An in-order command queue on this context's device. */
    public OpenClQueue createQueue() {
        return new OpenClQueue(this, Cl.createCommandQueue(handle(), device.handle(), 0));
    }

    /**
     * An uninitialised read-write buffer of {@code byteSize} bytes (0 is allowed: OpenCL is
     * given one byte, the buffer reports 0).
     */
    public OpenClBuffer createBuffer(long byteSize) {
        if (byteSize < 0) {
            throw new IllegalArgumentException("Buffer size must be at least 0 bytes, got " + byteSize);
        }
        return new OpenClBuffer(this, Cl.createBuffer(handle(), Cl.CL_MEM_READ_WRITE, Math.max(1, byteSize)), byteSize);
    }

    /** Compiles {@code source} for this context's device; a failed build throws with the build log. */
    public OpenClProgram buildProgram(String source, String options) {
        return OpenClProgram.build(this, source, options);
    }

    @Override
    String description() {
        return "OpenCL context on " + device.name();
    }

    @Override
    void release(MemorySegment handle) {
        Cl.releaseContext(handle);
    }
}
