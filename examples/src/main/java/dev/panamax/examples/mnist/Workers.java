package dev.panamax.examples.mnist;

import dev.panamax.distributed.Collective;
import dev.panamax.distributed.FileRendezvous;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The JVMs of {@code --workers N}: the JVM the user started is worker 0; it starts workers 1 to
 * N-1 as child JVMs with the same command line, class path and JVM options, and they meet through
 * a new directory ({@link FileRendezvous}) on the loopback interface. The job's secret, which
 * authenticates every connection, reaches the children in their environment, never on a command
 * line or in a file. A child prints nothing but its errors (on the terminal, after
 * {@code worker <r>:}); the user sees worker 0's output.
 */
final class Workers implements AutoCloseable {

    /** The environment of a child: its rank, the group's size, the rendezvous directory and the secret (hex). */
    static final String RANK = "PANAMAX_MNIST_WORKER";
    static final String SIZE = "PANAMAX_MNIST_WORKERS";
    static final String DIRECTORY = "PANAMAX_MNIST_RENDEZVOUS";
    static final String SECRET = "PANAMAX_MNIST_SECRET";

    /** How long a worker waits for the others to start, and then for any progress of a collective. */
    static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final Collective collective;
    private final List<Process> children;
    private final Path directory;
    /** Whether {@link #close} closes the collective: not when the caller formed it ({@link #of}). */
    private final boolean owned;

    private Workers(Collective collective, List<Process> children, Path directory, boolean owned) {
        this.collective = collective;
        this.children = children;
        this.directory = directory;
        this.owned = owned;
    }

    /** A group the caller formed and closes (on Spark, for example). */
    static Workers of(Collective collective) {
        return new Workers(collective, List.of(), null, false);
    }

    /** The worker this JVM is, when it is a child started by {@link #start}; null otherwise. */
    static Integer childRank() {
        String rank = System.getenv(RANK);
        return rank == null ? null : Integer.valueOf(rank);
    }

    /** Starts workers 1 to {@code count - 1} with {@code args} and joins them as worker 0. */
    static Workers start(int count, List<String> args) throws IOException {
        Path directory = Files.createTempDirectory("panamax-mnist-workers");
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        List<Process> children = new ArrayList<>();
        try {
            for (int rank = 1; rank < count; rank++) {
                ProcessBuilder child = new ProcessBuilder(command(args))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.INHERIT);
                Map<String, String> env = child.environment();
                env.put(RANK, Integer.toString(rank));
                env.put(SIZE, Integer.toString(count));
                env.put(DIRECTORY, directory.toString());
                env.put(SECRET, HexFormat.of().formatHex(secret));
                children.add(child.start());
            }
            Collective collective = FileRendezvous.join(directory, 0, count, InetAddress.getLoopbackAddress(), secret, TIMEOUT);
            return new Workers(collective, children, directory, true);
        } catch (IOException | RuntimeException e) {
            children.forEach(Process::destroyForcibly);
            delete(directory);
            throw e;
        }
    }

    /** Joins the group as the child worker the environment names. */
    static Workers joinAsChild() {
        int rank = Integer.parseInt(System.getenv(RANK));
        int size = Integer.parseInt(System.getenv(SIZE));
        byte[] secret = HexFormat.of().parseHex(System.getenv(SECRET));
        Path directory = Path.of(System.getenv(DIRECTORY));
        return new Workers(FileRendezvous.join(directory, rank, size, InetAddress.getLoopbackAddress(), secret, TIMEOUT),
                List.of(), null, true);
    }

    /** This JVM's command line again: the same java, JVM options, class path and main class, with {@code args}. */
    private static List<String> command(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MnistTrainer.class.getName());
        command.addAll(args);
        return command;
    }

    /** The group. */
    Collective collective() {
        return collective;
    }

    /**
     * Leaves the group; worker 0 then waits for its children (a child that failed has said why on
     * the terminal) and removes the rendezvous directory.
     *
     * @throws IllegalStateException when a child ended with an error
     */
    @Override
    public void close() {
        if (owned) {
            collective.close();
        }
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < children.size(); i++) {
            Process child = children.get(i);
            try {
                if (!child.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                    failed.add("worker " + (i + 1) + " did not end");
                } else if (child.exitValue() != 0) {
                    failed.add("worker " + (i + 1) + " exited with " + child.exitValue());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                child.destroyForcibly();
                failed.add("worker " + (i + 1) + " was stopped: interrupted while waiting for it");
            }
        }
        if (directory != null) {
            delete(directory);
        }
        if (!failed.isEmpty()) {
            throw new IllegalStateException(String.join(", ", failed));
        }
    }

    private static void delete(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not remove the rendezvous directory " + directory, e);
        }
    }
}
