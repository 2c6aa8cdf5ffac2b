package dev.panamax.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamax.optimizers.Adam;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.HalfFloats;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Optimizers run their dense steps where their variables live (DeviceOptimizerTest compares them
 * with the host); a gradient that lives elsewhere than its variable is a clear error that names
 * the variable and both devices, raised before anything is written.
 */
class OptimizerOnDeviceTest {

    @BeforeAll
    static void requireOpenCl() {
        OpenClTestSupport.openClOrFailIfRequired();
    }

    @BeforeEach
    void skipWithoutOpenCl() {
        OpenClTestSupport.assumeOpenCl();
    }

    @Test
    void gradientsOnAnotherDeviceThanTheirVariableAreRejectedBeforeAnyWrite() {
        try (OpenClKernels kernels = OpenClKernels.create(OpenCl.defaultDevice());
             Tensor onDevice = OpenClStorage.toDevice(kernels.queue(), Tensor.of(1f, 2f));
             Tensor hostGradient = Tensor.of(0.5f, 0.5f);
             Tensor deviceGradient = OpenClStorage.toDevice(kernels.queue(), Tensor.of(0.5f, 0.5f));
             Adam adam = new Adam(0.1)) {
            Variable deviceVar = new Variable("emb", onDevice);
            String device = onDevice.storage().device();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> adam.apply(List.of(hostGradient), List.of(deviceVar)));
            assertTrue(e.getMessage().startsWith("Gradient for variable 'emb' lives on device 'host', the variable on '"
                    + device + "'"), e.getMessage());

            Variable hostVar = new Variable("w", Tensor.of(1f, 2f));
            e = assertThrows(IllegalArgumentException.class, () -> adam.apply(List.of(deviceGradient), List.of(hostVar)));
            assertTrue(e.getMessage().startsWith("Gradient for variable 'w' lives on device '" + device
                    + "', the variable on 'host'"), e.getMessage());
            assertArrayEquals(new float[] {1f, 2f}, hostVar.value().toFloatArray());
            assertEquals(0, adam.getIterations());
            hostVar.value().close();
        }
    }

    @Test
    void sixteenBitSlotsOnTheDeviceGiveTheHostsBits() {
        float[] w = new float[3001];
        float[] g = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i) * 2;
            g[i] = (float) Math.cos(i * 0.7) * 0.3f;
        }
        try (OpenClKernels kernels = OpenClKernels.create(OpenCl.defaultDevice());
             Tensor onDevice = OpenClStorage.toDevice(kernels.queue(), Tensor.of(w.clone(), w.length));
             Tensor deviceGradient = OpenClStorage.toDevice(kernels.queue(), Tensor.of(g.clone(), g.length));
             Tensor onHost = Tensor.of(w.clone(), w.length);
             Tensor hostGradient = Tensor.of(g.clone(), g.length);
             Adam device = Adam.builder().learningRate(0.01).slotDtype(DType.BFLOAT16).slotDtype("v", DType.FLOAT16).build();
             Adam host = Adam.builder().learningRate(0.01).slotDtype(DType.BFLOAT16).slotDtype("v", DType.FLOAT16).build()) {
            Variable deviceVar = new Variable("w", onDevice);
            Variable hostVar = new Variable("w", onHost);
            for (int step = 0; step < 3; step++) {
                device.apply(List.of(deviceGradient), List.of(deviceVar));
                host.apply(List.of(hostGradient), List.of(hostVar));
            }
            assertEquals(DType.BFLOAT16, device.getSlot(deviceVar, "m").dtype());
            try (Tensor back = OpenClStorage.toHost(onDevice);
                 Tensor m = OpenClStorage.toHost(device.getSlot(deviceVar, "m"));
                 Tensor v = OpenClStorage.toHost(device.getSlot(deviceVar, "v"))) {
                assertArrayEquals(onHost.toFloatArray(), back.toFloatArray());
                assertArrayEquals(host.getSlot(hostVar, "m").toFloatArray(), m.toFloatArray());
                assertArrayEquals(host.getSlot(hostVar, "v").toFloatArray(), v.toFloatArray());
                assertEquals(DType.FLOAT16, v.dtype());
            }
        }
    }

    @Test
    void aBfloat16VariableRoundedStochasticallyOnTheDeviceGivesTheHostsBits() {
        int n = 3001;
        short[] w = new short[n];
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = HalfFloats.toBfloat16((float) Math.sin(i) * 2);
            g[i] = (float) Math.cos(i * 0.7) * 0.3f;
        }
        try (OpenClKernels kernels = OpenClKernels.create(OpenCl.defaultDevice());
             Tensor onDevice = OpenClStorage.toDevice(kernels.queue(), Tensor.wrap(w.clone(), DType.BFLOAT16, n));
             Tensor deviceGradient = OpenClStorage.toDevice(kernels.queue(), Tensor.of(g.clone(), n));
             Tensor hostGradient = Tensor.of(g.clone(), n);
             Adam device = Adam.builder().learningRate(0.01).stochasticRounding(5).build();
             Adam host = Adam.builder().learningRate(0.01).stochasticRounding(5).build()) {
            Tensor onHost = Tensor.wrap(w, DType.BFLOAT16, n);
            Variable deviceVar = new Variable("w", onDevice);
            Variable hostVar = new Variable("w", onHost);
            for (int step = 0; step < 3; step++) {
                device.apply(List.of(deviceGradient), List.of(deviceVar));
                host.apply(List.of(hostGradient), List.of(hostVar));
            }
            assertEquals(DType.BFLOAT16, device.getSlot(deviceVar, "m").dtype());
            try (Tensor back = OpenClStorage.toHost(onDevice);
                 Tensor m = OpenClStorage.toHost(device.getSlot(deviceVar, "m"))) {
                assertEquals(DType.BFLOAT16, back.dtype());
                assertArrayEquals(onHost.toFloatArray(), back.toFloatArray());
                assertArrayEquals(host.getSlot(hostVar, "m").toFloatArray(), m.toFloatArray());
            }
        }
    }

    @Test
    void deviceTensorsStillRoundTripAfterTheRejectedStep() {
        try (OpenClKernels kernels = OpenClKernels.create(OpenCl.defaultDevice());
             Tensor onDevice = OpenClStorage.toDevice(kernels.queue(), Tensor.of(3f, 4f))) {
            try (Adam adam = new Adam()) {
                assertThrows(IllegalArgumentException.class,
                        () -> adam.apply(List.of(Tensor.of(1f, 1f)), List.of(new Variable("v", onDevice))));
            }
            try (Tensor back = OpenClStorage.toHost(onDevice)) {
                assertArrayEquals(new float[] {3f, 4f}, back.toFloatArray());
                assertEquals(DType.FLOAT32, back.dtype());
            }
        }
    }

    @Test
    void aConstraintOnADeviceVariableIsRejectedBeforeAnyWrite() {
        try (OpenClKernels kernels = OpenClKernels.create(OpenCl.defaultDevice());
             Tensor onDevice = OpenClStorage.toDevice(kernels.queue(), Tensor.of(1f, -2f));
             Tensor gradient = OpenClStorage.toDevice(kernels.queue(), Tensor.of(0.5f, 0.5f));
             Adam adam = new Adam(0.1)) {
            Variable v = new Variable("w", onDevice, true, dev.panamax.tensor.Constraint.nonNeg());
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> adam.apply(List.of(gradient), List.of(v)));
            assertTrue(e.getMessage().startsWith("Variable 'w' lives on device '" + onDevice.storage().device()
                    + "' and has a constraint"), e.getMessage());
            assertEquals(0, adam.getIterations());
            try (Tensor back = OpenClStorage.toHost(onDevice)) {
                assertArrayEquals(new float[] {1f, -2f}, back.toFloatArray());
            }
        }
    }
}
