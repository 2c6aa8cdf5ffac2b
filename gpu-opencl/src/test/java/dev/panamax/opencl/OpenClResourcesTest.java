package dev.panamax.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.kernels.ScalarKernels;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Discovery, errors, object lifetimes, storage copies and native memory. */
class OpenClResourcesTest {

    private static OpenClContext context;
    private static OpenClQueue queue;

    @BeforeAll
    static void open() {
        if (OpenClTestSupport.openClOrFailIfRequired()) {
            context = OpenClContext.create(OpenCl.defaultDevice());
            queue = context.createQueue();
        }
    }

    @BeforeEach
    void needsOpenCl() {
        OpenClTestSupport.assumeOpenCl();
    }

    @AfterAll
    static void close() {
        if (queue != null) {
            queue.close();
        }
        if (context != null) {
            context.close();
        }
    }

    // ---- discovery -------------------------------------------------------------------------------

    @Test
    void devicesAreListedWithTheirProperties() {
        List<OpenClDevice> devices = OpenCl.devices();
        assertFalse(devices.isEmpty());
        assertFalse(OpenCl.platforms().isEmpty());
        assertEquals(null, OpenCl.unavailableReason());
        for (int i = 0; i < devices.size(); i++) {
            OpenClDevice d = devices.get(i);
            assertEquals(i, d.index());
            assertFalse(d.name().isBlank(), "device name");
            assertFalse(d.vendor().isBlank(), "device vendor");
            assertTrue(d.version().startsWith("OpenCL "), d.version());
            assertTrue(d.globalMemoryBytes() > 0 && d.maxAllocationBytes() > 0 && d.maxWorkGroupSize() > 0, d.describe());
            assertTrue(OpenCl.platforms().contains(d.platform()));
        }
    }

    @Test
    void devicesAreChosenByIndexOrName() {
        OpenClDevice first = OpenCl.devices().getFirst();
        assertEquals(first, OpenCl.device("0"));
        assertEquals(first, OpenCl.device(first.name().substring(0, Math.min(5, first.name().length())).toUpperCase()));
        IllegalArgumentException noName = assertThrows(IllegalArgumentException.class, () -> OpenCl.device("no such device"));
        assertTrue(noName.getMessage().contains("No OpenCL device matches 'no such device'"), noName.getMessage());
        assertTrue(noName.getMessage().contains(first.name()), "lists the devices: " + noName.getMessage());
        IllegalArgumentException noIndex = assertThrows(IllegalArgumentException.class, () -> OpenCl.device("99"));
        assertTrue(noIndex.getMessage().contains("index 99 is out of range"), noIndex.getMessage());
    }

    @Test
    void theDevicePropertyChoosesTheDefaultDevice() {
        String saved = System.getProperty(OpenCl.DEVICE_PROPERTY);
        try {
            OpenClDevice last = OpenCl.devices().getLast();
            System.setProperty(OpenCl.DEVICE_PROPERTY, String.valueOf(last.index()));
            assertEquals(last, OpenCl.defaultDevice());
            System.setProperty(OpenCl.DEVICE_PROPERTY, last.name());
            assertEquals(last.name(), OpenCl.defaultDevice().name());
            System.setProperty(OpenCl.DEVICE_PROPERTY, "no such device");
            assertThrows(IllegalArgumentException.class, OpenCl::defaultDevice);
        } finally {
            if (saved == null) {
                System.clearProperty(OpenCl.DEVICE_PROPERTY);
            } else {
                System.setProperty(OpenCl.DEVICE_PROPERTY, saved);
            }
        }
    }

