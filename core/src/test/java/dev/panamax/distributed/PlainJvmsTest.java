package dev.panamax.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Three plain JVMs meet through a directory ({@link FileRendezvous}) and train as one process. */
@Timeout(120)
class PlainJvmsTest {

    private static Process start(Path directory, int rank, int size, String secret, String... more) throws IOException {
        return start("plain", directory, rank, size, secret, more);
    }

    private static Process start(String mode, Path directory, int rank, int size, String secret, String... more) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
                "-Dpanamax.kernels=scalar", "-Dpanamax.test.mode=" + mode, DataParallelWorker.class.getName(),
                directory.toString(), String.valueOf(rank), String.valueOf(size), secret));
        command.addAll(List.of(more));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    @Test
    void aKilledRankFailsTheOthersWithItsName(@TempDir Path directory) throws Exception {
        String secret = HexFormat.of().formatHex(TcpCollectiveTest.secret());
        List<Process> ranks = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            ranks.add(start(directory, r, 3, secret, "2"));
        }
        assertTrue(ranks.get(2).waitFor(60, TimeUnit.SECONDS));
        assertEquals(3, ranks.get(2).exitValue(), "rank 2 halted");
        boolean named = false;
        for (int r = 0; r < 2; r++) {
            Process p = ranks.get(r);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "rank " + r + " gave up instead of hanging");
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.exitValue() != 0 && output.contains("CollectiveException: Rank " + r + " could not finish allReduceSum"),
                    "rank " + r + ": " + output);
            named |= output.contains("rank 2 closed its connection") || output.contains("connection to rank 2");
        }
        assertTrue(named, "a survivor names rank 2");
    }

    @Test
    void threeJvmsEndWithTheBitsOfOneProcess(@TempDir Path directory) throws Exception {
        String secret = HexFormat.of().formatHex(TcpCollectiveTest.secret());
        List<Process> ranks = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            ranks.add(start(directory, r, 3, secret));
        }
        float[][] expected = DataParallelTrainingTest.oneProcess(0, 1, 2);
        for (int r = 0; r < 3; r++) {
            Process p = ranks.get(r);
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "rank " + r + " finished");
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), "rank " + r + ": " + output);
            List<String> lines = output.lines().filter(l -> l.startsWith("weights ")).map(l -> l.substring(8)).toList();
            assertEquals(List.of(DataParallelWorker.bits(expected[0]), DataParallelWorker.bits(expected[1])), lines,
                    "rank " + r + ": " + output);
        }
    }

    @Test
    void threeJvmsWithShardedSlotsOrSparseGradientsEndWithTheBitsOfOneProcess(@TempDir Path directory) throws Exception {
        String secret = HexFormat.of().formatHex(TcpCollectiveTest.secret());
        List<Process> ranks = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            ranks.add(start("zero-then-sparse", directory, r, 3, secret));
        }
        float[][] expectedZero = ZeroRedundancyOptimizerTest.oneProcess(ZeroRedundancyOptimizerTest.adam(2.0), 0, 1, 2);
        float[] expectedSparse = DataParallelTrainingTest.trainEmbedding(null, 0, 1, 2);
        List<String> expected = List.of(DataParallelWorker.bits(expectedZero[0]), DataParallelWorker.bits(expectedZero[1]),
                DataParallelWorker.bits(expectedSparse));
        for (int r = 0; r < 3; r++) {
            assertEquals(expected, hashes(ranks.get(r)), "ZeRO-1 kernel and bias, then the sparse embedding, on rank " + r);
        }
    }

    /** The weights' hashes a finished rank printed. */
    private static List<String> hashes(Process p) throws Exception {
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the rank finished");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        return output.lines().filter(l -> l.startsWith("weights ")).map(l -> l.substring("weights ".length())).toList();
    }

    @Test
    void aMissingRankIsNamedAfterTheTimeout(@TempDir Path directory) {
        FileRendezvous.publish(directory, 0, new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 9));
        CollectiveException e = org.junit.jupiter.api.Assertions.assertThrows(CollectiveException.class,
                () -> FileRendezvous.await(directory, 0, 3, Duration.ofMillis(200)));
        assertEquals("Rank 0 waited 200 ms for the addresses of ranks 1, 2 in " + directory, e.getMessage());
    }

    @Test
    void anAddressFileIsWrittenWhole(@TempDir Path directory) throws IOException {
        FileRendezvous.publish(directory, 4, new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 5555));
        assertEquals("127.0.0.1 5555\n", Files.readString(directory.resolve("rank-4.address")));
        assertEquals(List.of(directory.resolve("rank-4.address")), Files.list(directory).toList());
    }
}
