package dev.panamax.distributed;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * One rank of {@link PlainJvmsTest}, in a JVM of its own: meets the others through a directory,
 * trains one of the distributed tests' models and prints its weights' bits, one line per variable:
 * {@link DataParallelTrainingTest}'s linear model (the default), or {@link ZeroRedundancyOptimizerTest}'s
 * model with sharded slots and then {@link DataParallelTrainingTest}'s embedding with sparse
 * gradients ({@code -Dpanamax.test.mode=zero-then-sparse}). Arguments: directory, rank, size, secret in hex,
 * and optionally the rank that halts (as if killed) once the group has formed.
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
            for (float[] w : weights(System.getProperty("panamax.test.mode", "plain"), group)) {
                System.out.println("weights " + bits(w));
            }
        }
    }

    private static float[][] weights(String mode, Collective group) {
        return switch (mode) {
            case "plain" -> DataParallelTrainingTest.train(group);
            case "zero-then-sparse" -> {
                // One group trains both, one after the other: three JVMs fewer to start.
                float[][] sharded = (float[][]) ((Object[]) ZeroRedundancyOptimizerTest.train(group,
                        () -> ZeroRedundancyOptimizerTest.adam(null), b -> b.clipnorm(2.0), "m"))[0];
                yield new float[][] {sharded[0], sharded[1], DataParallelTrainingTest.trainEmbedding(group)};
            }
            default -> throw new IllegalArgumentException("mode is plain or zero-then-sparse, not " + mode);
        };
    }

    /** The SHA-256 of the values' bits, in hex: what two runs compare. */
    static String bits(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4);
        for (float f : values) {
            buffer.putInt(Float.floatToRawIntBits(f));
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(buffer.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
