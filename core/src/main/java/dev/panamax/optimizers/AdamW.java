package dev.panamax.optimizers;

import java.util.Map;

/**
 * Keras 3's {@code AdamW}: {@link Adam} in its Keras 3 form with decoupled weight decay, which is
 * required ({@code weight_decay} 0.004 unless set). Each step first decays the variables that are
 * not excluded ({@code var -= var * weight_decay * lr}), then takes Adam's step. Slots
 * {@code momentum}, {@code velocity}, {@code velocity_hat} (AMSGrad).
 */
public final class AdamW extends AdaptiveMoments {

    /** Keras 3's default {@code weight_decay}. */
    public static final double DEFAULT_WEIGHT_DECAY = 0.004;

    private AdamW(Builder b) {
        if (b.weightDecay == null) {
            throw new IllegalArgumentException("Argument `weight_decay` must be a float. Received: weight_decay=None");
        }
        super(b, "AdamW");
    }

    /** AdamW with Keras's defaults: learning rate 0.001, weight decay 0.004, beta_1 0.9, beta_2 0.999, epsilon 1e-7. */
    public AdamW() {
        this(builder());
    }

    /** A builder with Keras's default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Keras 3's {@code AdamW.from_config(config)}; a TF2-form config (Keras 2.11+'s {@code AdamW})
     * is read the same way, with TF2's key errors.
     */
    public static AdamW fromConfig(Map<String, ?> config, boolean keras3) {
        return readConfig(new ConfigReader("AdamW", config, keras3), builder());
    }

    /** AdamW's keyword arguments: Adam's, in Keras 3's form, with weight decay 0.004. */
    public static final class Builder extends AdaptiveMoments.Options<Builder> {

        private Builder() {
            keras3(true);
            weightDecay(DEFAULT_WEIGHT_DECAY);
        }

        /** AdamW is Keras 3's only: {@code keras3(false)} is refused. */
        @Override
        public Builder keras3(boolean keras3) {
            if (!keras3) {
                throw new IllegalArgumentException("AdamW is a Keras 3 optimizer; it has no TF2 form");
            }
            return super.keras3(true);
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public AdamW build() {
            return new AdamW(this);
        }
    }
}
