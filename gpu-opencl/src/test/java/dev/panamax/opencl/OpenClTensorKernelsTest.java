package dev.panamax.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.DeviceKernelsFactory;
import dev.panamax.kernels.HostTensorKernels;
import dev.panamax.kernels.ScalarKernels;
import dev.panamax.kernels.TensorKernels;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link OpenClTensorKernels} against {@link HostTensorKernels} over {@link ScalarKernels} on one
 * thread, on copies of the same tensors: every method, float32 and float64, bit for bit on every
 * element of every tensor and on every sum returned (any NaN equals any NaN). Also
 * {@code full} and {@code copy}, the errors, and {@link OpenClDeviceKernelsFactory}.
 */
class OpenClTensorKernelsTest {

    static final long SEED = Long.getLong("panamax.test.seed", System.nanoTime());
    static final long[] SIZES = {0, 1, 7, 1021, 100_003};

    static final TensorKernels HOST = new HostTensorKernels(new ScalarKernels(), ChunkedExecutor.shared(1));

    private static OpenClKernels kernels;
    private static OpenClTensorKernels device;

    @BeforeAll
    static void open() {
        if (OpenClTestSupport.openClOrFailIfRequired()) {
            kernels = OpenClKernels.create(OpenCl.defaultDevice());
            device = new OpenClTensorKernels(kernels);
            System.out.println("OpenClTensorKernelsTest on " + kernels.device().describe() + ", seed " + SEED);
        }
    }

    @BeforeEach
    void needsOpenCl() {
        OpenClTestSupport.assumeOpenCl();
    }

    @AfterAll
    static void close() {
        if (kernels != null) {
            kernels.close();
        }
    }

    /** One call of a {@link TensorKernels} method on tensors {@code a} (null for an absent optional slot) with scalars {@code p}. */
    @FunctionalInterface
    interface Call {
        double run(TensorKernels k, Tensor[] a, double[] p);
    }

