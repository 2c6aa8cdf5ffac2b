package dev.panamax.optimizers.step;

import dev.panamax.optimizers.GradientAndVariable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The first stage of a step, Keras's {@code _filter_empty_gradients}: pairs whose gradient is null
 * are dropped with Keras's warning; if every gradient is null, the step is an error.
 */
public final class FilterEmptyGradients {

    private static final System.Logger LOG = System.getLogger("dev.panamax.optimizers.Optimizer");

    private FilterEmptyGradients() {
    }

    /**
     * The pairs that have a gradient, in order.
     *
     * @throws IllegalArgumentException Keras's {@code No gradients provided for any variable} when
     *                                  none has one
     */
    public static List<GradientAndVariable> apply(List<GradientAndVariable> pairs) {
        List<GradientAndVariable> kept = new ArrayList<>(pairs.size());
        List<String> empty = new ArrayList<>();
        for (GradientAndVariable p : pairs) {
            Objects.requireNonNull(p, "gradientsAndVariables contains a null pair");
            if (p.gradient() == null) {
                empty.add(p.variable().name());
            } else {
                kept.add(p);
            }
        }
        if (kept.isEmpty() && !pairs.isEmpty()) {
            throw new IllegalArgumentException("No gradients provided for any variable: " + pythonList(empty) + ".");
        }
        if (!empty.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "Gradients do not exist for variables " + pythonList(empty)
                    + " when minimizing the loss. If you're using `model.compile()`, did you forget to provide a `loss` argument?");
        }
        return kept;
    }

    /** Formats names as Python prints a list of strings, as Keras's messages show them. */
    public static String pythonList(List<String> names) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < names.size(); i++) {
            sb.append(i == 0 ? "'" : ", '").append(names.get(i)).append("'");
        }
        return sb.append("]").toString();
    }
}
