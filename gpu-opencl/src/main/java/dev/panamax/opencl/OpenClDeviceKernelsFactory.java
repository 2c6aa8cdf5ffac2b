package dev.panamax.opencl;

import dev.panamax.kernels.DeviceKernelsFactory;
import dev.panamax.kernels.TensorKernels;
import dev.panamax.tensor.Tensor;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link DeviceKernelsFactory} of OpenCL tensors (registered in
 * {@code META-INF/services/dev.panamax.kernels.DeviceKernelsFactory}): for a tensor whose storage
 * is an {@link OpenClStorage}, the {@link OpenClTensorKernels} of its queue, else null.
 *
 * <p>There is one {@code OpenClTensorKernels} per queue, shared by every instance of this class
 * (a {@link java.util.ServiceLoader} makes new ones) and every thread, so that the kernels are
 * built once per queue and dtype. The queue stays its owner's: when it is closed, its entry (and
 * its programs) is released by the next call of {@link #kernelsFor}, or by
 * {@link #releaseClosedQueues}. Loading and making this class touch no OpenCL.
 */
public final class OpenClDeviceKernelsFactory implements DeviceKernelsFactory {

    private static final Map<OpenClQueue, Entry> KERNELS = new ConcurrentHashMap<>();

    private record Entry(OpenClKernels kernels, OpenClTensorKernels tensorKernels) {
    }

    /** Made by {@link java.util.ServiceLoader}: the OpenCL backend for device tensors. */
    public OpenClDeviceKernelsFactory() {
    }

    /**
     * The kernels of {@code tensor}'s queue when its storage is an {@link OpenClStorage}, else
     * null. A tensor whose queue is closed is an {@link IllegalStateException}.
     */
    @Override
    public TensorKernels kernelsFor(Tensor tensor) {
        if (tensor == null || !(tensor.storage() instanceof OpenClStorage storage)) {
            return null;
        }
        OpenClQueue queue = storage.queue();
        if (!queue.isAlive()) {
            throw new IllegalStateException("Tensor " + tensor.describe() + " on '" + storage.device()
                    + "' belongs to an OpenCL queue that is closed");
        }
        releaseClosedQueues();
        return KERNELS.computeIfAbsent(queue, q -> {
            OpenClKernels kernels = new OpenClKernels(q);
            return new Entry(kernels, new OpenClTensorKernels(kernels));
        }).tensorKernels();
    }

    /** Releases the kernels (programs) of queues that have been closed. Safe to call any time. */
    public static void releaseClosedQueues() {
        for (Iterator<Map.Entry<OpenClQueue, Entry>> it = KERNELS.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<OpenClQueue, Entry> e = it.next();
            if (!e.getKey().isAlive() && KERNELS.remove(e.getKey(), e.getValue())) {
                e.getValue().kernels().close();
            }
        }
    }

    /** Whether kernels of {@code queue} are cached (for tests). */
    static boolean caches(OpenClQueue queue) {
        return KERNELS.containsKey(queue);
    }
}