    /**
     * A method (and variant) of {@link TensorKernels}: its array kinds (as {@link KernelCase}:
     * {@code s} signed, {@code p} non-negative, {@code f} finite; {@code -} an optional slot left
     * null), its scalars, and the call.
     */
    record Case(String name, String method, String arrays, KernelCase.Scalars scalars, Call call) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final List<Case> CASES = List.of(
            new Case("scale", "scale", "s", (r, t) -> KernelCase.draw(r, t, -3, 3), (k, a, p) -> {
                k.scale(a[0], p[0]);
                return 0;
            }),
            new Case("scaleDivide", "scaleDivide", "s", (r, t) -> KernelCase.draw(r, t, 0.1, 5, 0.1, 50), (k, a, p) -> {
                k.scaleDivide(a[0], p[0], p[1]);
                return 0;
            }),
            new Case("clipByValue", "clipByValue", "s", (r, t) -> {
                double c = t.round(r.nextDouble(0.01, 2));
                return new double[] {-c, c};
            }, (k, a, p) -> {
                k.clipByValue(a[0], p[0], p[1]);
                return 0;
            }),
            new Case("clipByValue signed zeros", "clipByValue", "s", (r, t) -> new double[] {-0.0, 0.0}, (k, a, p) -> {
                k.clipByValue(a[0], p[0], p[1]);
                return 0;
            }),
            new Case("zero", "zero", "s", (r, t) -> new double[0], (k, a, p) -> {
                k.zero(a[0]);
                return 0;
            }),
            new Case("axpy", "axpy", "ss", (r, t) -> KernelCase.draw(r, t, -3, 3), (k, a, p) -> {
                k.axpy(a[1], a[0], p[0]);
                return 0;
            }),
            new Case("sumOfSquares", "sumOfSquares", "s", (r, t) -> new double[0], (k, a, p) -> k.sumOfSquares(a[0])),
            new Case("sumOfSquares finite", "sumOfSquares", "f", (r, t) -> new double[0], (k, a, p) -> k.sumOfSquares(a[0])),
            new Case("weightDecay", "weightDecay", "s", (r, t) -> KernelCase.draw(r, t, 1e-4, 0.1, 1e-4, 1), (k, a, p) -> {
                k.weightDecay(a[0], p[0], p[1]);
                return 0;
            }),
            new Case("movingAverage", "movingAverage", "ss", (r, t) -> {
                double m = KernelCase.draw(r, t, 0, 1)[0];
                return new double[] {m, t.round(1 - m)};
            }, (k, a, p) -> {
                k.movingAverage(a[0], a[1], p[0], p[1]);
                return 0;
            }),
            new Case("lion", "lion", "sss", KernelCase::lionScalars, (k, a, p) -> {
                k.lion(a[0], a[1], a[2], KernelCase.lion(p));
                return 0;
            }),
            new Case("scheduleFreeAdamw", "scheduleFreeAdamw", "ssps", KernelCase::scheduleFreeScalars, (k, a, p) -> {
                k.scheduleFreeAdamw(a[0], a[1], a[2], a[3], KernelCase.scheduleFree(p));
                return 0;
            }),
            new Case("lambMoments", "lambMoments", "sps", KernelCase::lambScalars,
                    (k, a, p) -> k.lambMoments(a[0], a[1], a[2], KernelCase.lamb(p))),
            new Case("lambMoments finite", "lambMoments", "fqf", KernelCase::lambScalars,
                    (k, a, p) -> k.lambMoments(a[0], a[1], a[2], KernelCase.lamb(p))),
            new Case("lambApply", "lambApply", "ssp", (r, t) -> {
                double[] p = java.util.Arrays.copyOf(KernelCase.lambScalars(r, t), 6);
                p[5] = t.round(r.nextDouble(1e-4, 10));
                return p;
            }, (k, a, p) -> {
                k.lambApply(a[0], a[1], a[2], KernelCase.lamb(p), p[5]);
                return 0;
            }),
            new Case("adafactorVelocity", "adafactorVelocity", "ps", KernelCase::adafactorScalars,
                    (k, a, p) -> k.adafactorVelocity(a[0], a[1], p[0], p[1], p[2])),
            new Case("adafactorVelocity finite", "adafactorVelocity", "qf", KernelCase::adafactorScalars,
                    (k, a, p) -> k.adafactorVelocity(a[0], a[1], p[0], p[1], p[2])),
            new Case("adafactorApply", "adafactorApply", "sps", (r, t) -> KernelCase.draw(r, t, 1e-4, 1, 1, 10), (k, a, p) -> {
                k.adafactorApply(a[0], a[1], a[2], p[0], p[1]);
                return 0;
            }),
            new Case("adamaxKeras3", "adamaxKeras3", "ssps", KernelCase::adamaxKeras3Scalars, (k, a, p) -> {
                k.adamaxKeras3(a[0], a[1], a[2], a[3], KernelCase.adamaxKeras3(p));
                return 0;
            }),
            new Case("gradientDescent", "gradientDescent", "ss", (r, t) -> KernelCase.draw(r, t, 1e-4, 1), (k, a, p) -> {
                k.gradientDescent(a[0], a[1], p[0]);
                return 0;
            }),
            new Case("kerasMomentum", "kerasMomentum", "sss", (r, t) -> KernelCase.draw(r, t, 1e-4, 1, 0, 1), (k, a, p) -> {
                k.kerasMomentum(a[0], a[1], a[2], p[0], p[1], false);
                return 0;
            }),
            new Case("kerasMomentum nesterov", "kerasMomentum", "sss", (r, t) -> KernelCase.draw(r, t, 1e-4, 1, 0, 1),
                    (k, a, p) -> {
                        k.kerasMomentum(a[0], a[1], a[2], p[0], p[1], true);
                        return 0;
                    }),
            new Case("adam", "adam", "ssp-s", KernelCase::adamScalars, (k, a, p) -> {
                k.adam(a[0], a[1], a[2], a[3], a[4], KernelCase.adam(p));
                return 0;
            }),
            new Case("adam amsgrad", "adam", "sspps", KernelCase::adamScalars, (k, a, p) -> {
                k.adam(a[0], a[1], a[2], a[3], a[4], KernelCase.adam(p));
                return 0;
            }),
            new Case("adamFromMoments", "adamFromMoments", "ssp-", (r, t) -> KernelCase.draw(r, t, 1e-4, 0.1, 1e-8, 1e-3),
                    (k, a, p) -> {
                        k.adamFromMoments(a[0], a[1], a[2], a[3], p[0], p[1]);
                        return 0;
                    }),
            new Case("adamFromMoments amsgrad", "adamFromMoments", "sspp",
                    (r, t) -> KernelCase.draw(r, t, 1e-4, 0.1, 1e-8, 1e-3), (k, a, p) -> {
                        k.adamFromMoments(a[0], a[1], a[2], a[3], p[0], p[1]);
                        return 0;
                    }),
            rmsprop("rmsprop", "sp--s", false),
            rmsprop("rmsprop centered keras3", "sps-s", true),
            rmsprop("rmsprop momentum slot", "sp-ss", false),
            rmsprop("rmsprop centered momentum slot", "spsss", true),
            new Case("rmspropMomentum", "rmspropMomentum", "sp-ss",
                    (r, t) -> KernelCase.rmspropScalars(r, t, false, true, false), (k, a, p) -> {
                        k.rmspropMomentum(a[0], a[1], a[2], a[3], a[4], KernelCase.rmsprop(p));
                        return 0;
                    }),
            new Case("rmspropMomentum centered", "rmspropMomentum", "spsss",
                    (r, t) -> KernelCase.rmspropScalars(r, t, true, true, false), (k, a, p) -> {
                        k.rmspropMomentum(a[0], a[1], a[2], a[3], a[4], KernelCase.rmsprop(p));
                        return 0;
                    }),
            new Case("adagrad", "adagrad", "sps", (r, t) -> KernelCase.draw(r, t, 1e-3, 1, 1e-8, 1e-3), (k, a, p) -> {
                k.adagrad(a[0], a[1], a[2], p[0], p[1], false);
                return 0;
            }),
            new Case("adagrad epsilon inside sqrt", "adagrad", "sps", (r, t) -> KernelCase.draw(r, t, 1e-3, 1, 1e-8, 1e-3),
                    (k, a, p) -> {
                        k.adagrad(a[0], a[1], a[2], p[0], p[1], true);
                        return 0;
                    }),
            new Case("adadelta", "adadelta", "spps", (r, t) -> {
                double rho = t.round(r.nextDouble(0.8, 0.99));
                return new double[] {t.round(r.nextDouble(1e-3, 1)), rho, t.round(1 - rho), t.round(r.nextDouble(1e-8, 1e-3))};
            }, (k, a, p) -> {
                k.adadelta(a[0], a[1], a[2], a[3], p[0], p[1], p[2], p[3]);
                return 0;
            }),
            new Case("adadeltaKeras3", "adadeltaKeras3", "spps", KernelCase.ADADELTA_KERAS3::scalars, (k, a, p) -> {
                k.adadeltaKeras3(a[0], a[1], a[2], a[3], p[0], p[1], p[2], p[3]);
                return 0;
            }),
            new Case("adamax", "adamax", "ssps", (r, t) -> KernelCase.draw(r, t, 1e-4, 0.1, 0.01, 0.2, 0.9, 0.9999, 1e-8, 1e-3),
                    (k, a, p) -> {
                        k.adamax(a[0], a[1], a[2], a[3], KernelCase.adamax(p));
                        return 0;
                    }),
            new Case("nadam", "nadam", "ssps", KernelCase::nadamScalars, (k, a, p) -> {
                k.nadam(a[0], a[1], a[2], a[3], KernelCase.nadam(p));
                return 0;
            }),
            new Case("nadamKeras3", "nadamKeras3", "ssps", KernelCase::nadamScalars, (k, a, p) -> {
                k.nadamKeras3(a[0], a[1], a[2], a[3], KernelCase.nadam(p));
                return 0;
            }),
            // lr_power -0.5 only: other powers call pow, which is not correctly rounded (OpenClKernelsTest covers them).
            new Case("ftrl", "ftrl", "spss", (r, t) -> KernelCase.ftrlScalars(r, t, false, -0.5), (k, a, p) -> {
                k.ftrl(a[0], a[1], a[2], a[3], KernelCase.ftrl(p));
                return 0;
            }),
            new Case("ftrl shrinkage", "ftrl", "spss", (r, t) -> KernelCase.ftrlScalars(r, t, true, -0.5), (k, a, p) -> {
                k.ftrl(a[0], a[1], a[2], a[3], KernelCase.ftrl(p));
                return 0;
            }),
            new Case("ftrl keras3", "ftrl", "spss", (r, t) -> KernelCase.ftrlScalars(r, t, r.nextBoolean(), -0.5), (k, a, p) -> {
                k.ftrl(a[0], a[1], a[2], a[3], KernelCase.ftrlKeras3(p));
                return 0;
            }));

