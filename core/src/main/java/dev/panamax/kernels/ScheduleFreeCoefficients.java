package dev.panamax.kernels;

/**
 * Per-step scalars of Keras 3's {@code ScheduleFreeAdamW.update_step}, rounded to the variable's
 * dtype.
 *
 * @param lr                    the learning rate, times the warmup factor
 * @param oneMinusBeta1         {@code 1 - beta_1}, with beta_1 in the dtype
 * @param beta1                 the interpolation between z and x
 * @param oneMinusBeta2         {@code 1 - beta_2}, with beta_2 in the dtype
 * @param biasCorrection2       {@code 1 - beta_2^t}
 * @param epsilon               added outside the square root
 * @param weight                {@code 1 / t}, the weight of z in the average x
 * @param oneMinusWeight        {@code 1 - weight}
 */
public record ScheduleFreeCoefficients(double lr, double oneMinusBeta1, double beta1, double oneMinusBeta2,
                                       double biasCorrection2, double epsilon, double weight, double oneMinusWeight) {
}
