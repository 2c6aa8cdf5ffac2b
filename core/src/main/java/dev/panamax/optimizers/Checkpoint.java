package dev.panamax.optimizers;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Saves an optimizer's whole state to a safetensors file and loads it back: the tensors of
 * {@link CheckpointEntries} under their keys, and in the metadata the format and its version, the
 * optimizer's Java class, its Keras config ({@link Optimizers#toJson}) and a CRC32C of the file.
 * Files are replaced atomically ({@link AtomicFiles}). A load checks everything (structure,
 * checksum, format, class, config, every key, dtype and shape, the step counter) before it writes
 * anything.
 */
final class Checkpoint {

    static final String FORMAT = "panamax.optimizer";
    static final String FORMAT_VERSION = "1";
    static final String FORMAT_KEY = "format";
    static final String VERSION_KEY = "format_version";
    static final String CLASS_KEY = "class";
    static final String CONFIG_KEY = "config";

    /**
     * Config keys that may differ between the file and the optimizer it is loaded into, at any
     * depth: the name (keys do not use it) and the options a running optimizer may change
     * ({@link Optimizer#setLearningRate}, {@link Optimizer#setClipnorm},
     * {@link Optimizer#setGlobalClipnorm}). A number learning rate is restored from the file.
     */
    static final Set<String> CHANGEABLE_CONFIG_KEYS = Set.of("name", "learning_rate", "clipnorm", "global_clipnorm");

    /** Keras's step counter must be exact in a double (schedules and bias corrections read it as one). */
    private static final long MAX_ITERATIONS = 1L << 53;

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // as Optimizers writes configs
            .build();

    private Checkpoint() {
    }

    // ---- save ------------------------------------------------------------------------------------

    static void save(Optimizer optimizer, Path file) throws IOException {
        List<CheckpointEntries.Entry> entries = CheckpointEntries.of(optimizer);
        String config;
        try {
            config = Optimizers.toJson(optimizer);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot save optimizer '" + optimizer.getName() + "' to " + file
                    + ": its config cannot be written (" + e.getMessage() + "), and a checkpoint holds it", e);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(FORMAT_KEY, FORMAT);
        metadata.put(VERSION_KEY, FORMAT_VERSION);
        metadata.put(CLASS_KEY, optimizer.getClass().getName());
        metadata.put(CONFIG_KEY, config);
        List<SafeTensorsWriter.Named> tensors = new ArrayList<>(entries.size());
        for (CheckpointEntries.Entry e : entries) {
            tensors.add(new SafeTensorsWriter.Named(e.key(), e.value()));
        }
        AtomicFiles.replace(file, channel -> SafeTensorsWriter.write(channel, metadata, tensors));
    }

    // ---- load ------------------------------------------------------------------------------------

    static void load(Optimizer optimizer, Path file) throws IOException {
        try (SafeTensorsReader reader = open(file)) {
            load(optimizer, reader);
        }
    }

