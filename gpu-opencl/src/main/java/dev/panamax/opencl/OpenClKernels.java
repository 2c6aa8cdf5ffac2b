package dev.panamax.opencl;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.AdamaxCoefficients;
import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.FtrlCoefficients;
import dev.panamax.kernels.Keras3AdamaxCoefficients;
import dev.panamax.kernels.LambCoefficients;
import dev.panamax.kernels.LionCoefficients;
import dev.panamax.kernels.NadamCoefficients;
import dev.panamax.kernels.OptimizerKernels;
import dev.panamax.kernels.VariableRounding;
import dev.panamax.kernels.RmspropCoefficients;
import dev.panamax.kernels.ScalarSums;
import dev.panamax.kernels.ScheduleFreeCoefficients;
import dev.panamax.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Every method of {@link OptimizerKernels}, run by OpenCL kernels on device buffers over the
 * elements {@code [from, to)}. Same names, arguments and semantics as the interface, with
 * {@link OpenClBuffer}s in place of segments; results equal {@link dev.panamax.kernels.ScalarKernels}
 * bit for bit, with one exception: FTRL (and ftrlRows) with lr_power other than -0.5 calls pow,
 * which is not correctly rounded on the device nor in {@code Math.pow}; where the two pows differ
 * (a few percent of float64 elements on PoCL, none seen in float32) the results may differ.
 *
 * <p>KernelArguments are narrowed exactly as the reference narrows them: {@code (float)} for float32.
 * Kernels are enqueued without waiting; the queue is in order, so a later read sees the result.
 * Only {@link #sumOfSquares} waits, for its result. Programs are built on first use of a dtype
 * (float64 needs {@code cl_khr_fp64}). Calls may come from several threads.
 */
public final class OpenClKernels implements AutoCloseable {

    private final OpenClQueue queue;
    private final OpenClContext ownedContext;
    /** Whether the float32 kernels may use double: the device's cl_khr_fp64, or false to run a device without it. */
    private final boolean fp64;
    private OpenClKernelSet floats;
    private OpenClKernelSet doubles;
    private boolean closed;

    /** Kernels that run on {@code queue} (which stays the caller's to close). */
    public OpenClKernels(OpenClQueue queue) {
        this(queue, null, Objects.requireNonNull(queue, "queue").context().device().fp64());
    }

    private OpenClKernels(OpenClQueue queue, OpenClContext ownedContext, boolean fp64) {
        this.queue = Objects.requireNonNull(queue, "queue");
        this.ownedContext = ownedContext;
        this.fp64 = fp64;
    }

    /**
     * Float32 kernels built as for a device without cl_khr_fp64 (float64 is then unsupported), on
     * {@code queue}: how tests run that code on a device that has the extension.
     */
    static OpenClKernels withoutFp64(OpenClQueue queue) {
        return new OpenClKernels(queue, null, false);
    }

    /** Kernels on a new context and queue of {@code device}, closed with this object. */
    public static OpenClKernels create(OpenClDevice device) {
        OpenClContext context = OpenClContext.create(device);
        try {
            return new OpenClKernels(context.createQueue(), context, device.fp64());
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
    }

    /** The command queue the work is enqueued on (in order). */
    public OpenClQueue queue() {
        return queue;
    }

    /** The device this runs on. */
    public OpenClDevice device() {
        return queue.context().device();
    }

    /** Whether this device runs kernels of {@code dtype} (float64 needs cl_khr_fp64). */
    public boolean supports(DType dtype) {
        return dtype == DType.FLOAT32 || dtype == DType.FLOAT64 && fp64;
    }

    /** Builds the program of {@code dtype} now rather than on first use. */
    public void prepare(DType dtype) {
        kernels(dtype);
    }

    // ---- helpers of the Optimizer base class -------------------------------------------------

    /** {@code x = x * factor}. */
    public void scale(DType dtype, OpenClBuffer x, long from, long to, double factor) {
        run(dtype, "scale", from, to, s -> s.real(factor), x);
    }

    /** {@code x = (x * multiplier) / divisor}. */
    public void scaleDivide(DType dtype, OpenClBuffer x, long from, long to, double multiplier, double divisor) {
        run(dtype, "scale_divide", from, to, s -> s.real(multiplier).real(divisor), x);
    }

    /** {@code x = max(min(x, max), min)}. */
    public void clipByValue(DType dtype, OpenClBuffer x, long from, long to, double min, double max) {
        run(dtype, "clip_by_value", from, to, s -> s.real(min).real(max), x);
    }

    /** {@code y = y + alpha * x}. */
    public void axpy(DType dtype, double alpha, OpenClBuffer x, OpenClBuffer y, long from, long to) {
        run(dtype, "axpy", from, to, s -> s.real(alpha), x, y);
    }

    /**
     * The sum of {@code x * x}, bit for bit {@link OptimizerKernels#sumOfSquares} (its order: 64K
     * chunks, 16 accumulators each, the tree, the tail): on the device 17 work-items per chunk add
     * in double (with cl_khr_fp64) or in integer code that rounds as double addition does
     * (without), and the host combines them. Waits for the result.
     */
    public double sumOfSquares(DType dtype, OpenClBuffer x, long from, long to) {
        return sumOfSquares(queue, kernels(dtype), x, from, to);
    }

    static double sumOfSquares(OpenClQueue queue, OpenClKernelSet set, OpenClBuffer x, long from, long to) {
        return sumOfSquares(queue, set, "sum_of_squares", from, to, s -> { }, 1, x);
    }

    /**
     * Runs the sum-of-squares kernel {@code name} (buffers, the partial sums, from, n, the scalars)
     * over {@code [from, to)}, at most {@link OpenClKernelSet#MAX_SUM_CHUNKS} chunks per launch,
     * and combines its accumulators on the host in the reference's order. The first
     * {@code ranged} inputs hold the element range; the others are indexed otherwise (Adafactor's
     * factors).
     */
    private static double sumOfSquares(OpenClQueue queue, OpenClKernelSet set, String name, long from, long to,
                                       Consumer<KernelArguments> scalars, int ranged, OpenClBuffer... inputs) {
        OpenClKernel k = set.kernel(name);
        KernelArguments.elements(set.dtype(), from, to, Arrays.copyOf(inputs, ranged));
        OpenClBuffer[] buffers = Arrays.copyOf(inputs, inputs.length + 1);
        buffers[inputs.length] = set.partialSums();
        long perLaunch = OpenClKernelSet.MAX_SUM_CHUNKS * ChunkedExecutor.CHUNK;
        double total = 0;
        synchronized (set.partialSums()) { // every sum kernel of the set writes this one buffer
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment partial = arena.allocate((long) OpenClKernelSet.MAX_SUM_CHUNKS * OpenClKernelSet.SUM_ITEMS_PER_CHUNK
                        * OpenClKernelSet.PARTIAL_SUM_BYTES, 8);
                double[] acc = new double[ScalarSums.BLOCK];
                for (long start = from; start < to; start += perLaunch) {
                    long n = Math.min(to - start, perLaunch);
                    long chunks = (n + ChunkedExecutor.CHUNK - 1) / ChunkedExecutor.CHUNK;
                    long items = chunks * OpenClKernelSet.SUM_ITEMS_PER_CHUNK;
                    scalars.accept(new KernelArguments(k, set.dtype(), KernelArguments.buffers(k, start, n, buffers)));
                    KernelArguments.launch(queue, k, items);
                    MemorySegment read = partial.asSlice(0, items * OpenClKernelSet.PARTIAL_SUM_BYTES);
                    queue.read(set.partialSums(), 0, read);
                    for (long c = 0; c < chunks; c++) {
                        long first = c * OpenClKernelSet.SUM_ITEMS_PER_CHUNK;
                        MemorySegment.copy(read, JAVA_DOUBLE, first * Double.BYTES, acc, 0, ScalarSums.BLOCK);
                        total += ScalarSums.combine(acc) + read.getAtIndex(JAVA_DOUBLE, first + ScalarSums.BLOCK);
                    }
                }
            }
        }
        return total;
    }

    // ---- Keras 3's base stages ---------------------------------------------------------------------

    /** {@code var = var - (var * weightDecay) * lr}. See {@link OptimizerKernels#weightDecay}. */
    public void weightDecay(DType dtype, OpenClBuffer var, long from, long to, double weightDecay, double lr) {
        run(dtype, "weight_decay", from, to, s -> s.real(weightDecay).real(lr), var);
    }

    /** {@code average = momentum * average + oneMinusMomentum * var}. See {@link OptimizerKernels#movingAverage}. */
    public void movingAverage(DType dtype, OpenClBuffer average, OpenClBuffer var, long from, long to, double momentum,
                              double oneMinusMomentum) {
        run(dtype, "moving_average", from, to, s -> s.real(momentum).real(oneMinusMomentum), average, var);
    }

    /** Keras 3's Lion. See {@link OptimizerKernels#lion}. */
    public void lion(DType dtype, OpenClBuffer var, OpenClBuffer m, OpenClBuffer grad, long from, long to, LionCoefficients c) {
        run(dtype, "lion", from, to, s -> s.real(c.lr()).real(c.beta1()).real(c.oneMinusBeta1()).real(c.beta2())
                .real(c.oneMinusBeta2()), var, m, grad);
    }

    /** Keras 3's Adamax. See {@link OptimizerKernels#adamaxKeras3}. */
    public void adamaxKeras3(DType dtype, OpenClBuffer var, OpenClBuffer m, OpenClBuffer u, OpenClBuffer grad, long from, long to,
                             Keras3AdamaxCoefficients c) {
        run(dtype, "adamax_keras3", from, to, s -> s.real(c.lr()).real(c.oneMinusBeta1()).real(c.beta2())
                .real(c.oneMinusBeta1Power()).real(c.epsilon()), var, m, u, grad);
    }

    /** Keras 3's Adadelta. See {@link OptimizerKernels#adadeltaKeras3}. */
    public void adadeltaKeras3(DType dtype, OpenClBuffer var, OpenClBuffer accumGrad, OpenClBuffer accumDelta, OpenClBuffer grad,
                               long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        run(dtype, "adadelta_keras3", from, to, s -> s.real(lr).real(rho).real(oneMinusRho).real(epsilon), var, accumGrad,
                accumDelta, grad);
    }

    // ---- algorithms ----------------------------------------------------------------------------

    /** {@code var = var - grad * lr}. */
    public void gradientDescent(DType dtype, OpenClBuffer var, OpenClBuffer grad, long from, long to, double lr) {
        run(dtype, "gradient_descent", from, to, s -> s.real(lr), var, grad);
    }

    /** Keras momentum, optionally Nesterov; see {@link OptimizerKernels#kerasMomentum}. */
    public void kerasMomentum(DType dtype, OpenClBuffer var, OpenClBuffer accum, OpenClBuffer grad, long from, long to,
                              double lr, double momentum, boolean nesterov) {
        run(dtype, "keras_momentum", from, to, s -> s.real(lr).real(momentum).flag(nesterov), var, accum, grad);
    }

    /** See {@link OptimizerKernels#adam}. */
    public void adam(DType dtype, OpenClBuffer var, OpenClBuffer m, OpenClBuffer v, OpenClBuffer grad, long from, long to,
                     AdamCoefficients c) {
        run(dtype, "adam", from, to, s -> adamScalars(s, c), var, m, v, grad);
    }

    /** See {@link OptimizerKernels#adamAmsgrad}. */
    public void adamAmsgrad(DType dtype, OpenClBuffer var, OpenClBuffer m, OpenClBuffer v, OpenClBuffer vhat,
                            OpenClBuffer grad, long from, long to, AdamCoefficients c) {
        run(dtype, "adam_amsgrad", from, to, s -> adamScalars(s, c), var, m, v, vhat, grad);
    }

    /**
     * See {@link OptimizerKernels#adamMixed}: a float32 gradient, the variable and each slot a
     * buffer of its dtype (float32, bfloat16 or float16); {@code vhat} may be null.
     */
    public void adamMixed(DType varDtype, DType mDtype, DType vDtype, DType vhatDtype, VariableRounding rounding, OpenClBuffer var,
                          OpenClBuffer m, OpenClBuffer v, OpenClBuffer vhat, OpenClBuffer grad, long from, long to,
                          AdamCoefficients c) {
        boolean amsgrad = vhat != null;
        DType[] types = {varDtype, mDtype, vDtype, amsgrad ? vhatDtype : varDtype, DType.FLOAT32};
        run(kernel(DType.FLOAT32, "adam_16bit_slots"), types, from, to,
                s -> rounding(adamScalars(s, c).flag(amsgrad).kind(mDtype).kind(vDtype).kind(amsgrad ? vhatDtype : DType.FLOAT32),
                        varDtype, rounding),
                var, m, v, amsgrad ? vhat : var, grad);
    }

    /** See {@link OptimizerKernels#gradientDescentMixed}. */
    public void gradientDescentMixed(DType varDtype, VariableRounding rounding, OpenClBuffer var, OpenClBuffer grad, long from,
                                     long to, double lr) {
        run(kernel(DType.FLOAT32, "gradient_descent_16bit"), new DType[] {varDtype, DType.FLOAT32}, from, to,
                s -> rounding(s.real(lr), varDtype, rounding), var, grad);
    }

    /** See {@link OptimizerKernels#kerasMomentumMixed}. */
    public void kerasMomentumMixed(DType varDtype, DType accumDtype, VariableRounding rounding, OpenClBuffer var,
                                   OpenClBuffer accum, OpenClBuffer grad, long from, long to, double lr, double momentum,
                                   boolean nesterov) {
        run(kernel(DType.FLOAT32, "keras_momentum_16bit_slots"), new DType[] {varDtype, accumDtype, DType.FLOAT32}, from, to,
                s -> rounding(s.real(lr).real(momentum).flag(nesterov).kind(accumDtype), varDtype, rounding), var, accum, grad);
    }

    /** See {@link OptimizerKernels#lionMixed}. */
    public void lionMixed(DType varDtype, DType mDtype, VariableRounding rounding, OpenClBuffer var, OpenClBuffer m,
                          OpenClBuffer grad, long from, long to, LionCoefficients c) {
        run(kernel(DType.FLOAT32, "lion_16bit_slots"), new DType[] {varDtype, mDtype, DType.FLOAT32}, from, to,
                s -> rounding(s.real(c.lr()).real(c.beta1()).real(c.oneMinusBeta1()).real(c.beta2()).real(c.oneMinusBeta2())
                        .kind(mDtype), varDtype, rounding),
                var, m, grad);
    }

    /** The mixed kernels' last arguments: the variable's kind, whether it rounds stochastically, and the key. */
    private static KernelArguments rounding(KernelArguments s, DType varDtype, VariableRounding rounding) {
        return s.kind(varDtype).flag(rounding.stochastic()).key(rounding.key());
    }

    private static KernelArguments adamScalars(KernelArguments s, AdamCoefficients c) {
        return s.real(c.alpha()).real(c.oneMinusBeta1()).real(c.oneMinusBeta2()).real(c.epsilon()).flag(c.decays())
                .real(c.weightDecay()).real(c.decayLearningRate());
    }

    /** Keras's Python RMSprop; {@code mg} and {@code mom} may be null. See {@link OptimizerKernels#rmsprop}. */
    public void rmsprop(DType dtype, OpenClBuffer var, OpenClBuffer ms, OpenClBuffer mg, OpenClBuffer mom, OpenClBuffer grad,
                        long from, long to, RmspropCoefficients c) {
        // An absent slot is replaced by var, which the kernel then never touches through it.
        run(dtype, "rmsprop", from, to,
                s -> s.real(c.learningRate()).real(c.rho()).real(c.oneMinusRho()).real(c.momentum()).real(c.epsilon())
                        .flag(mg != null).flag(mom != null).flag(c.epsilonInsideSqrt()),
                var, ms, mg != null ? mg : var, mom != null ? mom : var, grad);
    }

    /** TensorFlow's ApplyRMSProp / ApplyCenteredRMSProp; {@code mg} may be null. See {@link OptimizerKernels#rmspropMomentum}. */
    public void rmspropMomentum(DType dtype, OpenClBuffer var, OpenClBuffer ms, OpenClBuffer mg, OpenClBuffer mom,
                                OpenClBuffer grad, long from, long to, RmspropCoefficients c) {
        OpenClKernel k = kernel(dtype, "rmsprop_momentum");
        Objects.requireNonNull(mom, "mom (rmspropMomentum needs the momentum slot)");
        run(k, dtype, from, to,
                s -> s.real(c.learningRate()).real(c.oneMinusRho()).real(c.momentum()).real(c.epsilon()).flag(mg != null),
                var, ms, mg != null ? mg : var, mom, grad);
    }

    /** See {@link OptimizerKernels#adagrad}. */
    public void adagrad(DType dtype, OpenClBuffer var, OpenClBuffer accum, OpenClBuffer grad, long from, long to,
                        double lr, double epsilon, boolean epsilonInsideSqrt) {
        run(dtype, "adagrad", from, to, s -> s.real(lr).real(epsilon).flag(epsilonInsideSqrt), var, accum, grad);
    }

    /** See {@link OptimizerKernels#adadelta}. */
    public void adadelta(DType dtype, OpenClBuffer var, OpenClBuffer accum, OpenClBuffer accumUpdate, OpenClBuffer grad,
                         long from, long to, double lr, double rho, double oneMinusRho, double epsilon) {
        run(dtype, "adadelta", from, to, s -> s.real(lr).real(rho).real(oneMinusRho).real(epsilon),
                var, accum, accumUpdate, grad);
    }

    /** See {@link OptimizerKernels#adamax}. */
    public void adamax(DType dtype, OpenClBuffer var, OpenClBuffer m, OpenClBuffer v, OpenClBuffer grad, long from, long to,
                       AdamaxCoefficients c) {
        run(dtype, "adamax", from, to, s -> adamaxScalars(s, c), var, m, v, grad);
    }

    private static KernelArguments adamaxScalars(KernelArguments s, AdamaxCoefficients c) {
        return s.real(c.scaledLearningRate()).real(c.oneMinusBeta1()).real(c.beta2()).real(c.epsilon());
    }

    /** Keras 2 Nadam; see {@link OptimizerKernels#nadam}. */
    public void nadam(DType dtype, OpenClBuffer var, OpenClBuffer m, OpenClBuffer v, OpenClBuffer grad, long from, long to,
                      NadamCoefficients c) {
        run(dtype, "nadam", from, to, s -> nadamScalars(s, c), var, m, v, grad);
    }

    /** Keras 3 Nadam; see {@link OptimizerKernels#nadamKeras3}. */
    public void nadamKeras3(DType dtype, OpenClBuffer var, OpenClBuffer m, OpenClBuffer v, OpenClBuffer grad, long from,
                            long to, NadamCoefficients c) {
        run(dtype, "nadam_keras3", from, to, s -> nadamScalars(s, c), var, m, v, grad);
    }

    private static KernelArguments nadamScalars(KernelArguments s, NadamCoefficients c) {
        return s.real(c.learningRate()).real(c.beta1()).real(c.oneMinusBeta1()).real(c.beta2()).real(c.oneMinusBeta2())
                .real(c.oneMinusMomentum()).real(c.nextMomentum()).real(c.oneMinusScheduleNew())
                .real(c.oneMinusScheduleNext()).real(c.oneMinusBeta2Power()).real(c.epsilon());
    }

    /** See {@link OptimizerKernels#ftrl}. */
    public void ftrl(DType dtype, OpenClBuffer var, OpenClBuffer accum, OpenClBuffer linear, OpenClBuffer grad,
                     long from, long to, FtrlCoefficients c) {
        run(dtype, "ftrl", from, to, s -> ftrlScalars(s, c).flag(c.keras3()), var, accum, linear, grad);
    }

    private static KernelArguments ftrlScalars(KernelArguments s, FtrlCoefficients c) {
        return s.real(c.learningRate()).real(c.l1()).real(c.twoL2()).real(c.twoL2Shrinkage()).real(c.learningRatePower());
    }

    /** Keras 3's ScheduleFreeAdamW. See {@link OptimizerKernels#scheduleFreeAdamw}. */
    public void scheduleFreeAdamw(DType dtype, OpenClBuffer var, OpenClBuffer z, OpenClBuffer v, OpenClBuffer grad, long from,
                                  long to, ScheduleFreeCoefficients c) {
        run(dtype, "schedule_free_adamw", from, to, s -> s.real(c.lr()).real(c.oneMinusBeta1()).real(c.beta1())
                .real(c.oneMinusBeta2()).real(c.biasCorrection2()).real(c.epsilon()).real(c.weight()).real(c.oneMinusWeight()),
                var, z, v, grad);
    }

    // ---- Keras 3's Lamb -----------------------------------------------------------------------------

    /** Lamb's moments, then the sum of squares of its update. See {@link OptimizerKernels#lambMoments}. */
    public double lambMoments(DType dtype, OpenClBuffer m, OpenClBuffer v, OpenClBuffer grad, long from, long to,
                              LambCoefficients c) {
        run(dtype, "lamb_moments", from, to, s -> s.real(c.oneMinusBeta1()).real(c.oneMinusBeta2()), m, v, grad);
        return sumOfSquares(queue, kernels(dtype), "lamb_update_sum_of_squares", from, to, s -> lambUpdateScalars(s, c), 2, m, v);
    }

    /** {@code var = var - scale * update}. See {@link OptimizerKernels#lambApply}. */
    public void lambApply(DType dtype, OpenClBuffer var, OpenClBuffer m, OpenClBuffer v, long from, long to, LambCoefficients c,
                          double scale) {
        run(dtype, "lamb_apply", from, to, s -> lambUpdateScalars(s, c).real(scale), var, m, v);
    }

    private static KernelArguments lambUpdateScalars(KernelArguments s, LambCoefficients c) {
        return s.real(c.oneMinusBeta1Power()).real(c.oneMinusBeta2Power()).real(c.epsilon());
    }

    // ---- Keras 3's Adafactor -------------------------------------------------------------------------

    /** r, c and the row factors, one work-item per row, column and matrix. See {@link OptimizerKernels#adafactorFactors}. */
    public void adafactorFactors(DType dtype, OpenClBuffer grad, OpenClBuffer r, OpenClBuffer c, OpenClBuffer rowFactors,
                                 long matrices, long rows, long columns, double beta2t, double oneMinusBeta2t, double epsilon1) {
        KernelArguments.elements(dtype, 0, matrices * rows * columns, grad);
        KernelArguments.elements(dtype, 0, matrices * rows, rowFactors);
        run(dtype, "adafactor_rows", 0, matrices * rows,
                s -> s.size(columns).real(beta2t).real(oneMinusBeta2t).real(epsilon1), grad, r);
        run(dtype, "adafactor_columns", 0, matrices * columns,
                s -> s.size(rows).size(columns).real(beta2t).real(oneMinusBeta2t).real(epsilon1), grad, c);
        run(dtype, "adafactor_row_factors", 0, matrices, s -> s.size(rows), r, rowFactors);
    }

    /** See {@link OptimizerKernels#adafactorFactoredVelocity}. */
    public double adafactorFactoredVelocity(DType dtype, OpenClBuffer v, OpenClBuffer grad, OpenClBuffer rowFactors,
                                            OpenClBuffer c, long rows, long columns, long from, long to) {
        // The kernel reads the factors unchecked: those of the range's last element bound them (the
        // row index only grows along the range, and a column of the last matrix is at most its last).
        if (to > from && rows > 0 && columns > 0) {
            long matrix = rows * columns;
            long last = to - 1;
            long b = last / matrix;
            long inMatrix = last - b * matrix;
            KernelArguments.elements(dtype, 0, b * rows + inMatrix / columns + 1, rowFactors);
            KernelArguments.elements(dtype, 0, b * columns + Math.min(columns, inMatrix + 1), c);
        }
        return sumOfSquares(queue, kernels(dtype), "adafactor_factored_velocity", from, to,
                s -> s.size(rows).size(columns), 2, v, grad, rowFactors, c);
    }

    /** See {@link OptimizerKernels#adafactorVelocity}. */
    public double adafactorVelocity(DType dtype, OpenClBuffer v, OpenClBuffer grad, long from, long to, double beta2t,
                                    double oneMinusBeta2t, double epsilon1) {
        return sumOfSquares(queue, kernels(dtype), "adafactor_velocity", from, to,
                s -> s.real(beta2t).real(oneMinusBeta2t).real(epsilon1), 2, v, grad);
    }

    /** {@code var = var - alpha * ((grad / sqrt(v)) / divisor)}. See {@link OptimizerKernels#adafactorApply}. */
    public void adafactorApply(DType dtype, OpenClBuffer var, OpenClBuffer v, OpenClBuffer grad, long from, long to, double alpha,
                               double divisor) {
        run(dtype, "adafactor_apply", from, to, s -> s.real(alpha).real(divisor), var, v, grad);
    }

    // ---- sparse rows (run on gathered rows) ------------------------------------------------------

    /** {@code y = y + (x * x) * alpha}. See {@link OptimizerKernels#squareAxpy}. */
    public void squareAxpy(DType dtype, double alpha, OpenClBuffer x, OpenClBuffer y, long from, long to) {
        run(dtype, "square_axpy", from, to, s -> s.real(alpha), x, y);
    }

    /** Keras 2 sparse Adam's whole-variable step; {@code vhat} may be null. See {@link OptimizerKernels#adamFromMoments}. */
    public void adamFromMoments(DType dtype, OpenClBuffer var, OpenClBuffer m, OpenClBuffer v, OpenClBuffer vhat,
                                long from, long to, double alpha, double epsilon) {
        run(dtype, "adam_from_moments", from, to, s -> s.real(alpha).real(epsilon).flag(vhat != null),
                var, m, v, vhat != null ? vhat : var);
    }

    /** Keras 2 sparse Adamax on rows. See {@link OptimizerKernels#adamaxRows}. */
    public void adamaxRows(DType dtype, OpenClBuffer var, OpenClBuffer m, OpenClBuffer v, OpenClBuffer grad,
                           long from, long to, AdamaxCoefficients c, double beta1) {
        run(dtype, "adamax_rows", from, to, s -> adamaxScalars(s, c).real(beta1), var, m, v, grad);
    }

    /** SparseApplyRMSProp / SparseApplyCenteredRMSProp on rows; {@code mg} may be null. See {@link OptimizerKernels#rmspropMomentumRows}. */
    public void rmspropMomentumRows(DType dtype, OpenClBuffer var, OpenClBuffer ms, OpenClBuffer mg, OpenClBuffer mom,
                                    OpenClBuffer grad, long from, long to, RmspropCoefficients c) {
        OpenClKernel k = kernel(dtype, "rmsprop_momentum_rows");
        Objects.requireNonNull(mom, "mom (rmspropMomentumRows needs the momentum slot)");
        run(k, dtype, from, to,
                s -> s.real(c.learningRate()).real(c.rho()).real(c.oneMinusRho()).real(c.momentum()).real(c.epsilon())
                        .flag(mg != null),
                var, ms, mg != null ? mg : var, mom, grad);
    }

    /** SparseApplyFtrl / SparseApplyFtrlV2 on rows. See {@link OptimizerKernels#ftrlRows}. */
    public void ftrlRows(DType dtype, OpenClBuffer var, OpenClBuffer accum, OpenClBuffer linear, OpenClBuffer grad,
                         long from, long to, FtrlCoefficients c, boolean oneElementRows) {
        run(dtype, "ftrl_rows", from, to, s -> ftrlScalars(s, c).flag(oneElementRows), var, accum, linear, grad);
    }

    // ---- plumbing ------------------------------------------------------------------------------

    /** {@link #run(OpenClKernel, DType, long, long, Consumer, OpenClBuffer...)} of the kernel function {@code name}. */
    private void run(DType dtype, String name, long from, long to, Consumer<KernelArguments> scalars, OpenClBuffer... buffers) {
        run(kernel(dtype, name), dtype, from, to, scalars, buffers);
    }

    /**
     * Runs an element-wise kernel over {@code [from, to)}: checks the range against every buffer,
     * returns if it is empty, else, holding the kernel's lock, sets the buffers, {@code from} and
     * {@code n} as arguments 0.., the kernel's other arguments through {@code scalars}, and
     * launches one work-item per element.
     */
    private void run(OpenClKernel k, DType dtype, long from, long to, Consumer<KernelArguments> scalars, OpenClBuffer... buffers) {
        DType[] types = new DType[buffers.length];
        Arrays.fill(types, dtype);
        run(k, types, from, to, scalars, buffers);
    }

    /** {@link #run(OpenClKernel, DType, long, long, Consumer, OpenClBuffer...)} with a dtype per buffer (the scalars are float32). */
    private void run(OpenClKernel k, DType[] types, long from, long to, Consumer<KernelArguments> scalars, OpenClBuffer... buffers) {
        long n = KernelArguments.elements(types, from, to, buffers);
        // The REAL scalars are the program's: float32 for the mixed kernels, whose first buffer
        // (the variable) may be 16-bit.
        DType dtype = types[0].isHalf() ? DType.FLOAT32 : types[0];
        if (n == 0) {
            return;
        }
        synchronized (k) {
            scalars.accept(new KernelArguments(k, dtype, KernelArguments.buffers(k, from, n, buffers)));
            KernelArguments.launch(queue, k, n);
        }
    }

    private OpenClKernel kernel(DType dtype, String name) {
        return kernels(dtype).kernel(name);
    }

    private synchronized OpenClKernelSet kernels(DType dtype) {
        if (closed) {
            throw new IllegalStateException("OpenClKernels on " + device().name() + " is closed");
        }
        return switch (dtype) {
            case FLOAT32 -> floats != null ? floats : (floats = new OpenClKernelSet(queue.context(), dtype, fp64));
            case FLOAT64 -> doubles != null ? doubles : (doubles = new OpenClKernelSet(queue.context(), dtype, fp64));
            default -> throw new IllegalArgumentException("OpenCL kernels take float32 or float64, got " + dtype.kerasName());
        };
    }

    /** Waits for the queued kernels. */
    public void finish() {
        queue.finish();
    }

    /** Waits for queued work, releases the kernels and programs, and the context and queue if this object made them. Idempotent. */
    @Override
    public void close() {
        OpenClKernelSet f;
        OpenClKernelSet d;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            f = floats;
            d = doubles;
            floats = null;
            doubles = null;
        }
        try {
            if (queue.isAlive()) {
                queue.finish();
            }
        } finally {
            if (f != null) {
                f.close();
            }
            if (d != null) {
                d.close();
            }
            if (ownedContext != null) {
                queue.close();
                ownedContext.close();
            }
        }
    }
}
