package dev.panamax.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, row-major array of one {@link DType} with a shape. Host tensors are backed by a
 * {@link MemorySegment}: 64-byte-aligned off-heap memory ({@link #zeros}, {@link #of}) or a
 * heap array wrapped without copying ({@link #wrap(float[], long...)}, and {@code short[]} for the
 * 16-bit types).
 *
 * <p>A tensor that owns off-heap memory must be closed; closing a wrapped tensor only makes it
 * unusable. Tensors are not thread-safe for concurrent writes.
 */
public final class Tensor implements Gradient, AutoCloseable {

    private final DType dtype;
    private final long[] shape;
    private final long size;
    private final Storage storage;

    /** Makes a tensor over existing storage; the storage must hold at least the elements. */
    public Tensor(DType dtype, long[] shape, Storage storage) {
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.shape = shape.clone();
        this.size = sizeOf(this.shape);
        this.storage = Objects.requireNonNull(storage, "storage");
        if (storage.byteSize() < size * dtype.byteSize()) {
            throw new IllegalArgumentException("Storage of " + storage.byteSize() + " bytes is too small for shape "
                    + Arrays.toString(shape) + " of " + dtype.kerasName() + " (" + size * dtype.byteSize() + " bytes)");
        }
    }

    /** Zero-filled off-heap tensor. */
    public static Tensor zeros(DType dtype, long... shape) {
        long n = sizeOf(shape);
        if (n > Long.MAX_VALUE / dtype.byteSize()) {
            throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " of " + dtype.kerasName() + " has " + n
                    + " elements, more bytes than a memory segment can address");
        }
        try {
            return new Tensor(dtype, shape, HostStorage.allocate(n * dtype.byteSize()));
        } catch (OutOfMemoryError e) {
            OutOfMemoryError named = new OutOfMemoryError("Cannot allocate tensor " + dtype.kerasName() + Arrays.toString(shape)
                    + " off-heap: " + n * dtype.byteSize() + " bytes (" + e.getMessage() + ")");
            named.initCause(e);
            throw named;
        }
    }

    /** Off-heap tensor with every element set to {@code value}. */
    public static Tensor full(DType dtype, double value, long... shape) {
        Tensor t = zeros(dtype, shape);
        if (value != 0.0 || Double.doubleToRawLongBits(value) != 0) {
            t.fill(value);
        }
        return t;
    }

    /** Off-heap float32 tensor holding a copy of {@code values}. */
    public static Tensor of(float[] values, long... shape) {
        checkLength(values.length, shape);
        Tensor t = zeros(DType.FLOAT32, shape);
        MemorySegment.copy(MemorySegment.ofArray(values), 0, t.segment(), 0, (long) values.length * Float.BYTES);
        return t;
    }

    /** Off-heap float64 tensor holding a copy of {@code values}. */
    public static Tensor of(double[] values, long... shape) {
        checkLength(values.length, shape);
        Tensor t = zeros(DType.FLOAT64, shape);
        MemorySegment.copy(MemorySegment.ofArray(values), 0, t.segment(), 0, (long) values.length * Double.BYTES);
        return t;
    }

    /** Rank-1 float32 tensor over a copy of {@code values}. */
    public static Tensor of(float... values) {
        return of(values, values.length);
    }

    /** Rank-1 float64 tensor over a copy of {@code values}. */
    public static Tensor of(double... values) {
        return of(values, values.length);
    }

    /**
     * Wraps a heap array without copying: writes to the tensor are writes to {@code data} (for
     * example EJML's {@code FMatrixRMaj.data}). With no shape, the tensor is rank 1.
     */
    public static Tensor wrap(float[] data, long... shape) {
        long[] s = shape.length == 0 ? new long[] {data.length} : shape;
        checkLength(data.length, s);
        return new Tensor(DType.FLOAT32, s, HostStorage.wrap(MemorySegment.ofArray(data)));
    }

    /** Wraps a heap array without copying. With no shape, the tensor is rank 1. */
    public static Tensor wrap(double[] data, long... shape) {
        long[] s = shape.length == 0 ? new long[] {data.length} : shape;
        checkLength(data.length, s);
        return new Tensor(DType.FLOAT64, s, HostStorage.wrap(MemorySegment.ofArray(data)));
    }

    /** Wraps a heap {@code long[]} (int64) without copying. */
    public static Tensor wrap(long[] data, long... shape) {
        long[] s = shape.length == 0 ? new long[] {data.length} : shape;
        checkLength(data.length, s);
        return new Tensor(DType.INT64, s, HostStorage.wrap(MemorySegment.ofArray(data)));
    }

    /** Wraps a heap {@code int[]} (int32) without copying. */
    public static Tensor wrap(int[] data, long... shape) {
        long[] s = shape.length == 0 ? new long[] {data.length} : shape;
        checkLength(data.length, s);
        return new Tensor(DType.INT32, s, HostStorage.wrap(MemorySegment.ofArray(data)));
    }

    /**
     * Wraps a heap {@code short[]} of bfloat16 or float16 bits (the format's 16 bits in each
     * element, as {@link HalfFloats} writes them) without copying. With no shape, the tensor is rank 1.
     *
     * @throws IllegalArgumentException when {@code dtype} is not {@link DType#BFLOAT16} or {@link DType#FLOAT16}
     */
    public static Tensor wrap(short[] data, DType dtype, long... shape) {
        if (!dtype.isHalf()) {
            throw new IllegalArgumentException("A short[] holds bfloat16 or float16 elements, got dtype " + dtype.kerasName());
        }
        long[] s = shape.length == 0 ? new long[] {data.length} : shape;
        checkLength(data.length, s);
        return new Tensor(dtype, s, HostStorage.wrap(MemorySegment.ofArray(data)));
    }

    /** A new heap-backed tensor (no close needed) with the same dtype, shape (scalars included) and values. */
    public Tensor copyToHeap() {
        MemorySegment src = segment();
        int n = Math.toIntExact(size);
        MemorySegment heap = heapArray(dtype, n);
        MemorySegment.copy(src, 0, heap, 0, byteSize());
        Reference.reachabilityFence(this);
        return new Tensor(dtype, shape, HostStorage.wrap(heap));
    }

    /** A heap-backed int64 scalar (shape {@code []}), as Keras's {@code iterations}. */
    public static Tensor scalar(long value) {
        return new Tensor(DType.INT64, new long[0], HostStorage.wrap(MemorySegment.ofArray(new long[] {value})));
    }

    /** A heap-backed scalar (shape {@code []}) of {@code dtype} holding {@code value} rounded to it. */
    public static Tensor scalar(DType dtype, double value) {
        MemorySegment heap = heapArray(dtype, 1);
        dtype.set(heap, 0, value);
        return new Tensor(dtype, new long[0], HostStorage.wrap(heap));
    }

    /** A zero-filled tensor over a new Java array (no close needed; at most {@code Integer.MAX_VALUE - 8} elements). */
    public static Tensor heapZeros(DType dtype, long... shape) {
        long n = sizeOf(shape);
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " has " + n
                    + " elements, more than a Java array holds");
        }
        return new Tensor(dtype, shape, HostStorage.wrap(heapArray(dtype, (int) n)));
    }

    /** A zeroed Java array of {@code n} elements of {@code dtype}, as a segment. */
    private static MemorySegment heapArray(DType dtype, int n) {
        return switch (dtype) {
            case FLOAT32 -> MemorySegment.ofArray(new float[n]);
            case FLOAT64 -> MemorySegment.ofArray(new double[n]);
            case INT32 -> MemorySegment.ofArray(new int[n]);
            case INT64 -> MemorySegment.ofArray(new long[n]);
            case BFLOAT16, FLOAT16 -> MemorySegment.ofArray(new short[n]);
        };
    }

    /** Copies every element of {@code source}, which must have this shape and dtype. */
    public void copyFrom(Tensor source) {
        if (source.dtype != dtype || !Arrays.equals(source.shape, shape)) {
            throw new IllegalArgumentException("Cannot copy a " + source.describe() + " into a " + describe());
        }
        MemorySegment.copy(source.segment(), 0, segment(), 0, byteSize());
        Reference.reachabilityFence(source);
        Reference.reachabilityFence(this);
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** The number of dimensions ({@code shape().length}). */
    public int rank() {
        return shape.length;
    }

    /** Number of elements (1 for a scalar). */
    public long size() {
        return size;
    }

    /** The bytes the elements take: {@code size() * dtype().byteSize()}. */
    public long byteSize() {
        return size * dtype.byteSize();
    }

    /** Where the elements live: host memory or a device buffer. */
    public Storage storage() {
        return storage;
    }

    /** Whether the elements are in off-heap host memory (not a wrapped Java array). */
    public boolean isNative() {
        return storage instanceof HostStorage host && !host.isHeap();
    }

    /** Whether the elements are in host memory (and {@link #segment()} may be called). */
    public boolean isHost() {
        return storage instanceof HostStorage;
    }

    /** Whether the tensor is open (not closed, its memory not freed). */
    public boolean isAlive() {
        return storage.isAlive();
    }

    /** Whether this tensor has the same shape as {@code other} (no copy of either shape). */
    public boolean hasSameShape(Tensor other) {
        return Arrays.equals(shape, other.shape);
    }

    /** Whether this tensor has exactly {@code other}'s shape. */
    public boolean hasShape(long[] other) {
        return Arrays.equals(shape, other);
    }

    /** The host elements, sliced to exactly {@link #byteSize()} bytes. */
    public MemorySegment segment() {
        if (!(storage instanceof HostStorage host)) {
            throw new IllegalStateException("Tensor " + describe() + " lives on device '" + storage.device()
                    + "'; copy it to the host first");
        }
        if (!host.isAlive()) {
            throw new IllegalStateException("Tensor " + describe() + " is closed");
        }
        MemorySegment s = host.segment();
        return s.byteSize() == byteSize() ? s : s.asSlice(0, byteSize());
    }

    /** Element {@code index} (row-major flat index) as a double. */
    public double getDouble(long index) {
        try {
            return dtype.get(segment(), Objects.checkIndex(index, size));
        } finally {
            Reference.reachabilityFence(this); // its cleaner must not free the memory being read
        }
    }

    /** Sets element {@code index}, rounding to this tensor's dtype. */
    public void setDouble(long index, double value) {
        try {
            dtype.set(segment(), Objects.checkIndex(index, size), value);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Sets every element, rounding to this tensor's dtype. */
    public void fill(double value) {
        MemorySegment s = segment();
        if (size > 0) {
            // The first element converted once, then copied over what is filled so far, doubling
            // it each time: about log2(size) bulk copies instead of one conversion and store per element.
            dtype.set(s, 0, value);
            long bytes = size * dtype.byteSize();
            for (long filled = dtype.byteSize(); filled < bytes; filled *= 2) {
                MemorySegment.copy(s, 0, s, filled, Math.min(filled, bytes - filled));
            }
        }
        Reference.reachabilityFence(this);
    }

    /** All elements as floats (rounded if this is float64; exact for the 16-bit types). */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(size)];
        MemorySegment s = segment();
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) dtype.get(s, i);
        }
        Reference.reachabilityFence(this);
        return out;
    }

    /** All elements as doubles. */
    public double[] toDoubleArray() {
        double[] out = new double[Math.toIntExact(size)];
        MemorySegment s = segment();
        for (int i = 0; i < out.length; i++) {
            out[i] = dtype.get(s, i);
        }
        Reference.reachabilityFence(this);
        return out;
    }

    /** For messages: {@code float32[2, 3]}. */
    public String describe() {
        return dtype.kerasName() + Arrays.toString(shape);
    }

    @Override
    public void close() {
        storage.close();
    }

    @Override
    public String toString() {
        if (!isAlive()) {
            return "Tensor(" + describe() + ", closed)";
        }
        if (!isHost()) {
            return "Tensor(" + describe() + ", device=" + storage.device() + ")";
        }
        StringBuilder sb = new StringBuilder("Tensor(").append(describe()).append(", [");
        long shown = Math.min(size, 8);
        for (long i = 0; i < shown; i++) {
            sb.append(i == 0 ? "" : ", ").append(getDouble(i));
        }
        return sb.append(size > shown ? ", ...])" : "])").toString();
    }

    /** The number of elements of a tensor of {@code shape}; a negative dimension is an error. */
    public static long elementCount(long... shape) {
        return sizeOf(shape);
    }

    static long sizeOf(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            if (d != 0 && n > Long.MAX_VALUE / d) {
                throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " has more than " + Long.MAX_VALUE
                        + " elements");
            }
            n *= d;
        }
        return n;
    }

    private static void checkLength(int length, long[] shape) {
        if (sizeOf(shape) != length) {
            throw new IllegalArgumentException("Array of " + length + " elements does not fit shape "
                    + Arrays.toString(shape) + " (" + sizeOf(shape) + " elements)");
        }
    }
}
