package dev.panamax.optimizers;

import java.util.Map;

/**
 * Adam and AMSGrad: Keras {@code Adam} (TensorFlow {@code ApplyAdam} /
 * {@code ApplyAdamWithAmsgrad}), with epsilon added to {@code sqrt(v)} (the "epsilon hat" of the
 * paper's section 2.1). Per step {@code t = iterations + 1}:
 * {@code lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)}, {@code m = m + (g - m) * (1 - beta_1)},
 * {@code v = v + (g^2 - v) * (1 - beta_2)}, {@code w = w - lr_t * m / (sqrt(v) + epsilon)}.
 * With AMSGrad, {@code vhat = max(vhat, v)} replaces {@code v} in the denominator.
 *
 * <p>Slots: {@code m}, {@code v}, and {@code vhat} with AMSGrad, each kind for every variable in
 * turn. The Keras 3 form ({@link Builder#keras3}) is Keras 3's {@code Adam.update_step}: the same
 * kernel, with {@code 1 - beta} computed from the exact betas (TF2 rounds the betas to float32
 * first), no epsilon 0 to 1e-7 fallback, slots {@code momentum} and {@code velocity} (interleaved
 * per variable) and {@code velocity_hat}, and sparse gradients made dense.
 */
public final class Adam extends AdaptiveMoments {

    /** Keras's default {@code learning_rate} for Adam. */
    public static final double DEFAULT_LEARNING_RATE = 0.001;

    private Adam(Builder b) {
        super(b, "Adam");
    }

    /** Adam with Keras's defaults: learning rate 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7. */
    public Adam() {
        this(builder());
    }

    /** Adam with Keras's defaults and this {@code learning_rate}. */
    public Adam(double learningRate) {
        this(builder().learningRate(learningRate));
    }

    /** A builder with Keras's default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras's {@code Adam.from_config(config)}. Unknown or ill-typed keys are errors. */
    public static Adam fromConfig(Map<String, ?> config) {
        return fromConfig(config, false);
    }

    /** {@link #fromConfig(Map)} of a config in Keras 3's form when {@code keras3}: a Keras 3 optimizer, Keras 3's keys. */
    public static Adam fromConfig(Map<String, ?> config, boolean keras3) {
        return readConfig(new ConfigReader("Adam", config, keras3), builder());
    }

    /** Adam's builder. */
    public static final class Builder extends Options<Builder> {

        private Builder() {
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public Adam build() {
            return new Adam(this);
        }
    }
}
