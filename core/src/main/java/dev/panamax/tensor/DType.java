package dev.panamax.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Element type of a {@link Tensor}. Optimizers and kernels work on the floating-point types;
 * the integer types hold step counters and sparse indices.
 *
 * <p>The two 16-bit types ({@link #BFLOAT16}, {@link #FLOAT16}) are storage types: a kernel widens
 * their elements to float32, computes in float32 and rounds the results back to nearest, ties to
 * even ({@link HalfFloats}), as TensorFlow and JAX compute on them. Optimizers keep slots in them
 * ({@code slotDtype}); their variables are float32 or float64.
 */
public enum DType {
    /** IEEE 754 binary32, Java {@code float}. */
    FLOAT32("float32", ValueLayout.JAVA_FLOAT_UNALIGNED, true),
    /** IEEE 754 binary64, Java {@code double}. */
    FLOAT64("float64", ValueLayout.JAVA_DOUBLE_UNALIGNED, true),
    /** 32-bit signed integers (sparse indices). */
    INT32("int32", ValueLayout.JAVA_INT_UNALIGNED, false),
    /** 64-bit signed integers (sparse indices, step counters). */
    INT64("int64", ValueLayout.JAVA_LONG_UNALIGNED, false),
    /** bfloat16: float32's sign and exponent with a 7-bit significand, stored in 16 bits. */
    BFLOAT16("bfloat16", ValueLayout.JAVA_SHORT_UNALIGNED, true),
    /** IEEE 754 binary16 (half precision), stored in 16 bits. */
    FLOAT16("float16", ValueLayout.JAVA_SHORT_UNALIGNED, true);

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

    /** Whether this is a floating-point type (float32, float64, bfloat16 or float16). */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /** Whether this is one of the 16-bit storage types, bfloat16 or float16, which kernels compute on in float32. */
    public boolean isHalf() {
        return this == BFLOAT16 || this == FLOAT16;
    }

    /**
     * Rounds a double to the nearest value of this type. For FLOAT32 this is the float rounding;
     * because a double has more than 2*24+2 significand bits, rounding the double result of a
     * single {@code + - * / sqrt} of float operands gives exactly the float result. That is how
     * per-step coefficients are computed "in the variable's dtype", as TensorFlow does. For the
     * 16-bit types it is the float rounding and then the 16-bit one, which is how Eigen computes an
     * operation on two bfloat16 or half values (in float, rounded once to the type).
     */
    public double round(double x) {
        return switch (this) {
            case FLOAT32 -> (float) x;
            case FLOAT64 -> x;
            case INT32 -> (int) x;
            case INT64 -> (long) x;
            case BFLOAT16 -> HalfFloats.bfloat16ToFloat(HalfFloats.toBfloat16((float) x));
            case FLOAT16 -> HalfFloats.float16ToFloat(HalfFloats.toFloat16((float) x));
        };
    }

    /** Reads element {@code index} as a double. */
    public double get(MemorySegment segment, long index) {
        return switch (this) {
            case FLOAT32 -> segment.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index);
            case FLOAT64 -> segment.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, index);
            case INT32 -> segment.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, index);
            case INT64 -> segment.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, index);
            case BFLOAT16 -> HalfFloats.bfloat16ToFloat(segment.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index));
            case FLOAT16 -> HalfFloats.float16ToFloat(segment.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index));
        };
    }

    /** Writes {@code value}, rounded to this type, at element {@code index}. */
    public void set(MemorySegment segment, long index, double value) {
        switch (this) {
            case FLOAT32 -> segment.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index, (float) value);
            case FLOAT64 -> segment.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, index, value);
            case INT32 -> segment.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, index, (int) value);
            case INT64 -> segment.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, index, (long) value);
            case BFLOAT16 -> segment.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index, HalfFloats.toBfloat16((float) value));
            case FLOAT16 -> segment.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index, HalfFloats.toFloat16((float) value));
        }
    }

    /** Parses a Keras dtype name such as {@code "float32"}. */
    public static DType fromKerasName(String name) {
        for (DType t : values()) {
            if (t.kerasName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("Unknown dtype: expected one of float32, float64, int32, int64, bfloat16, float16, got '" + name + "'");
    }
}
