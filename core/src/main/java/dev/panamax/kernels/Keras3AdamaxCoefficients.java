package dev.panamax.kernels;

/**
 * Per-step scalars of Keras 3's {@code Adamax.update_step}, already rounded to the variable's
 * dtype. Unlike TF2's {@code ApplyAdaMax}, Keras 3 divides {@code lr * m} by
 * {@code (1 - beta_1^t) * (u + epsilon)}.
 *
 * @param lr                 the learning rate
 * @param oneMinusBeta1      {@code 1 - beta_1}, from the exact beta_1
 * @param beta2              the norm's decay
 * @param oneMinusBeta1Power {@code 1 - beta_1^t}
 * @param epsilon            added to {@code u}
 */
public record Keras3AdamaxCoefficients(double lr, double oneMinusBeta1, double beta2, double oneMinusBeta1Power, double epsilon) {
}
