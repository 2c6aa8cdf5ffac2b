package dev.panamax.benchmarks;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.tensor.DType;

/**
 * The roofline's second measure of the machine: {@link BandwidthProbe}'s traffic (every written
 * array gets the gradient added) as the plain Java loop a JVM user writes over {@code float[]} or
 * {@code double[]} arrays, which C2 vectorises by itself. The limit a kernel is compared with is
 * the faster of the two, so neither our allocator nor our probe code can flatter the ratios.
 */
final class JavaArrayPeer {

    private JavaArrayPeer() {
    }

    /** Arrays shaped as {@code a}'s: {@code a.reads} arrays of {@code n} elements, filled as the kernels' are. */
    static Object[] arrays(Algorithm a, DType t, int n) {
        Object[] arrays = new Object[a.reads];
        for (int i = 0; i < arrays.length; i++) {
            double value = i == arrays.length - 1 ? 1e-3 : 0.5;
            if (t == DType.FLOAT32) {
                float[] x = new float[n];
                java.util.Arrays.fill(x, (float) value);
                arrays[i] = x;
            } else {
                double[] x = new double[n];
                java.util.Arrays.fill(x, value);
                arrays[i] = x;
            }
        }
        return arrays;
    }

    /** One pass with {@code a}'s pattern, in the same chunks on the same threads as the kernels. */
    static void step(Algorithm a, DType t, Object[] s, long n, ChunkedExecutor executor) {
        if (a.reads != a.writes + 1 || a.writes < 1 || a.writes > 3) {
            throw new IllegalArgumentException("no Java peer for " + a);
        }
        Object g = s[a.reads - 1];
        executor.forEach(n, (from, to) -> {
            if (t == DType.FLOAT32) {
                floats(a.writes, (float[]) g, s, (int) from, (int) to);
            } else {
                doubles(a.writes, (double[]) g, s, (int) from, (int) to);
            }
        });
    }

    private static void floats(int writes, float[] g, Object[] s, int from, int to) {
        float[] x = (float[]) s[0];
        if (writes == 1) {
            for (int i = from; i < to; i++) {
                x[i] += g[i];
            }
            return;
        }
        float[] y = (float[]) s[1];
        if (writes == 2) {
            for (int i = from; i < to; i++) {
                float gi = g[i];
                x[i] += gi;
                y[i] += gi;
            }
            return;
        }
        float[] z = (float[]) s[2];
        for (int i = from; i < to; i++) {
            float gi = g[i];
            x[i] += gi;
            y[i] += gi;
            z[i] += gi;
        }
    }

    private static void doubles(int writes, double[] g, Object[] s, int from, int to) {
        double[] x = (double[]) s[0];
        if (writes == 1) {
            for (int i = from; i < to; i++) {
                x[i] += g[i];
            }
            return;
        }
        double[] y = (double[]) s[1];
        if (writes == 2) {
            for (int i = from; i < to; i++) {
                double gi = g[i];
                x[i] += gi;
                y[i] += gi;
            }
            return;
        }
        double[] z = (double[]) s[2];
        for (int i = from; i < to; i++) {
            double gi = g[i];
            x[i] += gi;
            y[i] += gi;
            z[i] += gi;
        }
    }
}
