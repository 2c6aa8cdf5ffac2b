package dev.panamax.optimizers;

/**
 * The builder of an optimizer that exists only in Keras 3 (Lion, Lamb, Adafactor,
 * ScheduleFreeAdamW): it starts as {@code keras3(true)} and refuses {@code keras3(false)}, since
 * there is no TF2 formula to fall back to.
 *
 * @param <B> the concrete builder
 */
public abstract class Keras3OnlyBuilder<B extends Keras3OnlyBuilder<B>> extends Optimizer.Builder<B> {

    private final String className;

    /** @param className Keras's class name, for the refusal's message */
    protected Keras3OnlyBuilder(String className) {
        this.className = className;
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
}
