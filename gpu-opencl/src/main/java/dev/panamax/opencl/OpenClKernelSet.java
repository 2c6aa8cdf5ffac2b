package dev.panamax.opencl;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.ScalarSums;
import dev.panamax.tensor.DType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernels of {@code kernels.cl} built for one element type on one context: one program,
 * every kernel object made once and reused, and the buffer of the reduction's partial sums.
 */
final class OpenClKernelSet implements AutoCloseable {

    /**
     * Correctly rounded float division and square root, as Java's. Double division and sqrt
     * are always correctly rounded in OpenCL; contraction is switched off in the source.
     */
    static final String BASE_OPTIONS = "-cl-fp32-correctly-rounded-divide-sqrt";

    /** Every kernel function of kernels.cl. */
    static final List<String> KERNEL_NAMES = List.of("scale", "scale_divide", "clip_by_value", "axpy", "sum_of_squares",
            "weight_decay", "moving_average", "lion", "adamax_keras3", "adadelta_keras3", "lamb_moments", "lamb_update_sum_of_squares",
            "lamb_apply", "adafactor_rows", "adafactor_columns", "adafactor_row_factors", "adafactor_factored_velocity",
            "adafactor_velocity", "adafactor_apply", "schedule_free_adamw",
            "gradient_descent", "keras_momentum", "adam", "adam_amsgrad", "rmsprop", "rmsprop_momentum", "adagrad",
            "adadelta", "adamax", "nadam", "nadam_keras3", "ftrl",
            "square_axpy", "adam_from_moments", "adamax_rows", "rmsprop_momentum_rows", "ftrl_rows");

    /** The kernels of float32 variables with 16-bit slots, in the float32 program only (PANAMAX_SLOTS16). */
    static final List<String> SLOTS16_KERNEL_NAMES = List.of("adam_16bit_slots", "gradient_descent_16bit", "keras_momentum_16bit_slots",
            "lion_16bit_slots");

    /**
     * Work-items per chunk of a sum of squares: one per accumulator of the reference's blocked
     * order ({@link ScalarSums#BLOCK}) and one for the chunk's tail (see kernels.cl).
     */
    static final int SUM_ITEMS_PER_CHUNK = ScalarSums.BLOCK + 1;
    /** Most chunks of one sum-of-squares launch (64M elements); longer ranges take several launches. */
    static final int MAX_SUM_CHUNKS = 1024;
    /** A double, or its bits in a ulong on a device without cl_khr_fp64. */
    static final int PARTIAL_SUM_BYTES = 8;

    private static final String SOURCE = loadSource();

    private final DType dtype;
    private final OpenClProgram program;
    private final Map<String, OpenClKernel> kernels = new LinkedHashMap<>();
    private final OpenClBuffer partialSums;
    private final boolean fp64;

    /**
     * Builds the kernels; {@code fp64} says whether they may use double (the device must have
     * cl_khr_fp64; false is also how tests run the code of devices without it).
     */
    OpenClKernelSet(OpenClContext context, DType dtype, boolean fp64) {
        this.dtype = dtype;
        this.fp64 = fp64;
        if (fp64 && !context.device().fp64() || dtype == DType.FLOAT64 && !fp64) {
            throw new UnsupportedOperationException(dtype.kerasName() + " kernels " + (fp64 ? "with" : "without")
                    + " double arithmetic: device " + context.device().name()
                    + (context.device().fp64() ? " has" : " lacks") + " the cl_khr_fp64 extension");
        }
        this.program = context.buildProgram(SOURCE, options(dtype, fp64));
        OpenClBuffer partial = null;
        try {
            for (String name : KERNEL_NAMES) {
                kernels.put(name, program.createKernel(name));
            }
            if (dtype == DType.FLOAT32) {
                for (String name : SLOTS16_KERNEL_NAMES) {
                    kernels.put(name, program.createKernel(name));
                }
            }
            partial = context.createBuffer((long) MAX_SUM_CHUNKS * SUM_ITEMS_PER_CHUNK * PARTIAL_SUM_BYTES);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.partialSums = partial;
    }

    /** The build options of kernels.cl for {@code dtype} on a device with or without cl_khr_fp64. */
    static String options(DType dtype, boolean fp64) {
        return BASE_OPTIONS + " -D REAL=" + (dtype == DType.FLOAT32 ? "float -D PANAMAX_SLOTS16" : "double") + " -D SUM_CHUNK=" + ChunkedExecutor.CHUNK
                + (fp64 ? " -D PANAMAX_FP64" : "");
    }

    /** The OpenCL C source of every kernel. */
    static String source() {
        return SOURCE;
    }

    private static String loadSource() {
        try (InputStream in = OpenClKernelSet.class.getResourceAsStream("kernels.cl")) {
            if (in == null) {
                throw new IllegalStateException("Resource dev/panamax/opencl/kernels.cl is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    DType dtype() {
        return dtype;
    }

    OpenClKernel kernel(String name) {
        OpenClKernel kernel = kernels.get(name);
        if (kernel == null) {
            throw new IllegalArgumentException("No OpenCL kernel named '" + name + "' in the " + dtype.kerasName()
                    + " program: expected one of " + kernels.keySet());
        }
        return kernel;
    }

    /** The accumulators and tails of the sum-of-squares kernels, 17 per chunk; use under this buffer's lock. */
    OpenClBuffer partialSums() {
        return partialSums;
    }

    /** Whether the kernels may use double (else the sums of squares add double bits in integer code, see kernels.cl). */
    boolean fp64() {
        return fp64;
    }

    @Override
    public void close() {
        kernels.values().forEach(OpenClKernel::close);
        if (partialSums != null) {
            partialSums.close();
        }
        program.close();
    }
}
