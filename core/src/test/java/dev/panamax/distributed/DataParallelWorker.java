package dev.panamax.distributed;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;

/**
 * One rank of {@link PlainJvmsTest}, in a JVM of its own: meets the others through a directory,
 * trains {@link DataParallelTrainingTest}'s model and prints its weights' bits, one hex line per
 * variable. Arguments: directory, rank, size, secret in hex, and optionally the rank that halts
 * (as if killed) once the group has formed.
 */
public final class DataParallelWorker {

    private DataParallelWorker() {
    }

    public static void main(String[] args) {
        int rank = Integer.parseInt(args[1]);
        int size = Integer.parseInt(args[2]);
        byte[] secret = HexFormat.of().parseHex(args[3]);
        try (TcpCollective group = FileRendezvous.join(Path.of(args[0]), rank, size, InetAddress.getLoopbackAddress(), secret,
                Duration.ofSeconds(30))) {
            if (args.length > 4 && Integer.parseInt(args[4]) == rank) {
                Runtime.getRuntime().halt(3);
            }
            float[][] weights = DataParallelTrainingTest.train(group);
            for (float[] w : weights) {
                StringBuilder line = new StringBuilder("weights");
                for (float f : w) {
                    line.append(' ').append(Integer.toHexString(Float.floatToRawIntBits(f)));
                }
                System.out.println(line);
            }
        }
    }
}
