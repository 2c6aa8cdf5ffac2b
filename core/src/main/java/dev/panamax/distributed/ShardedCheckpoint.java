package dev.panamax.distributed;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.panamax.optimizers.AtomicFiles;
import dev.panamax.optimizers.CheckpointException;
import dev.panamax.optimizers.Optimizer;
import dev.panamax.tensor.Variable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link ZeroRedundancyOptimizer}'s checkpoint in a directory every rank reaches: each rank's
 * optimizer state in a file of its own ({@code rank-<r>-of-<n>-step-<iterations>.safetensors},
 * Panamax's named checkpoint format), and a manifest ({@value #MANIFEST}) that rank 0 writes once
 * every rank's file is complete: the rank count, the step, the variables' names and shapes, and
 * the files. The manifest is replaced atomically and last, so a crash while saving leaves the
 * previous checkpoint whole; a rank deletes its older files only after the new manifest is there.
 */
final class ShardedCheckpoint {

    /** The manifest's file name. */
    static final String MANIFEST = "zero-manifest.json";
    /** The manifest's {@code format}. */
    static final String FORMAT = "panamax-zero-1";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ShardedCheckpoint() {
    }

    private static String fileName(int rank, int size, long iterations) {
        return "rank-" + rank + "-of-" + size + "-step-" + iterations + ".safetensors";
    }

    /** Every rank at once: writes this rank's file, then rank 0 the manifest, then each rank removes its older files. */
    static void save(Path directory, Collective group, Optimizer shards, List<Variable> variables) throws IOException {
        long iterations = shards.getIterations();
        String mine = fileName(group.rank(), group.size(), iterations);
        shards.save(directory.resolve(mine));
        group.barrier(); // every rank's file is complete
        if (group.rank() == 0) {
            writeManifest(directory, group.size(), iterations, variables);
        }
        group.barrier(); // the manifest names the new files: the older ones can go
        String prefix = "rank-" + group.rank() + "-of-" + group.size() + "-step-";
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, prefix + "*.safetensors")) {
            for (Path f : files) {
                if (!f.getFileName().toString().equals(mine)) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static void writeManifest(Path directory, int size, long iterations, List<Variable> variables) throws IOException {
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format", FORMAT);
        manifest.put("ranks", size);
        manifest.put("iterations", iterations);
        List<Map<String, Object>> described = new ArrayList<>();
        for (Variable v : variables) {
            described.add(Map.of("name", v.name(), "shape", v.shape()));
        }
        manifest.put("variables", described);
        List<String> files = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            files.add(fileName(r, size, iterations));
        }
        manifest.put("files", files);
        // On disk, renamed over the old manifest, and the rename itself forced to disk before the
        // ranks delete their older files: a power loss then leaves one whole checkpoint or the other.
        AtomicFiles.replace(directory.resolve(MANIFEST), JSON.writeValueAsString(manifest).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * This rank's part: checks the manifest against the group and the variables, then loads this
     * rank's file into {@code shards} (built by the caller).
     */
    static void load(Path directory, Collective group, Optimizer shards, List<Variable> variables) throws IOException {
        Path file = directory.resolve(MANIFEST);
        Map<?, ?> manifest;
        try {
            manifest = JSON.readValue(Files.readString(file, StandardCharsets.UTF_8), Map.class);
        } catch (JacksonException e) {
            throw new CheckpointException(file, "not a JSON manifest: " + e.getOriginalMessage(), e);
        }
        if (!FORMAT.equals(manifest.get("format"))) {
            throw new CheckpointException(file, "format is " + manifest.get("format") + ", expected " + FORMAT);
        }
        if (!(manifest.get("ranks") instanceof Integer ranks) || ranks != group.size()) {
            throw new CheckpointException(file, "saved by " + manifest.get("ranks") + " ranks, but this group has " + group.size()
                    + ": a sharded checkpoint resumes on as many ranks as saved it");
        }
        List<String> expected = variables.stream().map(v -> v.name() + " " + Arrays.toString(v.shape())).toList();
        List<String> saved = new ArrayList<>();
        if (manifest.get("variables") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && m.get("shape") instanceof List<?> shape) {
                    saved.add(m.get("name") + " " + shape.toString());
                }
            }
        }
        if (!saved.equals(expected)) {
            throw new CheckpointException(file, "holds variables " + saved + ", expected " + expected + " (the variables given, in order)");
        }
        if (!(manifest.get("files") instanceof List<?> files) || files.size() != ranks || !(files.get(group.rank()) instanceof String mine)) {
            throw new CheckpointException(file, "does not name one file per rank: " + manifest.get("files"));
        }
        if (!(manifest.get("iterations") instanceof Number step)) {
            throw new CheckpointException(file, "has no step (iterations): " + manifest.get("iterations"));
        }
        long iterations = step.longValue();
        shards.load(directory.resolve(mine));
        if (shards.getIterations() != iterations) {
            throw new CheckpointException(directory.resolve(mine), "is at step " + shards.getIterations() + ", but the manifest says "
                    + iterations);
        }
    }
}
