package dev.panamax.optimizers;

import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which variables {@link Muon} steps with AdamW rather than Newton-Schulz: Keras's
 * {@code exclude_layers} (regular expressions, compiled once) and {@code exclude_embeddings}.
 */
final class MuonExclusions {

    private final List<String> layers;
    private final List<Pattern> patterns;
    private final boolean embeddings;

    /** @throws IllegalArgumentException when an expression is not a valid regular expression */
    MuonExclusions(List<String> layers, boolean embeddings) {
        this.layers = List.copyOf(layers);
        this.patterns = compile(this.layers);
        this.embeddings = embeddings;
    }

    private static List<Pattern> compile(List<String> expressions) {
        List<Pattern> patterns = new ArrayList<>(expressions.size());
        for (String e : expressions) {
            try {
                patterns.add(Pattern.compile(Objects.requireNonNull(e, "exclude_layers entry")));
            } catch (PatternSyntaxException ex) {
                throw new IllegalArgumentException("exclude_layers: '" + e + "' is not a valid regular expression: "
                        + ex.getDescription(), ex);
            }
        }
        return List.copyOf(patterns);
    }

    /** {@code exclude_layers}, as given. */
    List<String> layers() {
        return layers;
    }

    /** {@code exclude_embeddings}. */
    boolean embeddings() {
        return embeddings;
    }

    /**
     * Keras's {@code _should_use_adamw(variable)}, tested in Keras's order: its rank is not 2;
     * {@code exclude_embeddings} and its lower-cased path contains {@code "embedding"}; its path
     * contains a match of one of {@code exclude_layers} (Python's {@code re.search}, case-sensitive).
     */
    boolean usesAdamW(Variable variable) {
        if (variable.shape().length != 2) {
            return true;
        }
        if (embeddings && variable.name().toLowerCase(Locale.ROOT).contains("embedding")) {
            return true;
        }
        for (Pattern p : patterns) {
            if (p.matcher(variable.name()).find()) {
                return true;
            }
        }
        return false;
    }
}
