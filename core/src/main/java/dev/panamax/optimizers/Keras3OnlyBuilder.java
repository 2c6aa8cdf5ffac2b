package dev.panamax.optimizers;

/**
 * The builder of an optimizer that exists only in Keras 3's formulas (Lion, Lamb, Adafactor,
 * ScheduleFreeAdamW, Muon, LossScaleOptimizer): it starts as {@code keras3(true)} and refuses
 * {@code keras3(false)}, since there is no TF2 formula to fall back to, and refuses
 * {@code keras211(true)} for those that Keras 2.11 to 2.15 did not have.
 *
 * @param <B> the concrete builder
 */
public abstract class Keras3OnlyBuilder<B extends Keras3OnlyBuilder<B>> extends Optimizer.Builder<B> {

    private final String className;
    private final boolean inKeras211;

    /**
     * @param className  Keras's class name, for the refusals' messages
     * @param inKeras211 whether Keras 2.11 to 2.15 had it as a non-legacy optimizer (Lion, Adafactor)
     */
    protected Keras3OnlyBuilder(String className, boolean inKeras211) {
        this.className = className;
        this.inKeras211 = inKeras211;
        super.keras3(true);
    }

    /** Keras 3 only: {@code keras3(false)} is refused. */
    @Override
    public B keras3(boolean keras3) {
        if (!keras3) {
            throw new IllegalArgumentException(className + " is a Keras 3 optimizer; it has no TF2 form");
        }
        return super.keras3(true);
    }

    /** Refused for an optimizer that Keras 2.11 to 2.15 did not have. */
    @Override
    public B keras211(boolean keras211) {
        if (keras211 && !inKeras211) {
            throw new IllegalArgumentException(className + " has no Keras 2.11-2.15 form: it first came with Keras 3");
        }
        return super.keras211(keras211);
    }
}
