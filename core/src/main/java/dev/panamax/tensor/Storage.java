package dev.panamax.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Where a tensor's elements live. Host storage ({@link HostStorage}) is a {@code MemorySegment};
 * device storage (an OpenCL buffer, for example) is provided by other modules.
 */
public interface Storage extends AutoCloseable {

    /** A short name of the device, {@code "host"} for host memory. */
    String device();

    /** Size in bytes. */
    long byteSize();

    /** False once closed. */
    boolean isAlive();

    /** Frees the memory if this storage owns it. Idempotent. */
    @Override
    void close();

    /**
     * Copies this storage's first {@code host.byteSize()} bytes into {@code host} (blocking, after
     * the work already queued on it), for the few computations that run on the host whatever the
     * storage (Muon's Newton-Schulz products). Host storage copies directly; a device storage
     * overrides it to read its buffer back ({@code OpenClStorage.copyTo} does).
     *
     * @throws UnsupportedOperationException when this storage cannot be read from the host
     */
    default void copyTo(MemorySegment host) {
        throw new UnsupportedOperationException("Storage on device '" + device() + "' cannot be copied to the host");
    }

    /**
     * Copies all of {@code host} to the start of this storage (blocking); the counterpart of
     * {@link #copyTo} ({@code OpenClStorage.copyFrom} overrides it).
     *
     * @throws UnsupportedOperationException when this storage cannot be written from the host
     */
    default void copyFrom(MemorySegment host) {
        throw new UnsupportedOperationException("Storage on device '" + device() + "' cannot be written from the host");
    }
}