    /** Makes the optimizer the file's config describes, builds it with {@code variables} and loads the file into it. */
    static Optimizer create(Path file, List<Variable> variables) throws IOException {
        try (SafeTensorsReader reader = open(file)) {
            Optimizer optimizer;
            try {
                optimizer = Optimizers.fromJson(reader.metadata().get(CONFIG_KEY));
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file, "its config does not make an optimizer: " + e.getMessage(), e);
            }
            try {
                optimizer.build(variables);
                load(optimizer, reader);
                return optimizer;
            } catch (IOException | RuntimeException | Error e) {
                optimizer.close();
                throw e;
            }
        }
    }

    /** Opens {@code file} and checks its structure, checksum and format metadata. */
    private static SafeTensorsReader open(Path file) throws IOException {
        SafeTensorsReader reader = SafeTensorsReader.open(file);
        try {
            reader.verifyChecksum();
            checkFormat(file, reader.metadata());
            return reader;
        } catch (IOException | RuntimeException | Error e) {
            reader.close();
            throw e;
        }
    }

    private static void checkFormat(Path file, Map<String, String> metadata) throws CheckpointException {
        String format = metadata.get(FORMAT_KEY);
        if (!FORMAT.equals(format)) {
            throw new CheckpointException(file, "metadata '" + FORMAT_KEY + "' is " + quoted(format) + ", expected '" + FORMAT
                    + "': this is not a Panamax optimizer checkpoint");
        }
        String version = metadata.get(VERSION_KEY);
        if (!FORMAT_VERSION.equals(version)) {
            throw new CheckpointException(file, "metadata '" + VERSION_KEY + "' is " + quoted(version) + ", expected '"
                    + FORMAT_VERSION + "': written by another version of Panamax");
        }
        List<String> expected = List.of(FORMAT_KEY, VERSION_KEY, CLASS_KEY, CONFIG_KEY, SafeTensorsHeader.CHECKSUM_KEY);
        for (String key : expected) {
            if (!metadata.containsKey(key)) {
                throw new CheckpointException(file, "metadata '" + key + "' is missing; a checkpoint has " + expected);
            }
        }
        for (String key : metadata.keySet()) {
            if (!expected.contains(key)) {
                throw new CheckpointException(file, "metadata '" + key + "' is unknown; a checkpoint has " + expected);
            }
        }
    }

    /** Checks everything against {@code optimizer}, then writes every entry. */
    private static void load(Optimizer optimizer, SafeTensorsReader reader) throws IOException {
        Path file = reader.file();
        Map<String, String> metadata = reader.metadata();
        String className = optimizer.getClass().getName();
        if (!className.equals(metadata.get(CLASS_KEY))) {
            throw new CheckpointException(file, "metadata '" + CLASS_KEY + "': the file holds the state of a "
                    + metadata.get(CLASS_KEY) + ", expected a " + className + " (the optimizer it is loaded into)");
        }
        checkConfig(file, optimizer, metadata.get(CONFIG_KEY));

        List<CheckpointEntries.Entry> expected = CheckpointEntries.of(optimizer);
        Map<String, SafeTensorsHeader.Entry> found = new LinkedHashMap<>();
        reader.entries().forEach(e -> found.put(e.name(), e));
        checkKeys(file, optimizer, expected, found);

        List<Runnable> setNumbers = new ArrayList<>();
        for (CheckpointEntries.Entry e : expected) {
            SafeTensorsHeader.Entry f = found.get(e.key());
            if (!e.value().isAlive()) {
                throw new IllegalStateException("Optimizer '" + optimizer.getName() + "' cannot load " + file + ": its variable '"
                        + e.key() + "' is closed");
            }
            if (f.dtype() != e.dtype() || !e.value().hasShape(f.shape())) {
                throw new CheckpointException(file, "key '" + e.key() + "': expected " + e.describe() + ", found " + f.describe());
            }
            switch (e.role()) {
                case ITERATION -> {
                    long iterations = reader.readScalar(f).longValue();
                    if (iterations < 0 || iterations >= MAX_ITERATIONS) {
                        throw new CheckpointException(file, "key '" + e.key() + "': expected a step count in [0, 2^53), found "
                                + iterations);
                    }
                    setNumbers.add(() -> e.owner().store.setIterations(iterations));
                }
                case LEARNING_RATE -> {
                    Hyperparameter lr = Hyperparameter.of(reader.readScalar(f).doubleValue());
                    try {
                        e.owner().checkHyperparameter("learning_rate", lr);
                    } catch (IllegalArgumentException invalid) {
                        throw new CheckpointException(file, "key '" + e.key() + "': " + invalid.getMessage(), invalid);
                    }
                    setNumbers.add(() -> e.owner().hyperparameters.set("learning_rate", lr,
                            e.owner().hyperparameterRange("learning_rate")));
                }
                case TENSOR -> {
                    // copied below, once everything is checked
                }
            }
        }

        // Everything is checked. Only an I/O or device error can stop the copies now.
        try {
            for (CheckpointEntries.Entry e : expected) {
                if (e.role() == CheckpointEntries.Role.TENSOR) {
                    reader.read(found.get(e.key()), e.value());
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": reading failed after the file was checked (" + e.getMessage() + "); optimizer '"
                    + optimizer.getName() + "' is partly loaded: load a checkpoint again before using it", e);
        }
        setNumbers.forEach(Runnable::run);
    }

    /** Every expected key is in the file, and the file has no other. */
    private static void checkKeys(Path file, Optimizer optimizer, List<CheckpointEntries.Entry> expected,
                                  Map<String, SafeTensorsHeader.Entry> found) throws CheckpointException {
        List<String> missing = new ArrayList<>();
        Set<String> expectedKeys = new LinkedHashSet<>();
        for (CheckpointEntries.Entry e : expected) {
            expectedKeys.add(e.key());
            if (!found.containsKey(e.key())) {
                missing.add(e.key() + " (" + e.describe() + ")");
            }
        }
        List<String> unknown = new ArrayList<>();
        for (SafeTensorsHeader.Entry f : found.values()) {
            if (!expectedKeys.contains(f.name())) {
                unknown.add(f.name() + " (" + f.describe() + ")");
            }
        }
        if (missing.isEmpty() && unknown.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder("the file's keys do not match optimizer '" + optimizer.getName() + "'");
        if (!missing.isEmpty()) {
            message.append(": missing ").append(missing);
        }
        if (!unknown.isEmpty()) {
            message.append(missing.isEmpty() ? ": " : "; ").append("not in the optimizer ").append(unknown);
        }
        message.append("; expected exactly ").append(expectedKeys);
        if (!isBuilt(optimizer) && !unknown.isEmpty()) {
            message.append(". The optimizer is not built: build it first with the model's variables (optimizer.build(variables)),"
                    + " or make it from the file with Optimizers.load(file, variables)");
        }
        throw new CheckpointException(file, message.toString());
    }

    private static boolean isBuilt(Optimizer optimizer) {
        return optimizer.store.isBuilt();
    }

    /** The file's config equals {@code optimizer}'s but for {@link #CHANGEABLE_CONFIG_KEYS}. */
    private static void checkConfig(Path file, Optimizer optimizer, String savedJson) throws CheckpointException {
        JsonNode saved;
        try {
            saved = JSON.readTree(savedJson);
        } catch (JacksonException e) {
            throw new CheckpointException(file, "metadata '" + CONFIG_KEY + "' is not valid JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode current;
        try {
            current = JSON.readTree(Optimizers.toJson(optimizer));
        } catch (JacksonException | RuntimeException e) {
            throw new IllegalStateException("Cannot compare optimizer '" + optimizer.getName() + "' with the config in " + file
                    + ": its own config cannot be written (" + e.getMessage() + ")", e);
        }
        String difference = firstDifference("", saved, current);
        if (difference != null) {
            throw new CheckpointException(file, "metadata '" + CONFIG_KEY + "': " + difference + "; only "
                    + List.copyOf(new TreeSet<>(CHANGEABLE_CONFIG_KEYS)) + " may differ. To resume with the file's "
                    + "config, make the optimizer from the file: Optimizers.load(file, variables)");
        }
    }

    /** The first difference of two JSON values, ignoring {@link #CHANGEABLE_CONFIG_KEYS}, or null. */
    private static String firstDifference(String path, JsonNode saved, JsonNode current) {
        if (saved.isObject() && current.isObject()) {
            Set<String> keys = new LinkedHashSet<>();
            saved.fieldNames().forEachRemaining(keys::add);
            current.fieldNames().forEachRemaining(keys::add);
            for (String key : keys) {
                if (CHANGEABLE_CONFIG_KEYS.contains(key)) {
                    continue;
                }
                String at = path.isEmpty() ? key : path + "." + key;
                JsonNode s = saved.get(key);
                JsonNode c = current.get(key);
                if (s == null || c == null) {
                    return "'" + at + "' is " + (s == null ? "not in the file" : "in the file (" + s + ")") + " but "
                            + (c == null ? "not in this optimizer's config" : "is " + c + " in this optimizer's config");
                }
                String inner = firstDifference(at, s, c);
                if (inner != null) {
                    return inner;
                }
            }
            return null;
        }
        return saved.equals(current) ? null : "'" + path + "' is " + saved + " in the file, expected " + current
                + " (this optimizer's config)";
    }

    private static String quoted(String value) {
        return value == null ? "missing" : "'" + value + "'";
    }
}
