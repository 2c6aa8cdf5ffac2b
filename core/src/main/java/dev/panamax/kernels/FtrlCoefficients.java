package dev.panamax.kernels;

/**
 * Per-step scalars of FTRL-Proximal (TensorFlow {@code ApplyFtrl} / {@code ApplyFtrlV2}),
 * rounded to the variable's dtype.
 *
 * <p>With shrinkage, TensorFlow's {@code ResourceApplyFtrlV2} (as Keras calls it, with
 * {@code multiply_linear_by_lr=False}) dispatches to its {@code ApplyFtrlV2MultiplyLinearByLr}
 * functor, which keeps the {@code linear} slot multiplied by lr:
 * {@code linear = linear + ((grad + twoL2Shrinkage * var) * lr - (newAccum^-p - accum^-p) * var)},
 * {@code var = |linear| > l1 lr ? ((l1 lr) sign(linear) - linear) / (newAccum^-p + 2 l2 lr) : 0}.
 * The variable follows the same path as the unscaled form; the slot holds lr times its value.
 * We follow TensorFlow so that slots and checkpoints agree with Keras's.
 *
 * @param learningRate        lr
 * @param l1                  L1 regularization strength
 * @param twoL2               {@code 2 * l2}, where l2 already includes Keras's {@code beta / (2 lr)}
 * @param twoL2Shrinkage      {@code 2 * l2_shrinkage}; 0 selects FTRL V1 (no shrinkage term)
 * @param learningRatePower   lr_power (at most 0); -0.5 takes the square-root path
 * @param keras3              Keras 3's {@code Ftrl.update_step} instead: linear is never scaled,
 *                            {@code linear = linear + ((grad + twoL2Shrinkage * var) - sigma * var)} with
 *                            {@code sigma = (newAccum^-p - accum^-p) / lr}, and
 *                            {@code var = (clip(linear, -l1, l1) - linear) / (newAccum^-p / lr + twoL2)}
 */
public record FtrlCoefficients(double learningRate, double l1, double twoL2, double twoL2Shrinkage, double learningRatePower,
                               boolean keras3) {

    /** TensorFlow's {@code ApplyFtrl} ({@code twoL2Shrinkage} 0) or {@code ApplyFtrlV2}. */
    public FtrlCoefficients(double learningRate, double l1, double twoL2, double twoL2Shrinkage, double learningRatePower) {
        this(learningRate, l1, twoL2, twoL2Shrinkage, learningRatePower, false);
    }
}
