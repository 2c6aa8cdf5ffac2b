package dev.panamax.optimizers;

import dev.panamax.kernels.ChunkedExecutor;
import dev.panamax.kernels.TensorKernels;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.util.function.Function;

/**
 * {@link Muon}'s update of the variables on its Muon path (Keras's {@code _muon_update_step}):
 * the momentum, Newton-Schulz orthogonalisation of the (Nesterov) momentum, and the step scaled by
 * {@code lr_adjust}, on the host; a device variable's tensors are read into host scratch first.
 */
final class MuonUpdate implements AutoCloseable {

    private final double momentum;
    private final boolean nesterov;
    private final int nsSteps;
    private final double muonA;
    private final double muonB;
    private final double muonC;
    private final Double rmsRate;
    private final NewtonSchulz newtonSchulz = new NewtonSchulz();
    /** Host scratch: the update of a Muon-path variable, and the host copies of a device variable's tensors. */
    private final HostScratch[] scratch = {new HostScratch(), new HostScratch(), new HostScratch(), new HostScratch()};

    MuonUpdate(double momentum, boolean nesterov, int nsSteps, double muonA, double muonB, double muonC, Double rmsRate) {
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.nsSteps = nsSteps;
        this.muonA = muonA;
        this.muonB = muonB;
        this.muonC = muonC;
        this.rmsRate = rmsRate;
    }

    /** Steps {@code value} and its momentum {@code m}, with the {@code kernels} of each tensor's memory. */
    void apply(Tensor value, Tensor m, Tensor gradient, double learningRate, Function<Tensor, TensorKernels> kernels,
               ChunkedExecutor executor) {
        if (value.isHost()) {
            step(value, m, gradient, learningRate, kernels, executor);
        } else {
            stepOnHost(value, m, gradient, learningRate, kernels, executor);
        }
    }

    /** Newton-Schulz orthogonalisation of {@code x} in place, with this optimizer's coefficients. */
    void orthogonalize(Tensor x, int steps, ChunkedExecutor executor) {
        newtonSchulz.orthogonalize(x, steps, muonA, muonB, muonC, executor);
    }

    /** {@code _muon_update_step} on host tensors. */
    private void step(Tensor value, Tensor m, Tensor gradient, double learningRate, Function<Tensor, TensorKernels> kernels,
                      ChunkedExecutor executor) {
        DType dtype = value.dtype();
        TensorKernels k = kernels.apply(value);
        Tensor u = scratch[0].tensor(dtype, value.shape(), !value.isNative());
        // assign_add(m, ops.add(gradient, m * (momentum - 1))): m * (momentum - 1), + g, then m + that.
        k.copy(m, u);
        k.scale(u, dtype.round(momentum - 1));
        k.axpy(gradient, u, 1.0);
        k.axpy(u, m, 1.0);
        // g = ops.add(gradient, momentum * m) with Nesterov, else m (the new m either way).
        if (nesterov) {
            k.copy(gradient, u);
            k.axpy(m, u, dtype.round(momentum));
        } else {
            k.copy(m, u);
        }
        newtonSchulz.orthogonalize(u, nsSteps, muonA, muonB, muonC, executor);
        // assign_sub(variable, lr_adjust(lr * update)): ((lr * O) * sqrt(max(rows, cols))) * rms_rate.
        k.scale(u, learningRate);
        if (rmsRate != null) {
            k.scale(u, sqrtOfLargerDimension(value.shape()));
            k.scale(u, dtype.round(rmsRate));
        }
        k.axpy(u, value, -1.0);
    }

    /**
     * The Muon path of a variable on a device: its value, momentum and gradient are read into host
     * tensors (every read before any write), stepped on the host as {@link #step}, and the value and
     * momentum written back.
     */
    private void stepOnHost(Tensor value, Tensor m, Tensor gradient, double learningRate, Function<Tensor, TensorKernels> kernels,
                            ChunkedExecutor executor) {
        DType dtype = value.dtype();
        long[] shape = value.shape();
        Tensor hostValue = scratch[1].tensor(dtype, shape, false);
        Tensor hostMomentum = scratch[2].tensor(dtype, shape, false);
        Tensor hostGradient = scratch[3].tensor(dtype, shape, false);
        value.storage().copyTo(hostValue.segment());
        m.storage().copyTo(hostMomentum.segment());
        gradient.storage().copyTo(hostGradient.segment());
        step(hostValue, hostMomentum, hostGradient, learningRate, kernels, executor);
        m.storage().copyFrom(hostMomentum.segment());
        value.storage().copyFrom(hostValue.segment());
    }

    /**
     * {@code ops.sqrt(ops.maximum(rows, cols))}: the maximum of two Python ints is an int32 tensor,
     * whose square root is float32 (also for a float64 variable, where it is then widened).
     */
    static double sqrtOfLargerDimension(long[] shape) {
        return (float) Math.sqrt((float) Math.max(shape[0], shape[1]));
    }

    @Override
    public void close() {
        for (HostScratch s : scratch) {
            s.close();
        }
    }
}
