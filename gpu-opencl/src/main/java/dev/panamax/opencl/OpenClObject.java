package dev.panamax.opencl;

import java.lang.foreign.MemorySegment;

/**
 * The lifecycle that every OpenCL object wrapper shares: the handle, an error on use after
 * close naming what is closed, and an idempotent {@code close()} that releases the handle once.
 * Subclasses say what they are ({@link #description}) and how to release it ({@link #release}).
 */
abstract class OpenClObject implements AutoCloseable {

    private MemorySegment handle;

    OpenClObject(MemorySegment handle) {
        this.handle = handle;
    }

    /** What this object is, for the message on use after close: "OpenCL buffer of 64 bytes". */
    abstract String description();

    /** Releases {@code handle}; called once, by the first {@link #close}, under this object's lock. */
    abstract void release(MemorySegment handle);

    /** The live handle; an {@link IllegalStateException} saying what is closed after {@link #close}. */
    synchronized MemorySegment handle() {
        if (handle == null) {
            throw new IllegalStateException(description() + " is closed");
        }
        return handle;
    }

    /** Whether the object is still open (not released). */
    public synchronized boolean isAlive() {
        return handle != null;
    }

    /** Releases the OpenCL object. Idempotent. */
    @Override
    public synchronized void close() {
        if (handle != null) {
            MemorySegment h = handle;
            handle = null;
            release(h);
        }
    }
}
