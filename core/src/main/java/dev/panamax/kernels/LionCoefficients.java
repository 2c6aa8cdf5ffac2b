package dev.panamax.kernels;

/**
 * Per-step scalars of one Lion update (Keras 3's {@code Lion.update_step}), already rounded to the
 * variable's dtype.
 *
 * @param lr            the learning rate
 * @param beta1         the weight of the momentum in the update direction
 * @param oneMinusBeta1 {@code 1 - beta_1}, computed in the dtype
 * @param beta2         the momentum's decay
 * @param oneMinusBeta2 {@code 1 - beta_2}, computed in the dtype
 */
public record LionCoefficients(double lr, double beta1, double oneMinusBeta1, double beta2, double oneMinusBeta2) {
}