    @Test
    void aMissingLibraryMakesOpenClUnavailableWithoutAnException() throws IOException, InterruptedException {
        // Cl loads the library once per JVM, so this runs in a fresh one.
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-Dpanamax.opencl.library=/nonexistent/libOpenCL.so.1", "-cp", System.getProperty("java.class.path"),
                AvailabilityProbe.class.getName())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), output);
        assertTrue(output.contains("available=false"), output);
        assertTrue(output.contains("no OpenCL library found (tried /nonexistent/libOpenCL.so.1"), output);
        assertTrue(output.contains("devices=0"), output);
        assertTrue(output.contains("call=clFinish is not available: no OpenCL library found"), "a call throws: " + output);
        assertEquals(1, output.lines().filter(l -> l.contains("OpenCL backend unavailable")).count(),
                "exactly one log line: " + output);
    }

    // ---- errors ----------------------------------------------------------------------------------

    @Test
    void aFailedBuildCarriesTheBuildLog() {
        OpenClException e = assertThrows(OpenClException.class,
                () -> context.buildProgram("__kernel void broken(__global float *x) { x[0] = undeclared_thing; }", ""));
        assertTrue(e.getMessage().startsWith("clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE (-11)"), e.getMessage());
        assertTrue(e.getMessage().contains("build log:"), e.getMessage());
        assertTrue(e.getMessage().contains("undeclared_thing"), "the compiler's error is in the message: " + e.getMessage());
        assertEquals(-11, e.errorCode());
    }

    @Test
    void errorCodesOfCallsBecomeExceptionsNamingThem() {
        try (OpenClProgram program = context.buildProgram("__kernel void k(__global float *x) { x[0] = 1.0f; }", "")) {
            OpenClException e = assertThrows(OpenClException.class, () -> program.createKernel("no_such_kernel"));
            assertTrue(e.getMessage().startsWith("clCreateKernel failed: CL_INVALID_KERNEL_NAME (-46)"), e.getMessage());
            assertTrue(e.getMessage().contains("no_such_kernel"), e.getMessage());
        }
        OpenClException e = assertThrows(OpenClException.class, () -> Cl.createBuffer(context.handle(), Cl.CL_MEM_READ_WRITE, 0));
        assertEquals("clCreateBuffer failed: CL_INVALID_BUFFER_SIZE (-61)", e.getMessage());
        assertEquals("clCreateBuffer", e.call());
    }

    @Test
    void badArgumentsAreClearErrors() {
        assertThrows(IllegalArgumentException.class, () -> context.createBuffer(-1));
        try (OpenClBuffer buffer = context.createBuffer(16); OpenClKernels kernels = new OpenClKernels(queue)) {
            IndexOutOfBoundsException past = assertThrows(IndexOutOfBoundsException.class,
                    () -> kernels.scale(DType.FLOAT32, buffer, 0, 5, 2.0));
            assertEquals("Element range [0, 5) exceeds buffer argument 0 of 4 float32 elements", past.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> kernels.scale(DType.FLOAT32, buffer, 3, 2, 2.0));
            IllegalArgumentException int32 = assertThrows(IllegalArgumentException.class,
                    () -> kernels.scale(DType.INT32, buffer, 0, 1, 2.0));
            assertEquals("OpenCL kernels take float32 or float64, got int32", int32.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> queue.write(buffer, 8, MemorySegment.ofArray(new float[3])));
        }
    }

    @Test
    void buffersOfAnotherContextAreRejected() {
        try (OpenClContext other = OpenClContext.create(context.device());
             OpenClBuffer foreign = other.createBuffer(16);
             OpenClKernels kernels = new OpenClKernels(queue)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> kernels.scale(DType.FLOAT32, foreign, 0, 4, 2.0));
            assertTrue(e.getMessage().contains("expected a buffer of this kernel's context"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> queue.write(foreign, 0, MemorySegment.ofArray(new float[4])));
        }
    }

    @Test
    void withoutFp64TheSumsAreBitIdenticalToo() {
        // No device here lacks cl_khr_fp64, so the float-only build (double bits added in integer code) runs on this one.
        try (OpenClKernelSet floatOnly = new OpenClKernelSet(context, DType.FLOAT32, false);
             Arena arena = Arena.ofConfined()) {
            SplittableRandom random = new SplittableRandom(OpenClKernelsTest.SEED);
            for (int n : new int[] {1, 7, 16, 17, 1021, 65_536 + 33, 1_000_003}) {
                MemorySegment x = arena.allocate((long) n * Float.BYTES, 64);
                for (int i = 0; i < n; i++) {
                    // Magnitudes from 1e-45 (subnormal) to 1e38: squares from 2^-298 to 2^254, sums that round often.
                    float v = (float) (random.nextDouble(-1, 1) * Math.pow(10, random.nextInt(-45, 39)));
                    x.setAtIndex(ValueLayout.JAVA_FLOAT, i, i == n / 2 ? Float.MAX_VALUE : v);
                }
                try (OpenClBuffer buffer = context.createBuffer(x.byteSize())) {
                    queue.write(buffer, 0, x);
                    double expected = new ScalarKernels().sumOfSquares(DType.FLOAT32, x, 1, n);
                    double actual = OpenClKernels.sumOfSquares(queue, floatOnly, buffer, 1, n);
                    OpenClKernelsTest.compareSums("float-only sum of squares, n=" + n + ", seed=" + OpenClKernelsTest.SEED,
                            expected, actual);
                    for (float special : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE}) {
                        x.setAtIndex(ValueLayout.JAVA_FLOAT, n - 1, special);
                        queue.write(buffer, 0, x);
                        OpenClKernelsTest.compareSums("float-only sum of squares with " + special + ", n=" + n,
                                new ScalarKernels().sumOfSquares(DType.FLOAT32, x, 0, n),
                                OpenClKernels.sumOfSquares(queue, floatOnly, buffer, 0, n));
                    }
                }
            }
        }
        assertThrows(UnsupportedOperationException.class, () -> new OpenClKernelSet(context, DType.FLOAT64, false));
    }

    @Test
    void withoutFp64TheFusedSumsAreBitIdenticalToo() {
        // Lamb's and Adafactor's sums of their update, through kernels built as for a device without doubles.
        try (OpenClKernels floatOnly = OpenClKernels.withoutFp64(queue)) {
            assertTrue(!floatOnly.supports(DType.FLOAT64), "float64 needs cl_khr_fp64");
            for (KernelCase c : List.of(KernelCase.SUM_OF_SQUARES, KernelCase.SUM_OF_SQUARES_FINITE, KernelCase.LAMB_MOMENTS,
                    KernelCase.LAMB_MOMENTS_FINITE, KernelCase.ADAFACTOR_VELOCITY, KernelCase.ADAFACTOR_VELOCITY_FINITE,
                    KernelCase.ADAFACTOR_FACTORED_VELOCITY, KernelCase.ADAFACTOR_FACTORED_VELOCITY_FINITE)) {
                for (long n : new long[] {0, 5, 16, 1021, 65_536 + 7, 300_001}) {
                    OpenClKernelsTest.runCase(floatOnly, c, DType.FLOAT32, n, 3);
                }
            }
        }
    }

    // ---- lifetimes -------------------------------------------------------------------------------

    @Test
    void closingTwiceIsHarmlessAndUseAfterCloseIsAnError() {
        OpenClContext c = OpenClContext.create(context.device());
        OpenClQueue q = c.createQueue();
        OpenClBuffer b = c.createBuffer(64);
        OpenClProgram p = c.buildProgram("__kernel void k(__global float *x) { x[get_global_id(0)] *= 2.0f; }", "");
        OpenClKernel k = p.createKernel("k");
        OpenClKernels kernels = new OpenClKernels(q);
        OpenClStorage s = OpenClStorage.allocate(q, 32);
        for (int round = 0; round < 2; round++) {
            kernels.close();
            s.close();
            k.close();
            p.close();
            b.close();
            q.close();
            c.close();
        }
        assertFalse(b.isAlive() || k.isAlive() || p.isAlive() || q.isAlive() || c.isAlive() || s.isAlive());
        assertEquals("OpenCL buffer of 64 bytes is closed", assertThrows(IllegalStateException.class, b::handle).getMessage());
        assertThrows(IllegalStateException.class, () -> k.setArg(0, 1));
        assertThrows(IllegalStateException.class, () -> p.createKernel("k"));
        assertThrows(IllegalStateException.class, q::finish);
        assertThrows(IllegalStateException.class, () -> c.createBuffer(8));
        assertThrows(IllegalStateException.class, () -> kernels.scale(DType.FLOAT32, b, 0, 1, 1.0));
    }

    @Test
    void kernelsMadeForADeviceOwnTheirContextAndQueue() {
        OpenClKernels kernels = OpenClKernels.create(context.device());
        OpenClQueue q = kernels.queue();
        try (OpenClBuffer b = q.context().createBuffer(16)) {
            q.write(b, 0, MemorySegment.ofArray(new float[] {1, 2, 3, 4}));
            kernels.scale(DType.FLOAT32, b, 1, 3, 10.0);
            float[] out = new float[4];
            q.read(b, 0, MemorySegment.ofArray(out));
            assertArrayEquals(new float[] {1, 20, 30, 4}, out);
        }
        kernels.close();
        assertFalse(q.isAlive());
        assertFalse(q.context().isAlive());
    }

    @Test
    void kernelsMayBeCalledFromSeveralThreads() throws Exception {
        int threads = 4;
        int rounds = 100;
        try (OpenClKernels kernels = new OpenClKernels(queue);
             java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads)) {
            List<java.util.concurrent.Future<float[]>> results = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                float start = t + 1;
                results.add(pool.submit(() -> {
                    // Every thread sets the arguments of the same kernel objects; the kernels' locks keep them apart.
                    try (OpenClBuffer b = context.createBuffer(1024 * Float.BYTES)) {
                        float[] data = new float[1024];
                        java.util.Arrays.fill(data, start);
                        queue.write(b, 0, MemorySegment.ofArray(data));
                        for (int r = 0; r < rounds; r++) {
                            kernels.scale(DType.FLOAT32, b, 0, 1024, 1.0 + (r % 2));      // times 1, 2, 1, 2, ...
                            kernels.scaleDivide(DType.FLOAT32, b, 0, 1024, 1.0, 1.0 + (r % 2)); // and back
                        }
                        queue.read(b, 0, MemorySegment.ofArray(data));
                        return data;
                    }
                }));
            }
            for (int t = 0; t < threads; t++) {
                float[] data = results.get(t).get();
                for (float v : data) {
                    assertEquals(t + 1, v, "thread " + t);
                }
            }
        }
    }

    // ---- storage ---------------------------------------------------------------------------------

    @Test
    void tensorsGoToTheDeviceAndBack() {
        try (Tensor host = Tensor.of(new float[] {1.5f, -2f, 0f, -0f, Float.NaN, 3e-45f}, 2, 3);
             Tensor device = OpenClStorage.toDevice(queue, host);
             Tensor back = OpenClStorage.toHost(device)) {
            assertEquals(DType.FLOAT32, device.dtype());
            assertArrayEquals(new long[] {2, 3}, device.shape());
            assertFalse(device.isHost());
            assertEquals("opencl:" + context.device().index(), device.storage().device());
            assertThrows(IllegalStateException.class, device::segment);
            assertArrayEquals(host.toFloatArray(), back.toFloatArray());
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(back.toFloatArray()[3]));
        }
        double[] values = {Math.PI, -1e300, Double.MIN_VALUE};
        try (Tensor device = OpenClStorage.toDevice(queue, Tensor.wrap(values.clone()))) {
            double[] out = new double[3];
            OpenClStorage.of(device).copyTo(Tensor.wrap(out));
            assertArrayEquals(values, out);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OpenClStorage.of(Tensor.of(1f)));
        assertEquals("Expected a tensor on an OpenCL device, got float32[1] on 'host'", e.getMessage());
    }

    @Test
    void storageStartsZeroedAndCopiesSegments() {
        try (OpenClStorage storage = OpenClStorage.allocate(queue, 5 * Double.BYTES); Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(5 * Double.BYTES);
            out.fill((byte) 7);
            storage.copyTo(out);
            assertArrayEquals(new double[5], out.toArray(ValueLayout.JAVA_DOUBLE));
            storage.copyFrom(MemorySegment.ofArray(new double[] {1, 2, 3}));
            storage.copyTo(out);
            assertArrayEquals(new double[] {1, 2, 3, 0, 0}, out.toArray(ValueLayout.JAVA_DOUBLE));
            assertEquals(40, storage.byteSize());
        }
        try (Tensor empty = new Tensor(DType.FLOAT32, new long[] {0}, OpenClStorage.allocate(queue, 0))) {
            assertEquals(0, empty.storage().byteSize());
            assertEquals(0, OpenClStorage.toHost(empty).size());
        }
    }

    // ---- native memory ---------------------------------------------------------------------------

    @Test
    void aLongCreateRunCloseLoopDoesNotGrowNativeMemory() throws IOException {
        float[] data = new float[16_384]; // 64 KiB a buffer: 2,000 leaked buffers would be 128 MiB
        for (int i = 0; i < data.length; i++) {
            data[i] = i;
        }
        try (OpenClKernels kernels = new OpenClKernels(queue)) {
            runIterations(kernels, data, 200); // warm up: kernels built, allocator pools filled
            long before = residentKiB();
            runIterations(kernels, data, 2_000);
            long growth = residentKiB() - before;
            System.out.println("2,000 create/run/close iterations: resident memory grew by " + growth + " KiB");
            assertTrue(growth < 48 * 1024, "resident memory grew by " + growth + " KiB over 2,000 iterations");
        }
    }

    private static void runIterations(OpenClKernels kernels, float[] data, int iterations) {
        float[] out = new float[data.length];
        for (int i = 0; i < iterations; i++) {
            try (Tensor device = OpenClStorage.toDevice(queue, Tensor.wrap(data))) {
                OpenClBuffer b = OpenClStorage.of(device).buffer();
                kernels.scale(DType.FLOAT32, b, 0, data.length, 2.0);
                kernels.sumOfSquares(DType.FLOAT32, b, 0, data.length);
                OpenClStorage.of(device).copyTo(MemorySegment.ofArray(out));
            }
        }
        assertEquals(2 * data[data.length - 1], out[out.length - 1]);
    }

    private static long residentKiB() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("VmRSS:"))
                .mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
                .findFirst().orElseThrow();
    }

    @Test
    void buffersNobodyClosesAreReleasedOnceCollected() throws InterruptedException {
        long before = OpenClBuffer.liveBuffers();
        for (int i = 0; i < 200; i++) {
            Tensor t = OpenClStorage.full(queue, DType.FLOAT32, 1, 4096);
            assertTrue(t.isAlive());
        }
        queue.finish();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (OpenClBuffer.liveBuffers() > before && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(OpenClBuffer.liveBuffers() <= before, "buffers still held after collection: " + OpenClBuffer.liveBuffers());
        OpenClBuffer closed = context.createBuffer(64);
        closed.close();
        closed.close(); // idempotent: released once
        assertTrue(OpenClBuffer.liveBuffers() <= before);
    }
}
