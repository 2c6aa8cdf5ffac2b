package dev.panamax.kernels;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;

/**
 * The dense element loops of an optimizer step over whole tensors that live in one place: the
 * host ({@link HostTensorKernels}, which runs {@link OptimizerKernels} in chunks across threads)
 * or a device (found through {@link DeviceKernelsFactory}). The optimizers call these, so a step
 * runs where its variable lives, slots included. Each method means what the
 * {@link OptimizerKernels} method of the same name means over every element; the dtype is the
 * tensors' own. Optional slots (RMSprop's {@code mg} and {@code mom}, AMSGrad's {@code vhat}) may
 * be null where the interface says so.
 */
public interface TensorKernels {

    /** Where these kernels run: {@code "host"}, or a device name as {@link dev.panamax.tensor.Storage#device()}. */
    String device();

    /** A new tensor of {@code dtype} and {@code shape}, filled with {@code value}, where these kernels run. */
    Tensor full(DType dtype, double value, long... shape);

    /** Copies {@code source} into {@code target}; both here, of one dtype and shape. */
    void copy(Tensor source, Tensor target);

    /** Sets every element of {@code x} to +0. Modified: x. */
    void zero(Tensor x);

    /** {@link OptimizerKernels#scale} over every element of the tensors (the formula is there). */
    void scale(Tensor x, double factor);

    /** {@link OptimizerKernels#scaleDivide} over every element of the tensors (the formula is there). */
    void scaleDivide(Tensor x, double multiplier, double divisor);

    /** {@link OptimizerKernels#clipByValue} over every element of the tensors (the formula is there). */
    void clipByValue(Tensor x, double min, double max);

    /** {@code y = y + alpha * x}. Modified: y. Not modified: x. */
    void axpy(Tensor x, Tensor y, double alpha);

    /** The sum of squares, bit for bit {@link OptimizerKernels#sumOfSquares} over the whole tensor (in its order). */
    double sumOfSquares(Tensor x);

    /** {@link OptimizerKernels#weightDecay} over every element of the tensors (the formula is there). */
    void weightDecay(Tensor var, double weightDecay, double lr);

    /** {@link OptimizerKernels#movingAverage} over every element of the tensors (the formula is there). */
    void movingAverage(Tensor average, Tensor var, double momentum, double oneMinusMomentum);

    /** {@link OptimizerKernels#lion} over every element of the tensors (the formula is there). */
    default void lion(Tensor var, Tensor m, Tensor grad, LionCoefficients c) {
        lion(var, m, grad, c, VariableRounding.NEAREST);
    }

    /**
     * {@link #lion}, or its mixed form ({@link OptimizerKernels#lionMixed}) when the variable or
     * {@code m} is 16-bit; a 16-bit variable is rounded as {@code rounding} says.
     */
    void lion(Tensor var, Tensor m, Tensor grad, LionCoefficients c, VariableRounding rounding);

    /** {@link OptimizerKernels#adamaxKeras3} over every element of the tensors (the formula is there). */
    void adamaxKeras3(Tensor var, Tensor m, Tensor u, Tensor grad, Keras3AdamaxCoefficients c);

    /** {@link OptimizerKernels#scheduleFreeAdamw} over every element of the tensors (the formula is there). */
    void scheduleFreeAdamw(Tensor var, Tensor z, Tensor v, Tensor grad, ScheduleFreeCoefficients c);

    /** Lamb's moments; returns the sum of squares of its update (see {@link OptimizerKernels#lambMoments}). */
    double lambMoments(Tensor m, Tensor v, Tensor grad, LambCoefficients c);

    /** {@link OptimizerKernels#lambApply} over every element of the tensors (the formula is there). */
    void lambApply(Tensor var, Tensor m, Tensor v, LambCoefficients c, double scale);

    /** Adafactor's r, c and row factors of {@code grad} as {@code matrices} stacked {@code rows x columns} matrices. */
    void adafactorFactors(Tensor grad, Tensor r, Tensor c, Tensor rowFactors, long matrices, long rows, long columns, double beta2t,
                          double oneMinusBeta2t, double epsilon1);

    /** Adafactor's factored velocity; returns the sum of squares of its update (see {@link OptimizerKernels#adafactorFactoredVelocity}). */
    double adafactorFactoredVelocity(Tensor v, Tensor grad, Tensor rowFactors, Tensor c, long rows, long columns);

