package dev.panamax.kernels;

import dev.panamax.tensor.Tensor;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * Where the dense kernels of a tensor are: the host's (one optimizer's {@link HostTensorKernels},
 * over its kernels and threads), or a device's, found through the {@link DeviceKernelsFactory}
 * services on the class path. One per optimizer; every stage of its steps asks it.
 */
public final class TensorKernelsLookup {

    /** The device backends on the class path, loaded once. */
    private static final List<DeviceKernelsFactory> DEVICE_FACTORIES =
            ServiceLoader.load(DeviceKernelsFactory.class).stream().map(ServiceLoader.Provider::get).toList();

    private volatile HostTensorKernels host;
    private volatile HostTensorKernels heapArrays;

    /** A lookup whose host tensors run on {@code host}; device tensors find their backend on the class path. */
    public TensorKernelsLookup(HostTensorKernels host) {
        setHost(host);
    }

    /** The host kernels, over the optimizer's element kernels and threads. */
    public HostTensorKernels host() {
        return host;
    }

    /** Replaces the host kernels (when the optimizer's thread count changes). */
    public void setHost(HostTensorKernels host) {
        this.heapArrays = Objects.requireNonNull(host, "host").forHeapArrays();
        this.host = host;
    }

    /** Whether some backend can run kernels on {@code tensor}. */
    public boolean hasBackend(Tensor tensor) {
        return tensor.isHost() || device(tensor) != null;
    }

    /**
     * The kernels of where {@code tensor} lives: for a tensor that wraps a Java array, the host's
     * kernels whose {@link TensorKernels#full full} makes Java arrays too.
     *
     * @throws IllegalArgumentException when it lives on a device no backend on the class path knows
     */
    public TensorKernels of(Tensor tensor) {
        if (tensor.isHost()) {
            return tensor.isNative() ? host : heapArrays;
        }
        TensorKernels k = device(tensor);
        if (k == null) {
            throw new IllegalArgumentException("Tensor " + tensor.describe() + " lives on device '" + tensor.storage().device()
                    + "', and no backend for it is on the class path");
        }
        return k;
    }

    /** Asked per tensor: a device name is not enough (two contexts of one GPU); the factories cache. */
    private static TensorKernels device(Tensor tensor) {
        for (DeviceKernelsFactory f : DEVICE_FACTORIES) {
            TensorKernels k = f.kernelsFor(tensor);
            if (k != null) {
                return k;
            }
        }
        return null;
    }
}
