package dev.panamax.tribuo;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseVector;

/**
 * The Java arrays behind Tribuo's dense tensors, read without copying: {@code DenseVector.elements}
 * ({@code double[]}) and {@code DenseMatrix.values} ({@code double[][]}, one array per row).
 *
 * <p>Tribuo gives no public accessor for them ({@code toArray()} copies), so they are read through
 * a private lookup. That works wherever Tribuo's packages are open to this class: on the class path
 * (every unnamed module is open) and when Tribuo's jars are automatic modules (which open every
 * package). Where they are not, or with {@code -Ddev.panamax.tribuo.arrays=copy}, {@link #AVAILABLE}
 * is false and the callers take their copying paths through Tribuo's public API instead.
 *
 * <p>Only the exact classes {@code DenseVector} and {@code DenseMatrix} are read this way: a
 * subclass (Tribuo's {@code ShrinkingMatrix}, which scales its values lazily) may give its array
 * another meaning.
 */
final class TribuoArrays {

    /** The system property that forces the copying paths (for tests, and as a way out). */
    static final String PROPERTY = "dev.panamax.tribuo.arrays";

    private static final VarHandle VECTOR_ELEMENTS;
    private static final VarHandle MATRIX_VALUES;
    /** Whether the arrays can be read; why not, for {@link #describe()}, when they cannot. */
    static final boolean AVAILABLE;
    private static final String UNAVAILABLE_REASON;

    static {
        VarHandle elements = null;
        VarHandle values = null;
        String reason = null;
        if ("copy".equals(System.getProperty(PROPERTY))) {
            reason = "-D" + PROPERTY + "=copy";
        } else {
            try {
                elements = MethodHandles.privateLookupIn(DenseVector.class, MethodHandles.lookup())
                        .findVarHandle(DenseVector.class, "elements", double[].class);
                values = MethodHandles.privateLookupIn(DenseMatrix.class, MethodHandles.lookup())
                        .findVarHandle(DenseMatrix.class, "values", double[][].class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // IllegalAccessException (package not open), NoSuchFieldException (another Tribuo
                // release), SecurityException, InaccessibleObjectException: take the copying paths.
                reason = e.getClass().getSimpleName() + ": " + e.getMessage();
                elements = null;
                values = null;
            }
        }
        VECTOR_ELEMENTS = elements;
        MATRIX_VALUES = values;
        AVAILABLE = reason == null;
        UNAVAILABLE_REASON = reason;
    }

    private TribuoArrays() {
    }

    /** Whether {@code tensor}'s array can be used in place: its class is exactly {@code DenseVector} and the arrays are readable. */
    static boolean wraps(DenseVector tensor) {
        return AVAILABLE && tensor.getClass() == DenseVector.class;
    }

    /**
     * Whether {@code tensor}'s rows can be used in place: its class is exactly {@code DenseMatrix},
     * the arrays are readable, and every row has the matrix's width (a matrix built over ragged
     * arrays is left to the copying path).
     */
    static boolean wraps(DenseMatrix tensor) {
        if (!AVAILABLE || tensor.getClass() != DenseMatrix.class) {
            return false;
        }
        double[][] rows = rows(tensor);
        if (rows.length != tensor.getDimension1Size()) {
            return false;
        }
        for (double[] row : rows) {
            if (row == null || row.length != tensor.getDimension2Size()) {
                return false;
            }
        }
        return true;
    }

    /** The array of {@code vector} itself (writes are writes to the vector). Only after {@link #wraps(DenseVector)}. */
    static double[] elements(DenseVector vector) {
        return (double[]) VECTOR_ELEMENTS.get(vector);
    }

    /** The row arrays of {@code matrix} themselves. Only after {@link #wraps(DenseMatrix)}. */
    static double[][] rows(DenseMatrix matrix) {
        return (double[][]) MATRIX_VALUES.get(matrix);
    }

    /** For messages and the README: how Tribuo's arrays are reached here. */
    static String describe() {
        return AVAILABLE ? "in place (Tribuo's arrays are readable)"
                : "through copies (Tribuo's arrays are not readable: " + UNAVAILABLE_REASON + ")";
    }
}
