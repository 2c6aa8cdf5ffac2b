package dev.panamax.optimizers;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.DeviceKernelsFactory;
import dev.panamax.kernels.HostTensorKernels;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.kernels.TensorKernels;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.HostStorage;
import dev.panamax.tensor.Storage;
import dev.panamax.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * A device for core's tests (registered in {@code META-INF/services}): tensors in a storage that is
 * not {@link HostStorage}, so the optimizers treat them as device tensors, whose kernels are the
 * scalar host kernels run on views of the same memory. It copies to and from the host, as
 * {@code OpenClStorage} does, unless made without host copies.
 */
public final class FakeDevice implements DeviceKernelsFactory {

    /** Device memory: an off-heap segment the host code may not touch directly. */
    public static final class FakeStorage implements Storage {
        private final Arena arena = Arena.ofShared();
        private final MemorySegment segment;
        private final boolean hostCopies;

        FakeStorage(long byteSize, boolean hostCopies) {
            this.segment = arena.allocate(Math.max(byteSize, 1), 64).asSlice(0, byteSize);
            this.hostCopies = hostCopies;
        }

        @Override
        public String device() {
            return "fake:0";
        }

        @Override
        public long byteSize() {
            return segment.byteSize();
        }

        @Override
        public boolean isAlive() {
            return segment.scope().isAlive();
        }

        @Override
        public void close() {
            if (isAlive()) {
                arena.close();
            }
        }

        @Override
        public void copyTo(MemorySegment host) {
            if (!hostCopies) {
                Storage.super.copyTo(host);
            }
            MemorySegment.copy(segment, 0, host, 0, host.byteSize());
        }

        @Override
        public void copyFrom(MemorySegment host) {
            if (!hostCopies) {
                Storage.super.copyFrom(host);
            }
            MemorySegment.copy(host, 0, segment, 0, host.byteSize());
        }
    }

    private static final TensorKernels HOST = new HostTensorKernels(new ScalarKernels(), ChunkedExecutor.shared(1));

    private static final TensorKernels KERNELS = (TensorKernels) Proxy.newProxyInstance(FakeDevice.class.getClassLoader(),
            new Class<?>[] {TensorKernels.class}, (proxy, method, args) -> {
                switch (method.getName()) {
                    case "device":
                        return "fake:0";
                    case "full": {
                        try (Tensor host = Tensor.full((DType) args[0], (double) args[1], (long[]) args[2])) {
                            return toDevice(host, true);
                        }
                    }
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "equals":
                        return proxy == args[0];
                    case "toString":
                        return "FakeDevice kernels";
                    default:
                        Object[] onHost = args.clone();
                        for (int i = 0; i < onHost.length; i++) {
                            if (onHost[i] instanceof Tensor t && t.storage() instanceof FakeStorage s) {
                                onHost[i] = new Tensor(t.dtype(), t.shape(), HostStorage.wrap(s.segment));
                            }
                        }
                        try {
                            return method.invoke(HOST, onHost);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                }
            });

    /** A device copy of a host tensor. */
    public static Tensor toDevice(Tensor host, boolean hostCopies) {
        FakeStorage storage = new FakeStorage(host.byteSize(), hostCopies);
        MemorySegment.copy(host.segment(), 0, storage.segment, 0, host.byteSize());
        return new Tensor(host.dtype(), host.shape(), storage);
    }

    /** A heap copy of a device tensor's elements. */
    public static Tensor toHost(Tensor device) {
        FakeStorage storage = (FakeStorage) device.storage();
        return new Tensor(device.dtype(), device.shape(), HostStorage.wrap(storage.segment)).copyToHeap();
    }

    @Override
    public TensorKernels kernelsFor(Tensor tensor) {
        return tensor.storage() instanceof FakeStorage ? KERNELS : null;
    }
}
