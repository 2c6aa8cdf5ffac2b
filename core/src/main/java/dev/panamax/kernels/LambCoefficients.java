package dev.panamax.kernels;

/**
 * Per-step scalars of Keras 3's {@code Lamb.update_step}, rounded to the variable's dtype. The
 * update of one element is {@code (m / oneMinusBeta1Power) / (sqrt(v / oneMinusBeta2Power) + epsilon)}.
 *
 * @param oneMinusBeta1      {@code 1 - beta_1}, a Python float then the dtype
 * @param oneMinusBeta2      {@code 1 - beta_2}, likewise
 * @param oneMinusBeta1Power {@code 1 - beta_1^t}, with {@code beta_1} and the power in the dtype
 * @param oneMinusBeta2Power {@code 1 - beta_2^t}, likewise
 * @param epsilon            added outside the square root
 */
public record LambCoefficients(double oneMinusBeta1, double oneMinusBeta2, double oneMinusBeta1Power, double oneMinusBeta2Power,
                               double epsilon) {
}
