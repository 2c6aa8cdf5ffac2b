package dev.panamax.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One kernel function of a program, with its arguments. OpenCL kernel objects hold their
 * arguments, so setting them and enqueueing must not interleave between threads: callers
 * hold this object's lock around both (the methods here are synchronized; {@link OpenClKernels}
 * synchronizes around the whole call).
 *
 * <p>Argument values are staged in a small segment owned by the kernel and reused, since
 * {@code clSetKernelArg} copies the value before it returns: no allocation per call.
 */
public final class OpenClKernel extends OpenClObject {

    private final OpenClProgram program;
    private final String name;
    private final long workGroupSize;
    private final Arena arena = Arena.ofShared();
    // 0..7: an argument value; 8..23: the global and local sizes of a launch.
    private final MemorySegment scratch = arena.allocate(24, 8);

    OpenClKernel(OpenClProgram program, String name, MemorySegment handle) {
        super(handle);
        this.program = program;
        this.name = name;
        MemorySegment size = scratch.asSlice(0, 8);
        try {
            Cl.getKernelWorkGroupInfo(handle, program.context().device().handle(), Cl.CL_KERNEL_WORK_GROUP_SIZE, 8, size);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.workGroupSize = size.get(JAVA_LONG, 0);
    }

    /** The kernel's function name in the OpenCL C source. */
    public String name() {
        return name;
    }

    /** CL_KERNEL_WORK_GROUP_SIZE: the largest work-group this kernel can run on its device. */
    public long workGroupSize() {
        return workGroupSize;
    }

    /** Sets argument {@code index} to a buffer; returns this kernel for chained calls. */
    public synchronized OpenClKernel setArg(int index, OpenClBuffer buffer) {
        if (buffer.context() != program.context()) {
            throw new IllegalArgumentException("Argument " + index + " of kernel " + name
                    + ": expected a buffer of this kernel's context, got one of another context (device "
                    + buffer.context().device().name() + ")");
        }
        scratch.set(ADDRESS, 0, buffer.handle());
        Cl.setKernelArg(handle(), index, ADDRESS.byteSize(), scratch);
        return this;
    }

    /** Sets argument {@code index} to an {@code int}; returns this kernel for chained calls. */
    public synchronized OpenClKernel setArg(int index, int value) {
        scratch.set(JAVA_INT, 0, value);
        Cl.setKernelArg(handle(), index, JAVA_INT.byteSize(), scratch);
        return this;
    }

    /** A {@code long}/{@code ulong} argument (also {@code size_t} on 64-bit devices). */
    public synchronized OpenClKernel setArg(int index, long value) {
        scratch.set(JAVA_LONG, 0, value);
        Cl.setKernelArg(handle(), index, JAVA_LONG.byteSize(), scratch);
        return this;
    }

    /** Sets argument {@code index} to a {@code float}; returns this kernel for chained calls. */
    public synchronized OpenClKernel setArg(int index, float value) {
        scratch.set(JAVA_FLOAT, 0, value);
        Cl.setKernelArg(handle(), index, JAVA_FLOAT.byteSize(), scratch);
        return this;
    }

    /** Sets argument {@code index} to a {@code double}; returns this kernel for chained calls. */
    public synchronized OpenClKernel setArg(int index, double value) {
        scratch.set(JAVA_DOUBLE, 0, value);
        Cl.setKernelArg(handle(), index, JAVA_DOUBLE.byteSize(), scratch);
        return this;
    }

    /** A {@code __local} array argument of {@code bytes} bytes per work-group. */
    public synchronized OpenClKernel setLocalArg(int index, long bytes) {
        Cl.setKernelArg(handle(), index, bytes, MemorySegment.NULL);
        return this;
    }

    /**
     * Enqueues {@code globalSize} work-items in work-groups of {@code localSize} (which must
     * divide it) on {@code queue}, without waiting.
     */
    public synchronized void enqueue(OpenClQueue queue, long globalSize, long localSize) {
        if (localSize <= 0 || globalSize <= 0 || globalSize % localSize != 0) {
            throw new IllegalArgumentException("Kernel " + name + ": expected a positive global size that is a multiple of"
                    + " the local size, got global " + globalSize + " and local " + localSize);
        }
        MemorySegment sizes = scratch.asSlice(8, 16);
        sizes.set(JAVA_LONG, 0, globalSize);
        sizes.set(JAVA_LONG, 8, localSize);
        Cl.enqueueNdRangeKernel(queue.handle(), handle(), sizes);
    }

    @Override
    String description() {
        return "OpenCL kernel " + name;
    }

    /** Frees the argument staging, then releases the kernel. */
    @Override
    void release(MemorySegment handle) {
        arena.close();
        Cl.releaseKernel(handle);
    }
}
