package dev.panamax.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Element type of a {@link Tensor}. Optimizers and kernels work on the floating-point types;
 * the integer types hold step counters and sparse indices.
 *
 * <p>Room is left for {@code BFLOAT16} and {@code FLOAT16}: they will be further constants with
 * their own layout, and {@link #isFloatingPoint()} true.
 */
public enum DType {
    /** IEEE 754 binary32, Java {@code float}. */
    FLOAT32("float32", ValueLayout.JAVA_FLOAT_UNALIGNED, true),
    /** IEEE 754 binary64, Java {@code double}. */
    FLOAT64("float64", ValueLayout.JAVA_DOUBLE_UNALIGNED, true),
    /** 32-bit signed integers (sparse indices). */
    INT32("int32", ValueLayout.JAVA_INT_UNALIGNED, false),
    /** 64-bit signed integers (sparse indices, step counters). */
    INT64("int64", ValueLayout.JAVA_LONG_UNALIGNED, false);

    private final String kerasName;
    private final ValueLayout layout;
    private final boolean floatingPoint;

    DType(String kerasName, ValueLayout layout, boolean floatingPoint) {
        this.kerasName = kerasName;
        this.layout = layout.withOrder(ByteOrder.nativeOrder());
        this.floatingPoint = floatingPoint;
    }

    /** The name Keras and NumPy use for this type, e.g. {@code "float32"}. */
    public String kerasName() {
        return kerasName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return (int) layout.byteSize();
    }

    /** Native-order, unaligned layout of one element (unaligned so heap-wrapped arrays work too). */
    public ValueLayout layout() {
        return layout;
    }

    /** Whether this is a floating-point type (float32 or float64), the only kind optimizers update. */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /**
     * Rounds a double to the nearest value of this type. For FLOAT32 this is the float rounding;
     * because a double has more than 2*24+2 significand bits, rounding the double result of a
     * single {@code + - * / sqrt} of float operands gives exactly the float result. That is how
     * per-step coefficients are computed "in the variable's dtype", as TensorFlow does.
     */
    public double round(double x) {
        return switch (this) {
            case FLOAT32 -> (float) x;
            case FLOAT64 -> x;
            case INT32 -> (int) x;
            case INT64 -> (long) x;
        };
    }

    /** Reads element {@code index} as a double. */
    public double get(MemorySegment segment, long index) {
        return switch (this) {
            case FLOAT32 -> segment.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index);
            case FLOAT64 -> segment.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, index);
            case INT32 -> segment.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, index);
            case INT64 -> segment.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, index);
        };
    }

    /** Writes {@code value}, rounded to this type, at element {@code index}. */
    public void set(MemorySegment segment, long index, double value) {
        switch (this) {
            case FLOAT32 -> segment.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index, (float) value);
            case FLOAT64 -> segment.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, index, value);
            case INT32 -> segment.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, index, (int) value);
            case INT64 -> segment.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, index, (long) value);
        }
    }

    /** Parses a Keras dtype name such as {@code "float32"}. */
    public static DType fromKerasName(String name) {
        for (DType t : values()) {
            if (t.kerasName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("Unknown dtype: expected one of float32, float64, int32, int64, got '" + name + "'");
    }
}
