package dev.panamax.distributed;

import dev.panamax.optimizers.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How plain JVMs find each other without a cluster manager: each rank writes its
 * {@link TcpCollective.Endpoint endpoint}'s address to a file {@code rank-<r>.address} in a
 * directory every rank can read (a local or shared file system), and reads the others'. Use a new
 * directory for every job: an address left by an earlier job would be tried, and refused. The
 * addresses are not secret; the job secret, which authenticates every connection, must reach the
 * ranks some other way (an environment variable, a file only the job's user can read).
 */
public final class FileRendezvous {

    /** How often a rank looks for the addresses still missing. */
    private static final long POLL_MILLIS = 20;

    private FileRendezvous() {
    }

    /**
     * Rank {@code rank} of {@code size} listens on {@code host} (any free port), meets the others
     * through {@code directory}, and forms the group; {@code timeout} bounds the wait for the
     * others' addresses and then for each connection.
     */
    public static TcpCollective join(Path directory, int rank, int size, InetAddress host, byte[] secret, Duration timeout) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(host, "host");
        if (size < 1 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException("Rank must be in [0, size) with size >= 1, got rank " + rank + " of " + size);
        }
        TcpCollective.Endpoint endpoint = TcpCollective.Endpoint.listen(new InetSocketAddress(host, 0));
        try {
            publish(directory, rank, endpoint.address());
            return endpoint.join(rank, await(directory, rank, size, timeout), secret, timeout);
        } catch (RuntimeException e) {
            endpoint.close();
            throw e;
        }
    }

    /** Writes this rank's address, atomically: a reader sees the whole line or no file. */
    static void publish(Path directory, int rank, InetSocketAddress address) {
        Path target = file(directory, rank);
        String line = address.getAddress().getHostAddress() + " " + address.getPort() + "\n";
        try {
            Files.createDirectories(directory);
            AtomicFiles.replace(target, line.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("Rank " + rank + " cannot write its address to " + target + ": " + e.getMessage(), e);
        }
    }

    /** Every rank's address, once all are there; names the missing ranks after {@code timeout}. */
    static List<InetSocketAddress> await(Path directory, int rank, int size, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        InetSocketAddress[] addresses = new InetSocketAddress[size];
        while (true) {
            List<Integer> missing = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                if (addresses[r] == null) {
                    addresses[r] = read(directory, r);
                    if (addresses[r] == null) {
                        missing.add(r);
                    }
                }
            }
            if (missing.isEmpty()) {
                return List.of(addresses);
            }
            if (System.nanoTime() > deadline) {
                throw new CollectiveException("Rank " + rank + " waited " + timeout.toMillis() + " ms for the addresses of "
                        + (missing.size() == 1 ? "rank " : "ranks ") + missing.toString().replaceAll("[\\[\\]]", "") + " in "
                        + directory);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CollectiveException("Rank " + rank + " was interrupted while waiting for the others' addresses", e);
            }
        }
    }

    private static InetSocketAddress read(Path directory, int r) {
        Path file = file(directory, r);
        try {
            String[] parts = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
            if (parts.length != 2) {
                throw new IllegalArgumentException("The address file " + file + " holds '" + String.join(" ", parts)
                        + "', expected 'host port'");
            }
            return new InetSocketAddress(InetAddress.getByName(parts[0]), Integer.parseInt(parts[1]));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the address file " + file + ": " + e.getMessage(), e);
        }
    }

    private static Path file(Path directory, int rank) {
        return directory.resolve("rank-" + rank + ".address");
    }
}
