package dev.panamax.kernels;

import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * The element loops of every optimizer: one fused method per algorithm, plus the helpers the
 * {@code Optimizer} base class needs. Every method works on the elements {@code [from, to)} of
 * its segments, which hold elements of {@code dtype} (FLOAT32 or FLOAT64) in native order.
 * Segments are modified in place where the javadoc says "Modified".
 *
 * <p>{@link ScalarKernels} is the reference. Other implementations must give bit-identical
 * results on every method: the same operation order, no fused multiply-add, and for the sums
 * they return ({@link #sumOfSquares}, and the sums of squares of an update that
 * {@link #lambMoments}, {@link #adafactorVelocity} and {@link #adafactorFactoredVelocity} add up
 * beside their element-wise writes) the one order of additions that {@link #sumOfSquares}
 * defines, whatever the vector width, the thread count or the JIT's state.
 *
 * <p>Scalars arrive as doubles already rounded to {@code dtype}; a float32 kernel narrows them
 * with a cast, which is then exact.
 *
 * <p>Any range is correct; for speed, pass at most {@link ChunkedExecutor#MAX_CALL_ELEMENTS}
 * elements per call, as {@link ChunkedExecutor} does: the SIMD kernels run their vector loop over
 * that many and their scalar tail over the rest.
 */
public interface OptimizerKernels {

    /** Short name of the implementation: {@code "scalar"}, {@code "simd"}, ... */
    String name();

    /**
     * The name and what a user may want to know about it in a log line, such as the vector width
     * ({@code "simd (256-bit vectors: 8 float32 or 4 float64 lanes)"}); by default the name.
     */
    default String description() {
        return name();
    }

    /**
     * The same kernels for segments that view Java arrays ({@code Tensor.wrap}): this object,
     * unless the implementation keeps a separately compiled copy for them, as the SIMD kernels
     * do, so that a JVM that updates both kinds of memory keeps both fast. Results are the same
     * bits either way.
     */
    default OptimizerKernels forHeapArrays() {
        return this;
    }

    // ---- helpers of the Optimizer base class -------------------------------------------------

    /** {@code x = x * factor}. Modified: x. */
    void scale(DType dtype, MemorySegment x, long from, long to, double factor);

    /** {@code x = (x * multiplier) / divisor}, tf.clip_by_norm's order. Modified: x. */
    void scaleDivide(DType dtype, MemorySegment x, long from, long to, double multiplier, double divisor);

    /** {@code x = max(min(x, max), min)}, tf.clip_by_value's order. Modified: x. */
    void clipByValue(DType dtype, MemorySegment x, long from, long to, double min, double max);

    /** {@code y = y + alpha * x}. Modified: y. Not modified: x. */
    void axpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to);

    /**
     * The sum of {@code x * x}, each element widened to double, squared and added in double
     * (never fused), in this order, which every backend follows bit for bit
     * ({@link ScalarSums} is the reference):
     * <ol>
     * <li>{@code [from, to)} is cut into chunks of {@link ChunkedExecutor#CHUNK} elements from
     *     {@code from}; the result is {@code 0 + s0 + s1 + ...}, the chunks' sums in order. That is
     *     what {@link ChunkedExecutor#sum} adds, so one call over a range equals the chunked calls
     *     on any number of threads.</li>
     * <li>In a chunk {@code [a, b)}, 16 accumulators start at 0 and each whole block of 16 elements
     *     adds {@code x[a + 16k + j]^2} to accumulator j, block after block.</li>
     * <li>The accumulators are combined in a fixed tree, halving: {@code acc[j] + acc[j + 8]}
     *     for j &lt; 8, then {@code [j] + [j + 4]}, {@code [j] + [j + 2]}, {@code [0] + [1]}.</li>
     * <li>The tail, the last {@code (b - a) % 16} elements, is summed on its own from 0 in order;
     *     the chunk's sum is {@code tree + tail}.</li>
     * </ol>
     * Why this order: vectors of 128, 256 and 512 bits hold 4, 8 and 16 floats (2, 4, 8 doubles),
     * all of which divide a block of 16, so each lane always feeds the same accumulator and a SIMD
     * loop of any of those widths adds exactly the scalar loop's numbers; a fixed tree instead of
     * the Vector API's {@code reduceLanes} (whose order depends on the width and on whether C2
     * has compiled the loop) keeps the last step fixed too. Not modified: x.
     */
    double sumOfSquares(DType dtype, MemorySegment x, long from, long to);

    // ---- algorithms ----------------------------------------------------------------------------

    /**
     * TensorFlow {@code ApplyGradientDescent}: {@code var = var - grad * lr}.
     * Modified: var. Not modified: grad.
     */
    void gradientDescent(DType dtype, MemorySegment var, MemorySegment grad, long from, long to, double lr);

    /**
     * TensorFlow {@code ApplyKerasMomentum}: {@code accum = accum * momentum - grad * lr}, then
     * {@code var = var + accum}, or with Nesterov {@code var = var + (accum * momentum - grad * lr)}.
     * Modified: var, accum. Not modified: grad.
     */
    void kerasMomentum(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                       double lr, double momentum, boolean nesterov);

    /**
     * TensorFlow {@code ApplyAdam}: {@code m = m + (grad - m) * (1 - beta_1)},
     * {@code v = v + (grad * grad - v) * (1 - beta_2)},
     * {@code var = var - (m * alpha) / (sqrt(v) + epsilon)}.
     * Modified: var, m, v. Not modified: grad.
     */
    void adam(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
              AdamCoefficients c);

    /**
     * The mixed form of {@link #adam} (and of {@link #adamAmsgrad} when {@code vhat} is not null):
     * a float32 gradient, and the variable, {@code m}, {@code v} and {@code vhat} each stored in its
     * own dtype (float32, bfloat16 or float16). Each element is widened to float32 and the float32
     * formula runs (with {@link AdamCoefficients}' fused weight decay); each slot is stored rounded
     * to nearest, ties to even, the variable as {@code rounding} says, and the variable moves by the
     * float32 moments. With everything float32 it is {@link #adam} bit for bit. Modified: var, m,
     * v, vhat. Not modified: grad.
     */
    void adamMixed(DType varDtype, DType mDtype, DType vDtype, DType vhatDtype, VariableRounding rounding, MemorySegment var,
                   MemorySegment m, MemorySegment v, MemorySegment vhat, MemorySegment grad, long from, long to,
                   AdamCoefficients c);

    /**
     * The mixed form of {@link #gradientDescent}: a float32 gradient and a 16-bit (or float32)
     * variable, widened, moved in float32 and rounded back as {@code rounding} says (see
     * {@link #adamMixed}). Modified: var. Not modified: grad.
     */
    void gradientDescentMixed(DType varDtype, VariableRounding rounding, MemorySegment var, MemorySegment grad, long from,
                              long to, double lr);

    /**
     * The mixed form of {@link #kerasMomentum}: a float32 gradient, the variable and {@code accum}
     * each in its own dtype (see {@link #adamMixed}). Modified: var, accum. Not modified: grad.
     */
    void kerasMomentumMixed(DType varDtype, DType accumDtype, VariableRounding rounding, MemorySegment var, MemorySegment accum,
                            MemorySegment grad, long from, long to, double lr, double momentum, boolean nesterov);

    /**
     * The mixed form of {@link #lion}: a float32 gradient, the variable and {@code m} each in its
     * own dtype (see {@link #adamMixed}). Modified: var, m. Not modified: grad.
     */
    void lionMixed(DType varDtype, DType mDtype, VariableRounding rounding, MemorySegment var, MemorySegment m,
                   MemorySegment grad, long from, long to, LionCoefficients c);

    /**
     * TensorFlow {@code ApplyAdamWithAmsgrad}: as {@link #adam}, then {@code vhat = max(vhat, v)}
     * and {@code var = var - (m * alpha) / (sqrt(vhat) + epsilon)}.
     * Modified: var, m, v, vhat. Not modified: grad.
     */
    void adamAmsgrad(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                     MemorySegment grad, long from, long to, AdamCoefficients c);

    /**
     * RMSprop as Keras writes it in Python (TF2 without momentum; every Keras 3 case):
     * {@code ms = rho * ms + (1 - rho) * grad^2}; centered (mg not null):
     * {@code mg = rho * mg + (1 - rho) * grad} and {@code denominator = ms - mg^2}, else
     * {@code denominator = ms}; {@code increment = (lr * grad) / (sqrt(denominator) + epsilon)},
     * or with {@code epsilonInsideSqrt} {@code (lr * grad) / sqrt(denominator + epsilon)}; with a
     * momentum slot (mom not null) {@code mom = momentum * mom + increment} and
     * {@code var = var - mom}, else {@code var = var - increment}.
     * Modified: var, ms, mg, mom. Not modified: grad.
     */
    void rmsprop(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom, MemorySegment grad,
                 long from, long to, RmspropCoefficients c);

    /**
     * TensorFlow {@code ApplyRMSProp} / {@code ApplyCenteredRMSProp} (Keras 2 RMSprop with
     * momentum): {@code ms = ms + (grad^2 - ms) * (1 - rho)}; centered (mg not null):
     * {@code mg = mg + (grad - mg) * (1 - rho)} and {@code denominator = (ms - mg^2) + epsilon},
     * else {@code denominator = ms + epsilon}; {@code mom = mom * momentum + (grad * lr) / sqrt(denominator)};
     * {@code var = var - mom}. Modified: var, ms, mg, mom. Not modified: grad.
     */
    void rmspropMomentum(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                         MemorySegment grad, long from, long to, RmspropCoefficients c);

    /**
     * TensorFlow {@code ApplyAdagradV2}: {@code accum = accum + grad^2},
     * {@code var = var - (grad * lr) / (sqrt(accum) + epsilon)}, or with
     * {@code epsilonInsideSqrt} (Keras 3) {@code var = var - (grad * lr) / sqrt(accum + epsilon)}.
     * Modified: var, accum. Not modified: grad.
     */
    void adagrad(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment grad, long from, long to,
                 double lr, double epsilon, boolean epsilonInsideSqrt);

    /**
     * TensorFlow {@code ApplyAdadelta}: {@code accum = accum * rho + grad^2 * (1 - rho)},
     * {@code update = sqrt(accumUpdate + epsilon) * (1 / sqrt(accum + epsilon)) * grad},
     * {@code var = var - update * lr},
     * {@code accumUpdate = accumUpdate * rho + update^2 * (1 - rho)}.
     * Modified: var, accum, accumUpdate. Not modified: grad.
     */
    void adadelta(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment accumUpdate, MemorySegment grad,
                  long from, long to, double lr, double rho, double oneMinusRho, double epsilon);

    /**
     * TensorFlow {@code ApplyAdaMax}: {@code m = m + (grad - m) * (1 - beta_1)},
     * {@code v = max(beta_2 * v, |grad|)}, {@code var = var - scaledLr * (m / (v + epsilon))}.
     * Modified: var, m, v. Not modified: grad.
     */
    void adamax(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                AdamaxCoefficients c);

    /**
     * Keras 2 (TF2) {@code Nadam._resource_apply_dense}, in its operation order (see
     * {@link NadamCoefficients}). Modified: var, m, v. Not modified: grad.
     */
    void nadam(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
               NadamCoefficients c);

    /**
     * Keras 3 {@code Nadam.update_step}: {@code m = m + (grad - m) * (1 - beta_1)},
     * {@code v = v + (grad^2 - v) * (1 - beta_2)},
     * {@code mHat = (mu_{t+1} * m) / (1 - schedule_next) + ((1 - mu_t) * grad) / (1 - schedule_new)},
     * {@code vHat = v / (1 - beta_2^t)}, {@code var = var - (mHat * lr) / (sqrt(vHat) + epsilon)}.
     * Modified: var, m, v. Not modified: grad.
     */
    void nadamKeras3(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to,
                     NadamCoefficients c);

    /**
     * TensorFlow {@code ApplyFtrl}, or {@code ApplyFtrlV2} when {@code twoL2Shrinkage > 0}:
     * {@code g = grad} (V2: {@code grad + twoL2Shrinkage * var}),
     * {@code newAccum = accum + grad^2},
     * {@code linear = linear + (g - ((newAccum^-p - accum^-p) / lr) * var)} with p = lr_power
     * (square roots when p = -0.5),
     * {@code var = |linear| > l1 ? (l1 * sign(linear) - linear) / (newAccum^-p / lr + 2 l2) : 0},
     * {@code accum = newAccum}; with shrinkage, in the form that keeps {@code linear} times lr (see
     * {@link FtrlCoefficients}). When {@code c.keras3()}, Keras 3's {@code Ftrl.update_step} instead
     * (see {@link FtrlCoefficients#keras3()}). Modified: var, accum, linear. Not modified: grad.
     */
    void ftrl(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
              long from, long to, FtrlCoefficients c);

    /**
     * Keras 3's {@code ScheduleFreeAdamW}, with {@code y = var} and {@code z} its momentum slot:
     * {@code v = v + (grad * grad - v) * oneMinusBeta2},
     * {@code z' = z - (lr * grad) / (sqrt(v / biasCorrection2) + epsilon)},
     * {@code x = (y - oneMinusBeta1 * z) / beta1} (with the z from before this step),
     * {@code x' = oneMinusWeight * x + weight * z'}, {@code y = oneMinusBeta1 * z' + beta1 * x'}.
     * Modified: var, z, v. Not modified: grad.
     */
    void scheduleFreeAdamw(DType dtype, MemorySegment var, MemorySegment z, MemorySegment v, MemorySegment grad, long from, long to,
                           ScheduleFreeCoefficients c);

    // ---- layer-wise updates (a sum of squares, then an element-wise step) -------------------------

    /**
     * Keras 3's {@code Lamb}, its moments: {@code m = m + (grad - m) * oneMinusBeta1},
     * {@code v = v + (grad * grad - v) * oneMinusBeta2}. Returns the sum of the squares of the
     * update {@link #lambApply} will take from the new moments, each square and the sum in double,
     * in {@link #sumOfSquares}'s order. Modified: m, v. Not modified: grad.
     */
    double lambMoments(DType dtype, MemorySegment m, MemorySegment v, MemorySegment grad, long from, long to, LambCoefficients c);

    /**
     * Keras 3's {@code Lamb}, its step: {@code var = var - scale * update} with
     * {@code update = (m / oneMinusBeta1Power) / (sqrt(v / oneMinusBeta2Power) + epsilon)} and
     * {@code scale = trust ratio * lr}. Modified: var. Not modified: m, v.
     */
    void lambApply(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, long from, long to, LambCoefficients c,
                   double scale);

    /**
     * Keras 3's {@code Adafactor}, its factored second moments of a stack of {@code matrices}
     * row-major {@code rows x columns} matrices (the last two dimensions of a variable; r holds
     * {@code matrices x rows} values, c {@code matrices x columns}): for each matrix, with {@code G2 = grad * grad + epsilon1},
     * {@code r[i] = beta2t * r[i] + oneMinusBeta2t * mean_j(G2[i][j])},
     * {@code c[j] = beta2t * c[j] + oneMinusBeta2t * mean_i(G2[i][j])}, then
     * {@code rowFactors[i] = r[i] / mean_i(r[i])}. Each mean is a sum in double rounded to the
     * dtype, divided in the dtype. The sums have one fixed order on every backend, so the results
     * are bit-identical (on OpenCL, where the device has fp64: without it the sums are float-float
     * pairs, which may round differently in the last bit): a column adds its rows in order; a row adds element {@code j} into partial
     * sum {@code j % 4} in order, then {@code (p0 + p1) + (p2 + p3)}; the mean of r adds in order.
     * Modified: r, c, rowFactors. Not modified: grad.
     */
    void adafactorFactors(DType dtype, MemorySegment grad, MemorySegment r, MemorySegment c, MemorySegment rowFactors,
                          long matrices, long rows, long columns, double beta2t, double oneMinusBeta2t, double epsilon1);

    /**
     * Adafactor's factored velocity and its update over elements {@code [from, to)} of a stack of
     * {@code rows x columns} matrices: {@code v = rowFactors[row] * c[column]} (row and column of the
     * element's matrix, counted across the stack), {@code u = grad / sqrt(v)}. Returns the sum of
     * {@code u * u} in double, in {@link #sumOfSquares}'s order. Modified: v. Not modified: grad, rowFactors, c.
     */
    double adafactorFactoredVelocity(DType dtype, MemorySegment v, MemorySegment grad, MemorySegment rowFactors,
                                     MemorySegment c, long rows, long columns, long from, long to);

    /**
     * Adafactor's velocity of a variable of rank 0 or 1:
     * {@code v = beta2t * v + oneMinusBeta2t * (grad * grad + epsilon1)}, {@code u = grad / sqrt(v)}.
     * Returns the sum of {@code u * u} in double, in {@link #sumOfSquares}'s order. Modified: v. Not modified: grad.
     */
    double adafactorVelocity(DType dtype, MemorySegment v, MemorySegment grad, long from, long to, double beta2t,
                             double oneMinusBeta2t, double epsilon1);

    /**
     * Adafactor's step: {@code var = var - alpha * ((grad / sqrt(v)) / divisor)}, where
     * {@code divisor = max(1, rms(u) / clip_threshold)}. Modified: var. Not modified: v, grad.
     */
    void adafactorApply(DType dtype, MemorySegment var, MemorySegment v, MemorySegment grad, long from, long to, double alpha,
                        double divisor);

    // ---- Keras 3's base stages -------------------------------------------------------------------

    /**
     * Keras 3's decoupled weight decay: {@code var = var - (var * weightDecay) * lr}.
     * Modified: var.
     */
    void weightDecay(DType dtype, MemorySegment var, long from, long to, double weightDecay, double lr);

    /**
     * Keras 3's EMA of a variable: {@code average = momentum * average + oneMinusMomentum * var}.
     * Modified: average. Not modified: var.
     */
    void movingAverage(DType dtype, MemorySegment average, MemorySegment var, long from, long to, double momentum,
                       double oneMinusMomentum);

    /**
     * Keras 3's {@code Lion}: {@code var = var - lr * sign(m * beta_1 + grad * (1 - beta_1))}, then
     * {@code m = m * beta_2 + grad * (1 - beta_2)}; {@code sign} is 0 at zero (either sign) and NaN at
     * NaN. Modified: var, m. Not modified: grad.
     */
    void lion(DType dtype, MemorySegment var, MemorySegment m, MemorySegment grad, long from, long to, LionCoefficients c);

    /**
     * Keras 3's {@code Adamax}: {@code m = m + (grad - m) * (1 - beta_1)},
     * {@code u = max(beta_2 * u, |grad|)},
     * {@code var = var - (lr * m) / ((1 - beta_1^t) * (u + epsilon))}. Modified: var, m, u. Not
     * modified: grad.
     */
    void adamaxKeras3(DType dtype, MemorySegment var, MemorySegment m, MemorySegment u, MemorySegment grad, long from, long to,
                      Keras3AdamaxCoefficients c);

    /**
     * Keras 3's {@code Adadelta}: {@code accumGrad = rho * accumGrad + oneMinusRho * grad^2},
     * {@code delta = -((sqrt(accumDelta + epsilon) * grad) / sqrt(accumGrad + epsilon))},
     * {@code accumDelta = rho * accumDelta + oneMinusRho * delta^2}, {@code var = var + lr * delta}.
     * Modified: var, accumGrad, accumDelta. Not modified: grad.
     */
    void adadeltaKeras3(DType dtype, MemorySegment var, MemorySegment accumGrad, MemorySegment accumDelta, MemorySegment grad,
                        long from, long to, double lr, double rho, double oneMinusRho, double epsilon);

    // ---- sparse rows: the parts of TF2 Keras's _resource_apply_sparse that no dense kernel has ----

    /** {@code y = y + (x * x) * alpha} (a scatter-add of squared gradients). Modified: y. Not modified: x. */
    void squareAxpy(DType dtype, double alpha, MemorySegment x, MemorySegment y, long from, long to);

    /**
     * The whole-variable step of Keras 2's sparse Adam, after its moments are updated: with
     * {@code vhat} (AMSGrad) {@code vhat = max(vhat, v)}, then
     * {@code var = var - (alpha * m) / (sqrt(vhat or v) + epsilon)}. Modified: var, vhat. Not modified: m, v.
     */
    void adamFromMoments(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment vhat,
                         long from, long to, double alpha, double epsilon);

    /**
     * Keras 2's sparse Adamax on gathered rows: {@code m = m * beta_1 + grad * (1 - beta_1)},
     * {@code v = max(v * beta_2, |grad|)}, {@code var = var - scaledLr * (m / (v + epsilon))}.
     * Modified: var, m, v. Not modified: grad.
     */
    void adamaxRows(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad,
                    long from, long to, AdamaxCoefficients c, double beta1);

    /**
     * TensorFlow {@code SparseApplyRMSProp} / {@code SparseApplyCenteredRMSProp} on rows:
     * {@code ms = ms * rho + grad^2 * (1 - rho)}; centered (mg not null)
     * {@code mg = mg * rho + grad * (1 - rho)} and {@code denominator = (ms + epsilon) - mg^2}, else
     * {@code ms + epsilon}; {@code mom = mom * momentum + ((1 / sqrt(denominator)) * lr) * grad};
     * {@code var = var - mom}. Modified: var, ms, mg, mom. Not modified: grad.
     */
    void rmspropMomentumRows(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                             MemorySegment grad, long from, long to, RmspropCoefficients c);

    /**
     * TensorFlow {@code SparseApplyFtrl} / {@code SparseApplyFtrlV2} (linear not multiplied by lr):
     * {@code g = grad} (V2: {@code grad + twoL2Shrinkage * var}), {@code newAccum = accum + grad^2},
     * {@code sigma = (newAccum^-p - accum^-p) / lr}, {@code linear = linear + (g - sigma * var)}, or
     * {@code (linear + g) - sigma * var} for {@code oneElementRows} (TF's path for rows of one
     * element), {@code var = (clip(linear, -l1, l1) - linear) / (newAccum^-p / lr + 2 l2)},
     * {@code accum = newAccum}. Modified: var, accum, linear. Not modified: grad.
     */
    void ftrlRows(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                  long from, long to, FtrlCoefficients c, boolean oneElementRows);
}
