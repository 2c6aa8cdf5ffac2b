package dev.panamax.opencl;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Storage;
import dev.panamax.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Tensor storage in an OpenCL buffer: {@code new Tensor(dtype, shape, storage)} makes a
 * device-resident tensor. Copies between host and device are explicit ({@link #copyFrom},
 * {@link #copyTo}) and go through the queue given at creation, so they are ordered with the
 * kernels run on that queue. The storage owns its buffer.
 */
public final class OpenClStorage implements Storage {

    private final OpenClQueue queue;
    private final OpenClBuffer buffer;

    private OpenClStorage(OpenClQueue queue, OpenClBuffer buffer) {
        this.queue = queue;
        this.buffer = buffer;
    }

    /** {@code byteSize} zero bytes on the queue's device. */
    public static OpenClStorage allocate(OpenClQueue queue, long byteSize) {
        OpenClBuffer buffer = queue.context().createBuffer(byteSize);
        try {
            queue.fillZero(buffer);
        } catch (RuntimeException e) {
            buffer.close();
            throw e;
        }
        return new OpenClStorage(queue, buffer);
    }

    /**
     * A device tensor of {@code dtype} and {@code shape} on the queue's device with every element
     * {@code value}, rounded to the dtype as {@link Tensor#full} rounds it (the fill is enqueued:
     * later work on the queue sees it).
     */
    public static Tensor full(OpenClQueue queue, DType dtype, double value, long... shape) {
        Objects.requireNonNull(dtype, "dtype");
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("Shape " + java.util.Arrays.toString(shape) + " has a negative dimension");
            }
            elements = Math.multiplyExact(elements, d);
        }
        OpenClBuffer buffer = queue.context().createBuffer(Math.multiplyExact(elements, dtype.byteSize()));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pattern = arena.allocate(dtype.byteSize(), dtype.byteSize());
            dtype.set(pattern, 0, value);
            queue.fill(buffer, 0, buffer.byteSize(), pattern);
            return new Tensor(dtype, shape, new OpenClStorage(queue, buffer));
        } catch (RuntimeException e) {
            buffer.close();
            throw e;
        }
    }

    /** A device copy of a host tensor's elements. */
    public static OpenClStorage copyOf(OpenClQueue queue, Tensor host) {
        MemorySegment elements = host.segment();
        OpenClBuffer buffer = queue.context().createBuffer(elements.byteSize());
        try {
            queue.write(buffer, 0, elements);
        } catch (RuntimeException e) {
            buffer.close();
            throw e;
        }
        return new OpenClStorage(queue, buffer);
    }

    /** A device tensor with the dtype, shape and elements of a host tensor. */
    public static Tensor toDevice(OpenClQueue queue, Tensor host) {
        return new Tensor(host.dtype(), host.shape(), copyOf(queue, host));
    }

    /** A new host tensor (off-heap, to be closed) with the dtype, shape and elements of a device tensor. */
    public static Tensor toHost(Tensor device) {
        OpenClStorage storage = of(device);
        Tensor host = Tensor.zeros(device.dtype(), device.shape());
        storage.copyTo(host.segment());
        return host;
    }

    /** The OpenCL storage of a device tensor; a clear error for a tensor elsewhere. */
    public static OpenClStorage of(Tensor tensor) {
        if (tensor.storage() instanceof OpenClStorage storage) {
            return storage;
        }
        throw new IllegalArgumentException("Expected a tensor on an OpenCL device, got " + tensor.describe()
                + " on '" + tensor.storage().device() + "'");
    }

    /** Copies all of {@code host} to the start of this buffer (blocking). */
    public void copyFrom(MemorySegment host) {
        queue.write(buffer, 0, host);
    }

    /** Copies a host tensor's elements to the start of this buffer (blocking). */
    public void copyFrom(Tensor host) {
        copyFrom(Objects.requireNonNull(host, "host").segment());
    }

    /** Copies the first {@code host.byteSize()} bytes of this buffer into {@code host} (blocking). */
    public void copyTo(MemorySegment host) {
        queue.read(buffer, 0, host);
    }

    /** Copies this buffer's first bytes into a host tensor's elements (blocking). */
    public void copyTo(Tensor host) {
        copyTo(Objects.requireNonNull(host, "host").segment());
    }

    /** The device buffer holding the elements. */
    public OpenClBuffer buffer() {
        return buffer;
    }

    /** The command queue the work is enqueued on (in order). */
    public OpenClQueue queue() {
        return queue;
    }

    /** {@code "opencl:<index>"}, the device's index in {@link OpenCl#devices()}. */
    @Override
    public String device() {
        return "opencl:" + buffer.context().device().index();
    }

    @Override
    public long byteSize() {
        return buffer.byteSize();
    }

    @Override
    public boolean isAlive() {
        return buffer.isAlive();
    }

    @Override
    public void close() {
        buffer.close();
    }
}
