package dev.panamax.examples.mnist;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ParseResult;

/**
 * The plot's file name. By default it says what was run, {@code mnist-<optimizer>} followed by
 * each option typed that changes the result ({@code mnist-adam_lr=0.002_epochs=3.png}), and it
 * never replaces a file: a run that would take an existing name gets {@code -2}, {@code -3}, ...
 * A {@code --name} is taken as given and replaces its file, as {@code -o} does for a compiler.
 */
final class PlotFile {

    /** The options that change the curves, in the order the name lists them, with their short keys. */
    private static final List<String[]> NAMED_OPTIONS = List.of(
            new String[] {"--lr", "lr"}, new String[] {"--schedule", ""}, new String[] {"--clipnorm", "clipnorm"},
            new String[] {"--l2", "l2"}, new String[] {"--dropout", "dropout"}, new String[] {"--shift", "shift"},
            new String[] {"--batch-size", "batch"}, new String[] {"--hidden", "hidden"},
            new String[] {"--epochs", "epochs"}, new String[] {"--seed", "seed"}, new String[] {"--limit", "limit"},
            new String[] {"--data", "data"});

    /** More optimizers than this are named by their count, which keeps the name short. */
    private static final int MAX_LISTED = 4;

    private PlotFile() {
    }

    /**
     * The default name without {@code .png}: the optimizer's Keras class name in lower case, or
     * {@code compare-} and the names ({@code all} for every built-in), then the options.
     */
    static String defaultBase(List<String> labels, boolean compare, boolean all, ParseResult options) {
        StringBuilder name = new StringBuilder("mnist-");
        if (!compare) {
            name.append(safe(labels.get(0)));
        } else if (all) {
            name.append("compare-all");
        } else if (labels.size() > MAX_LISTED) {
            name.append("compare-").append(labels.size()).append("-optimizers");
        } else {
            List<String> names = new ArrayList<>();
            labels.forEach(l -> names.add(safe(l)));
            name.append("compare-").append(String.join("+", names));
        }
        for (String[] option : NAMED_OPTIONS) {
            if (options.hasMatchedOption(option[0])) {
                List<String> values = options.matchedOption(option[0]).stringValues();
                String value = option[0].equals("--data") ? Path.of(values.get(0)).getFileName() + ""
                        : String.join("x", values);
                name.append('_').append(option[1]).append(option[1].isEmpty() ? "" : "=").append(safe(value));
            }
        }
        return name.toString();
    }

    /** What a plot is written with. */
    interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code base.png} in {@code dir}: replacing it if {@code replace}, else under the first
     * free name of {@code base.png}, {@code base-2.png}, ... (taken atomically, so two runs at
     * once do not write the same file). Returns the file written.
     */
    static Path write(Path dir, String base, boolean replace, Writer writer) throws IOException {
        for (int k = 1; ; k++) {
            Path file = dir.resolve(base + (k == 1 ? "" : "-" + k) + ".png");
            OutputStream out;
            try {
                out = replace ? Files.newOutputStream(file)
                        : Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            try (out) {
                writer.write(out);
            }
            return file;
        }
    }

    /** Letters, digits and {@code . + - x} as they are; anything else becomes {@code _}. */
    private static String safe(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.+-]", "_");
    }
}