    /** Adafactor's velocity of a variable of rank 0 or 1; returns the sum of squares of its update. */
    double adafactorVelocity(Tensor v, Tensor grad, double beta2t, double oneMinusBeta2t, double epsilon1);

    /** {@link OptimizerKernels#adafactorApply} over every element of the tensors (the formula is there). */
    void adafactorApply(Tensor var, Tensor v, Tensor grad, double alpha, double divisor);

    /** {@link OptimizerKernels#adadeltaKeras3} over every element of the tensors (the formula is there). */
    void adadeltaKeras3(Tensor var, Tensor accumGrad, Tensor accumDelta, Tensor grad, double lr, double rho, double oneMinusRho,
                        double epsilon);

    /** {@link OptimizerKernels#gradientDescent} over every element of the tensors (the formula is there). */
    default void gradientDescent(Tensor var, Tensor grad, double lr) {
        gradientDescent(var, grad, lr, VariableRounding.NEAREST);
    }

    /** {@link #gradientDescent}, or its mixed form ({@link OptimizerKernels#gradientDescentMixed}); see {@link #lion}. */
    void gradientDescent(Tensor var, Tensor grad, double lr, VariableRounding rounding);

    /** {@link OptimizerKernels#kerasMomentum} over every element of the tensors (the formula is there). */
    default void kerasMomentum(Tensor var, Tensor accum, Tensor grad, double lr, double momentum, boolean nesterov) {
        kerasMomentum(var, accum, grad, lr, momentum, nesterov, VariableRounding.NEAREST);
    }

    /** {@link #kerasMomentum}, or its mixed form ({@link OptimizerKernels#kerasMomentumMixed}); see {@link #lion}. */
    void kerasMomentum(Tensor var, Tensor accum, Tensor grad, double lr, double momentum, boolean nesterov,
                       VariableRounding rounding);

    /** Adam, or AMSGrad when {@code vhat} is not null. */
    default void adam(Tensor var, Tensor m, Tensor v, Tensor vhat, Tensor grad, AdamCoefficients c) {
        adam(var, m, v, vhat, grad, c, VariableRounding.NEAREST);
    }

    /** {@link #adam}, or its mixed form ({@link OptimizerKernels#adamMixed}); see {@link #lion}. */
    void adam(Tensor var, Tensor m, Tensor v, Tensor vhat, Tensor grad, AdamCoefficients c, VariableRounding rounding);

    /** Keras 2's sparse Adam's whole-variable step (see {@link OptimizerKernels#adamFromMoments}). */
    void adamFromMoments(Tensor var, Tensor m, Tensor v, Tensor vhat, double alpha, double epsilon);

    /** {@link OptimizerKernels#rmsprop} over every element of the tensors (the formula is there). */
    void rmsprop(Tensor var, Tensor ms, Tensor mg, Tensor mom, Tensor grad, RmspropCoefficients c);

    /** {@link OptimizerKernels#rmspropMomentum} over every element of the tensors (the formula is there). */
    void rmspropMomentum(Tensor var, Tensor ms, Tensor mg, Tensor mom, Tensor grad, RmspropCoefficients c);

    /** {@link OptimizerKernels#adagrad} over every element of the tensors (the formula is there). */
    void adagrad(Tensor var, Tensor accum, Tensor grad, double lr, double epsilon, boolean epsilonInsideSqrt);

    /** {@link OptimizerKernels#adadelta} over every element of the tensors (the formula is there). */
    void adadelta(Tensor var, Tensor accum, Tensor accumUpdate, Tensor grad, double lr, double rho, double oneMinusRho,
                  double epsilon);

    /** {@link OptimizerKernels#adamax} over every element of the tensors (the formula is there). */
    void adamax(Tensor var, Tensor m, Tensor v, Tensor grad, AdamaxCoefficients c);

    /** {@link OptimizerKernels#nadam} over every element of the tensors (the formula is there). */
    void nadam(Tensor var, Tensor m, Tensor v, Tensor grad, NadamCoefficients c);

    /** {@link OptimizerKernels#nadamKeras3} over every element of the tensors (the formula is there). */
    void nadamKeras3(Tensor var, Tensor m, Tensor v, Tensor grad, NadamCoefficients c);

    /** {@link OptimizerKernels#ftrl} over every element of the tensors (the formula is there). */
    void ftrl(Tensor var, Tensor accum, Tensor linear, Tensor grad, FtrlCoefficients c);
}