    /** RMSprop (Keras's Python one) with the slots that {@code arrays} gives; epsilon inside the square root when {@code keras3}. */
    private static Case rmsprop(String name, String arrays, boolean keras3) {
        return new Case(name, "rmsprop", arrays, (r, t) -> KernelCase.rmspropScalars(r, t, arrays.charAt(2) != '-',
                arrays.charAt(3) != '-', keras3), (k, a, p) -> {
                    k.rmsprop(a[0], a[1], a[2], a[3], a[4], KernelCase.rmsprop(p));
                    return 0;
                });
    }

    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (Case c : CASES) {
            for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
                for (long n : SIZES) {
                    runs.add(Arguments.of(c, dtype, n));
                }
            }
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0} {1} n={2}")
    @MethodSource("runs")
    void equalsHostScalarKernels(Case c, DType dtype, long n) {
        Assumptions.assumeTrue(kernels.supports(dtype), () -> kernels.device().name() + " has no cl_khr_fp64");
        long seed = SEED ^ (c.name().hashCode() * 1_000_003L) ^ (n * 31) ^ dtype.ordinal();
        double[] p = c.scalars().draw(new SplittableRandom(seed), dtype);
        String what = c + " " + dtype.kerasName() + " n=" + n + " scalars=" + Arrays.toString(p) + " seed=" + SEED
                + " (-Dpanamax.test.seed=" + SEED + " replays)";
        int arrays = c.arrays().length();
        Tensor[] host = new Tensor[arrays];
        Tensor[] dev = new Tensor[arrays];
        try {
            for (int a = 0; a < arrays; a++) {
                char kind = c.arrays().charAt(a);
                if (kind == '-') {
                    continue;
                }
                host[a] = Tensor.zeros(dtype, n);
                OpenClKernelsTest.fill(host[a].segment(), dtype, kind, 0, n, seed + 101 * a, a);
                dev[a] = OpenClStorage.toDevice(kernels.queue(), host[a]);
            }
            double expected = c.call().run(HOST, host, p);
            double actual = c.call().run(device, dev, p);
            for (int a = 0; a < arrays; a++) {
                if (host[a] != null) {
                    assertSameBits(what + " array " + a, host[a], dev[a]);
                }
            }
            if (List.of("sumOfSquares", "lambMoments", "adafactorVelocity").contains(c.method())) {
                OpenClKernelsTest.compareSums(what, expected, actual);
            }
        } finally {
            closeAll(host);
            closeAll(dev);
        }
    }

    /** Every method of the interface has a case here (full, copy, device and Adafactor's factors have their own tests). */
    @Test
    void everyMethodIsCovered() {
        Set<String> covered = CASES.stream().map(Case::method).collect(Collectors.toCollection(TreeSet::new));
        covered.addAll(List.of("device", "full", "copy", "adafactorFactors", "adafactorFactoredVelocity"));
        Set<String> methods = Arrays.stream(TensorKernels.class.getMethods()).map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        methods.removeAll(covered);
        assertTrue(methods.isEmpty(), "TensorKernels methods without a case: " + methods);
    }

    /** Adafactor's factors and factored velocity on stacks of matrices (r and c are smaller than the gradient). */
    @Test
    void adafactorFactorsOnStacksOfMatrices() {
        long[][] shapes = {{1, 1, 1}, {1, 5, 7}, {3, 4, 4}, {1, 1, 9}, {2, 33, 17}, {1, 300, 301}};
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
            if (!kernels.supports(dtype)) {
                continue;
            }
            // With the special values (the sum is mostly NaN), then finite values and positive factors (a finite sum).
            for (String kinds : List.of("sppps", "fqqqf")) {
                for (long[] shape : shapes) {
                    long matrices = shape[0];
                    long rows = shape[1];
                    long columns = shape[2];
                    long seed = SEED ^ (matrices * 31 + rows * 1009 + columns * 7919) ^ dtype.ordinal();
                    String what = "adafactor " + dtype.kerasName() + " " + Arrays.toString(shape) + " " + kinds + " seed=" + SEED;
                    long[] sizes = {matrices * rows * columns, matrices * rows, matrices * columns, matrices * rows,
                            matrices * rows * columns};
                    Tensor[] host = new Tensor[sizes.length];
                    Tensor[] dev = new Tensor[sizes.length];
                    try {
                        for (int a = 0; a < sizes.length; a++) {
                            host[a] = Tensor.zeros(dtype, sizes[a]);
                            OpenClKernelsTest.fill(host[a].segment(), dtype, kinds.charAt(a), 0, sizes[a], seed + 101 * a, a);
                            dev[a] = OpenClStorage.toDevice(kernels.queue(), host[a]);
                        }
                        for (TensorKernels k : List.of(HOST, (TensorKernels) device)) {
                            Tensor[] t = k == HOST ? host : dev;
                            k.adafactorFactors(t[0], t[1], t[2], t[3], matrices, rows, columns, dtype.round(0.3), dtype.round(0.7),
                                    dtype.round(1e-30));
                        }
                        double expected = HOST.adafactorFactoredVelocity(host[4], host[0], host[3], host[2], rows, columns);
                        double actual = device.adafactorFactoredVelocity(dev[4], dev[0], dev[3], dev[2], rows, columns);
                        for (int a = 0; a < sizes.length; a++) {
                            assertSameBits(what + " array " + a, host[a], dev[a]);
                        }
                        OpenClKernelsTest.compareSums(what, expected, actual);
                    } finally {
                        closeAll(host);
                        closeAll(dev);
                    }
                }
            }
        }
    }

    // ---- full, copy, device ----------------------------------------------------------------------

    @Test
    void fullEqualsTensorFull() {
        double[] values = {0.0, -0.0, 1.5, -3.25, 0.1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Float.MIN_VALUE, Double.MIN_VALUE, 1e300, 16_777_217, 1e-7};
        long[][] shapes = {{}, {0}, {1}, {7}, {3, 0}, {17, 33}, {100_003}};
        for (DType dtype : DType.values()) {
            if (!kernels.supports(dtype) && dtype.isFloatingPoint()) {
                continue;
            }
            for (double value : values) {
                for (long[] shape : shapes) {
                    String what = "full(" + dtype.kerasName() + ", " + value + ", " + Arrays.toString(shape) + ")";
                    try (Tensor expected = HOST.full(dtype, value, shape); Tensor actual = device.full(dtype, value, shape)) {
                        assertEquals(dtype, actual.dtype(), what);
                        assertArrayEquals(shape, actual.shape(), what);
                        assertEquals(device.device(), actual.storage().device(), what);
                        assertSame(kernels.queue(), OpenClStorage.of(actual).queue(), what);
                        assertSameBits(what, expected, actual);
                    }
                }
            }
        }
    }

    @Test
    void copyIsADeviceToDeviceCopy() {
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
            if (!kernels.supports(dtype)) {
                continue;
            }
            for (long n : SIZES) {
                try (Tensor host = Tensor.zeros(dtype, n); Tensor hostTarget = HOST.full(dtype, 7, n)) {
                    OpenClKernelsTest.fill(host.segment(), dtype, 's', 0, n, SEED + n, 0);
                    try (Tensor source = OpenClStorage.toDevice(kernels.queue(), host);
                         Tensor target = device.full(dtype, 7, n)) {
                        HOST.copy(host, hostTarget);
                        device.copy(source, target);
                        assertSameBits("copy " + dtype.kerasName() + " n=" + n, hostTarget, target);
                        assertSameBits("copy source " + dtype.kerasName() + " n=" + n, host, source);
                        device.copy(target, target); // a copy onto itself changes nothing
                        assertSameBits("self copy " + dtype.kerasName() + " n=" + n, hostTarget, target);
                    }
                }
            }
        }
        try (Tensor a = device.full(DType.FLOAT32, 1, 6); Tensor b = device.full(DType.FLOAT32, 1, 2, 3);
             Tensor c = device.full(DType.FLOAT64, 1, 6)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> device.copy(a, b));
            assertTrue(e.getMessage().contains("float32[6]") && e.getMessage().contains("float32[2, 3]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> device.copy(a, c));
        }
    }

    @Test
    void deviceIsTheStoragesDevice() {
        try (Tensor t = OpenClStorage.toDevice(kernels.queue(), Tensor.of(1f, 2f))) {
            assertEquals(t.storage().device(), device.device());
            assertEquals("opencl:" + kernels.device().index(), device.device());
        }
    }

    // ---- errors ----------------------------------------------------------------------------------

    @Test
    void aHostTensorIsAClearError() {
        try (Tensor var = device.full(DType.FLOAT32, 1, 4); Tensor hostGrad = Tensor.of(1f, 2f, 3f, 4f);
             Tensor before = OpenClStorage.toHost(var)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> device.gradientDescent(var, hostGrad, 0.1));
            assertTrue(e.getMessage().contains("grad float32[4] lives on 'host'"), e.getMessage());
            assertTrue(e.getMessage().contains("'" + device.device() + "'"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> device.scale(hostGrad, 2));
            assertTrue(e.getMessage().contains("'host'") && e.getMessage().contains(device.device()), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> device.copy(hostGrad, var));
            assertThrows(IllegalArgumentException.class, () -> device.sumOfSquares(hostGrad));
            try (Tensor after = OpenClStorage.toHost(var)) {
                assertSameBits("var after the rejected call", before, after);
            }
        }
    }

    @Test
    void aTensorOfAnotherContextIsAClearErrorNamingBothDevices() {
        try (OpenClKernels other = OpenClKernels.create(OpenCl.defaultDevice());
             Tensor var = device.full(DType.FLOAT32, 1, 4);
             Tensor foreign = OpenClStorage.toDevice(other.queue(), Tensor.of(1f, 2f, 3f, 4f))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> device.adam(var, foreign, foreign, null, foreign, KernelCase.adam(new double[] {0.1, 0.1, 0.1, 1e-7})));
            String message = e.getMessage();
            assertTrue(message.startsWith("m float32[4] lives on OpenCL device '" + foreign.storage().device() + "' ("
                    + other.device().name() + ") in another context, but these kernels run on '" + device.device() + "' ("
                    + kernels.device().name() + ")"), message);
            e = assertThrows(IllegalArgumentException.class, () -> device.copy(foreign, var));
            assertTrue(e.getMessage().startsWith("source float32[4] lives on OpenCL device"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new OpenClTensorKernels(other).scale(var, 2));
        }
    }

    @Test
    void mismatchedAndClosedTensorsAreClearErrors() {
        try (Tensor var = device.full(DType.FLOAT32, 1, 4); Tensor shortGrad = device.full(DType.FLOAT32, 1, 3);
             Tensor doubleGrad = device.full(DType.FLOAT64, 1, 4); Tensor ints = device.full(DType.INT32, 1, 4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> device.gradientDescent(var, shortGrad, 0.1));
            assertTrue(e.getMessage().startsWith("grad float32[3] does not match the variable float32[4]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> device.gradientDescent(var, doubleGrad, 0.1));
            e = assertThrows(IllegalArgumentException.class, () -> device.scale(ints, 2));
            assertTrue(e.getMessage().contains("float32 or float64"), e.getMessage());
            assertThrows(NullPointerException.class, () -> device.gradientDescent(var, null, 0.1));
            Tensor closed = device.full(DType.FLOAT32, 1, 4);
            closed.close();
            IllegalStateException s = assertThrows(IllegalStateException.class, () -> device.gradientDescent(var, closed, 0.1));
            assertTrue(s.getMessage().contains("closed"), s.getMessage());
        }
    }

    /** A gradient made on another queue of the same context: waited for before the step, which is waited for after. */
    @Test
    void aTensorOfAnotherQueueOfTheSameContextIsSynchronised() {
        try (OpenClQueue second = kernels.queue().context().createQueue();
             Tensor hostVar = Tensor.zeros(DType.FLOAT32, 100_003); Tensor hostGrad = Tensor.zeros(DType.FLOAT32, 100_003)) {
            OpenClKernelsTest.fill(hostVar.segment(), DType.FLOAT32, 's', 0, 100_003, SEED, 0);
            OpenClKernelsTest.fill(hostGrad.segment(), DType.FLOAT32, 's', 0, 100_003, SEED + 1, 1);
            try (Tensor var = OpenClStorage.toDevice(second, hostVar); Tensor grad = OpenClStorage.toDevice(kernels.queue(), hostGrad)) {
                HOST.gradientDescent(hostVar, hostGrad, 0.25);
                device.gradientDescent(var, grad, 0.25);
                assertSameBits("var on another queue", hostVar, var); // read through the other queue
            }
        }
    }

    // ---- the factory -----------------------------------------------------------------------------

    @Test
    void theFactoryIsRegisteredAndGivesOneKernelsPerQueue() throws Exception {
        List<DeviceKernelsFactory> factories = ServiceLoader.load(DeviceKernelsFactory.class).stream()
                .map(ServiceLoader.Provider::get).toList();
        assertTrue(factories.stream().anyMatch(f -> f instanceof OpenClDeviceKernelsFactory), factories.toString());
        DeviceKernelsFactory factory = new OpenClDeviceKernelsFactory();
        try (Tensor host = Tensor.of(1f, 2f)) {
            assertNull(factory.kernelsFor(host));
        }
        try (OpenClContext context = OpenClContext.create(OpenCl.defaultDevice())) {
            OpenClQueue queue = context.createQueue();
            try (Tensor a = OpenClStorage.full(queue, DType.FLOAT32, 1, 3);
                 Tensor b = OpenClStorage.full(queue, DType.FLOAT64, 2, 5)) {
                TensorKernels k = factory.kernelsFor(a);
                assertNotNull(k);
                OpenClTensorKernels ok = (OpenClTensorKernels) k;
                assertSame(queue, ok.queue());
                assertEquals(a.storage().device(), k.device());
                assertSame(k, factory.kernelsFor(b), "one kernels per queue");
                assertSame(k, new OpenClDeviceKernelsFactory().kernelsFor(a), "shared by the factory instances");
                try (Tensor elsewhere = device.full(DType.FLOAT32, 0, 1)) {
                    assertFalse(k == factory.kernelsFor(elsewhere), "another queue, other kernels");
                }

                // Many threads at once: one instance.
                ExecutorService pool = Executors.newFixedThreadPool(8);
                try {
                    try (OpenClQueue fresh = context.createQueue(); Tensor t = OpenClStorage.full(fresh, DType.FLOAT32, 1, 2)) {
                        List<Future<TensorKernels>> got = new ArrayList<>();
                        for (int i = 0; i < 64; i++) {
                            got.add(pool.submit(() -> new OpenClDeviceKernelsFactory().kernelsFor(t)));
                        }
                        TensorKernels first = got.getFirst().get();
                        for (Future<TensorKernels> f : got) {
                            assertSame(first, f.get());
                        }
                        first.scale(t, 3);
                        try (Tensor back = OpenClStorage.toHost(t)) {
                            assertArrayEquals(new float[] {3f, 3f}, back.toFloatArray());
                        }
                    }
                } finally {
                    pool.shutdown();
                }

                // A closed queue: its kernels are released, and its tensors are a clear error.
                assertTrue(OpenClDeviceKernelsFactory.caches(queue));
                queue.close();
                OpenClDeviceKernelsFactory.releaseClosedQueues();
                assertFalse(OpenClDeviceKernelsFactory.caches(queue));
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> factory.kernelsFor(a));
                assertTrue(e.getMessage().contains("queue that is closed"), e.getMessage());
            }
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** Every element of a host tensor and a device (or host) tensor, bit for bit; any NaN equals any NaN. */
    static void assertSameBits(String what, Tensor expected, Tensor actual) {
        assertEquals(expected.dtype(), actual.dtype(), what);
        assertArrayEquals(expected.shape(), actual.shape(), what);
        Tensor back = actual.isHost() ? actual : OpenClStorage.toHost(actual);
        try {
            DType dtype = expected.dtype();
            if (!dtype.isFloatingPoint()) {
                for (long i = 0; i < expected.size(); i++) {
                    assertEquals(expected.getDouble(i), back.getDouble(i), what + ": element " + i);
                }
                return;
            }
            for (long i = 0; i < expected.size(); i++) {
                if (!OpenClKernelsTest.sameBits(dtype, expected.segment(), back.segment(), i)) {
                    fail(what + ": element " + i + ": expected " + expected.getDouble(i) + ", got " + back.getDouble(i));
                }
            }
        } finally {
            if (back != actual) {
                back.close();
            }
        }
    }

    static void closeAll(Tensor[] tensors) {
        for (Tensor t : tensors) {
            if (t != null) {
                t.close();
            }
        }
    }
}
