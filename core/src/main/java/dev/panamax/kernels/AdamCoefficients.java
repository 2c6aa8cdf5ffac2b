package dev.panamax.kernels;

/**
 * Per-step scalars of one Adam update, already rounded to the variable's dtype (TensorFlow
 * computes them in the variable's dtype).
 *
 * @param alpha         {@code lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)}
 * @param oneMinusBeta1 {@code 1 - beta_1}
 * @param oneMinusBeta2 {@code 1 - beta_2}
 * @param epsilon       added to {@code sqrt(v)}
 * @param decays        whether the kernel first decays the variable as Keras 3's weight decay does,
 *                      {@code var - var * weightDecay * decayLearningRate} (AdamW's decay fused into
 *                      the kernel: one pass over the variable instead of two, the same bits)
 * @param weightDecay       the decay rate, rounded to the dtype (unused unless {@code decays})
 * @param decayLearningRate the step's learning rate in the dtype (unused unless {@code decays})
 */
public record AdamCoefficients(double alpha, double oneMinusBeta1, double oneMinusBeta2, double epsilon, boolean decays,
                               double weightDecay, double decayLearningRate) {

    /** Adam with no weight decay in the kernel. */
    public AdamCoefficients(double alpha, double oneMinusBeta1, double oneMinusBeta2, double epsilon) {
        this(alpha, oneMinusBeta1, oneMinusBeta2, epsilon, false, 0, 0);
    }

    /** These coefficients with Keras 3's weight decay of the variable done by the kernel. */
    public AdamCoefficients withWeightDecay(double weightDecay, double learningRate) {
        return new AdamCoefficients(alpha, oneMinusBeta1, oneMinusBeta2, epsilon, true, weightDecay, learningRate);
    }
}
