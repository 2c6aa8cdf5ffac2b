package dev.panamax.opencl;

import dev.panamax.kernels.AdamCoefficients;
import dev.panamax.kernels.AdamaxCoefficients;
import dev.panamax.kernels.FtrlCoefficients;
import dev.panamax.kernels.Keras3AdamaxCoefficients;
import dev.panamax.kernels.LambCoefficients;
import dev.panamax.kernels.LionCoefficients;
import dev.panamax.kernels.NadamCoefficients;
import dev.panamax.kernels.RmspropCoefficients;
import dev.panamax.kernels.ScheduleFreeCoefficients;
import dev.panamax.kernels.TensorKernels;
import dev.panamax.kernels.VariableRounding;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * {@link TensorKernels} on device tensors ({@link OpenClStorage}) of one OpenCL queue: each call
 * runs the {@link OpenClKernels} method of the same name over the whole tensor, {@code [0, size)},
 * so results equal {@link dev.panamax.kernels.HostTensorKernels} over
 * {@link dev.panamax.kernels.ScalarKernels} bit for bit (FTRL with lr_power other than -0.5 and
 * the sum of squares excepted, as {@link OpenClKernels} says). Kernels, fills and copies are
 * enqueued without waiting on the queue, in order; {@link #sumOfSquares} waits for its result.
 *
 * <p>Every tensor must live in this queue's context: a host tensor, or one of another device or
 * context, is an {@link IllegalArgumentException} naming both devices, raised before anything is
 * enqueued. A tensor of the same context but of another queue is accepted: its queue is finished
 * before the call, and this queue after it, so that neither queue sees the other's work half done.
 * All tensors of a call must have the variable's dtype and element count.
 *
 * <p>Made by {@link OpenClDeviceKernelsFactory} (one per queue), or directly over an
 * {@link OpenClKernels} that stays the caller's to close. Calls may come from several threads.
 */
public final class OpenClTensorKernels implements TensorKernels {

    private final OpenClKernels kernels;
    private final OpenClQueue queue;
    private final String device;

    /** Tensor kernels that run {@code kernels} on its queue; {@code kernels} stays the caller's to close. */
    public OpenClTensorKernels(OpenClKernels kernels) {
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        this.queue = kernels.queue();
        this.device = deviceName(queue.context().device());
    }

    /** The element kernels these run. */
    public OpenClKernels kernels() {
        return kernels;
    }

    /** The command queue the work is enqueued on (in order). */
    public OpenClQueue queue() {
        return queue;
    }

    /** {@code "opencl:<index>"}, as {@link OpenClStorage#device()} names the device of this queue's tensors. */
    @Override
    public String device() {
        return device;
    }

    static String deviceName(OpenClDevice device) {
        return "opencl:" + device.index();
    }

    @Override
    public Tensor full(DType dtype, double value, long... shape) {
        return OpenClStorage.full(queue, dtype, value, shape);
    }

    @Override
    public void copy(Tensor source, Tensor target) {
        OpenClStorage from = storage("source", source);
        OpenClStorage to = storage("target", target);
        if (source.dtype() != target.dtype() || !source.hasSameShape(target)) {
            throw new IllegalArgumentException("Cannot copy a " + source.describe() + " into a " + target.describe());
        }
        if (from == to || source.byteSize() == 0) {
            return;
        }
        Runnable after = syncBefore(from, to);
        queue.copy(from.buffer(), 0, to.buffer(), 0, source.byteSize());
        after.run();
    }

    @Override
    public void zero(Tensor x) {
        OpenClStorage s = storage("x", x);
        Runnable after = syncBefore(s);
        queue.fillZero(s.buffer());
        after.run();
    }

    @Override
    public void scale(Tensor x, double factor) {
        OpenClStorage s = storage("x", x);
        Runnable after = syncBefore(s);
        kernels.scale(dtype(x), s.buffer(), 0, x.size(), factor);
        after.run();
    }

    @Override
    public void scaleDivide(Tensor x, double multiplier, double divisor) {
        OpenClStorage s = storage("x", x);
        Runnable after = syncBefore(s);
        kernels.scaleDivide(dtype(x), s.buffer(), 0, x.size(), multiplier, divisor);
        after.run();
    }

    @Override
    public void clipByValue(Tensor x, double min, double max) {
        OpenClStorage s = storage("x", x);
        Runnable after = syncBefore(s);
        kernels.clipByValue(dtype(x), s.buffer(), 0, x.size(), min, max);
        after.run();
    }

    @Override
    public void axpy(Tensor x, Tensor y, double alpha) {
        Args a = new Args(y).add("x", x).start();
        kernels.axpy(a.dtype, alpha, a.b(1), a.b(0), 0, a.size);
        a.done();
    }

    @Override
    public double sumOfSquares(Tensor x) {
        OpenClStorage s = storage("x", x);
        Runnable after = syncBefore(s);
        double sum = kernels.sumOfSquares(dtype(x), s.buffer(), 0, x.size());
        after.run();
        return sum;
    }

    @Override
    public void weightDecay(Tensor var, double weightDecay, double lr) {
        Args a = new Args(var).start();
        kernels.weightDecay(a.dtype, a.b(0), 0, a.size, weightDecay, lr);
        a.done();
    }

    @Override
    public void movingAverage(Tensor average, Tensor var, double momentum, double oneMinusMomentum) {
        Args a = new Args(average).add("var", var).start();
        kernels.movingAverage(a.dtype, a.b(0), a.b(1), 0, a.size, momentum, oneMinusMomentum);
        a.done();
    }

    @Override
    public void lion(Tensor var, Tensor m, Tensor grad, LionCoefficients c, VariableRounding rounding) {
        Args a = new Args(var, true).slot("m", m).add("grad", grad).start();
        if (m.dtype() != a.dtype || var.dtype() != a.dtype) {
            kernels.lionMixed(var.dtype(), m.dtype(), rounding, a.b(0), a.b(1), a.b(2), 0, a.size, c);
        } else {
            kernels.lion(a.dtype, a.b(0), a.b(1), a.b(2), 0, a.size, c);
        }
        a.done();
    }

    @Override
    public void scheduleFreeAdamw(Tensor var, Tensor z, Tensor v, Tensor grad, ScheduleFreeCoefficients c) {
        Args a = new Args(var).add("z", z).add("v", v).add("grad", grad).start();
        kernels.scheduleFreeAdamw(a.dtype, a.b(0), a.b(1), a.b(2), a.b(3), 0, a.size, c);
        a.done();
    }

    @Override
    public double lambMoments(Tensor m, Tensor v, Tensor grad, LambCoefficients c) {
        Args a = new Args(m).add("v", v).add("grad", grad).start();
        double sum = kernels.lambMoments(a.dtype, a.b(0), a.b(1), a.b(2), 0, a.size, c);
        a.done();
        return sum;
    }

    @Override
    public void lambApply(Tensor var, Tensor m, Tensor v, LambCoefficients c, double scale) {
        Args a = new Args(var).add("m", m).add("v", v).start();
        kernels.lambApply(a.dtype, a.b(0), a.b(1), a.b(2), 0, a.size, c, scale);
        a.done();
    }

    @Override
    public void adafactorFactors(Tensor grad, Tensor r, Tensor c, Tensor rowFactors, long matrices, long rows, long columns,
                                 double beta2t, double oneMinusBeta2t, double epsilon1) {
        Args a = new Args(grad).factor("r", r, matrices * rows).factor("c", c, matrices * columns)
                .factor("rowFactors", rowFactors, matrices * rows).start();
        kernels.adafactorFactors(a.dtype, a.b(0), a.b(1), a.b(2), a.b(3), matrices, rows, columns, beta2t, oneMinusBeta2t, epsilon1);
        a.done();
    }

    @Override
    public double adafactorFactoredVelocity(Tensor v, Tensor grad, Tensor rowFactors, Tensor c, long rows, long columns) {
        long matrices = v.size() / Math.max(1, rows * columns);
        Args a = new Args(v).add("grad", grad).factor("rowFactors", rowFactors, matrices * rows).factor("c", c, matrices * columns)
                .start();
        double sum = kernels.adafactorFactoredVelocity(a.dtype, a.b(0), a.b(1), a.b(2), a.b(3), rows, columns, 0, a.size);
        a.done();
        return sum;
    }

    @Override
    public double adafactorVelocity(Tensor v, Tensor grad, double beta2t, double oneMinusBeta2t, double epsilon1) {
        Args a = new Args(v).add("grad", grad).start();
        double sum = kernels.adafactorVelocity(a.dtype, a.b(0), a.b(1), 0, a.size, beta2t, oneMinusBeta2t, epsilon1);
        a.done();
        return sum;
    }

    @Override
    public void adafactorApply(Tensor var, Tensor v, Tensor grad, double alpha, double divisor) {
        Args a = new Args(var).add("v", v).add("grad", grad).start();
        kernels.adafactorApply(a.dtype, a.b(0), a.b(1), a.b(2), 0, a.size, alpha, divisor);
        a.done();
    }

    @Override
    public void adamaxKeras3(Tensor var, Tensor m, Tensor u, Tensor grad, Keras3AdamaxCoefficients c) {
        Args a = new Args(var).add("m", m).add("u", u).add("grad", grad).start();
        kernels.adamaxKeras3(a.dtype, a.b(0), a.b(1), a.b(2), a.b(3), 0, a.size, c);
        a.done();
    }

    @Override
    public void adadeltaKeras3(Tensor var, Tensor accumGrad, Tensor accumDelta, Tensor grad, double lr, double rho,
                               double oneMinusRho, double epsilon) {
        Args a = new Args(var).add("accumGrad", accumGrad).add("accumDelta", accumDelta).add("grad", grad).start();
        kernels.adadeltaKeras3(a.dtype, a.b(0), a.b(1), a.b(2), a.b(3), 0, a.size, lr, rho, oneMinusRho, epsilon);
        a.done();
    }

    @Override
    public void gradientDescent(Tensor var, Tensor grad, double lr, VariableRounding rounding) {
        Args a = new Args(var, true).add("grad", grad).start();
        if (var.dtype() != a.dtype) {
            kernels.gradientDescentMixed(var.dtype(), rounding, a.b(0), a.b(1), 0, a.size, lr);
        } else {
            kernels.gradientDescent(a.dtype, a.b(0), a.b(1), 0, a.size, lr);
        }
        a.done();
    }

    @Override
    public void kerasMomentum(Tensor var, Tensor accum, Tensor grad, double lr, double momentum, boolean nesterov,
                              VariableRounding rounding) {
        Args a = new Args(var, true).slot("accum", accum).add("grad", grad).start();
        if (accum.dtype() != a.dtype || var.dtype() != a.dtype) {
            kernels.kerasMomentumMixed(var.dtype(), accum.dtype(), rounding, a.b(0), a.b(1), a.b(2), 0, a.size, lr, momentum,
                    nesterov);
        } else {
            kernels.kerasMomentum(a.dtype, a.b(0), a.b(1), a.b(2), 0, a.size, lr, momentum, nesterov);
        }
        a.done();
    }

    @Override
    public void adam(Tensor var, Tensor m, Tensor v, Tensor vhat, Tensor grad, AdamCoefficients c, VariableRounding rounding) {
        Args a = new Args(var, true).slot("m", m).slot("v", v).slot("vhat", vhat).add("grad", grad).start();
        if (m.dtype() != a.dtype || v.dtype() != a.dtype || vhat != null && vhat.dtype() != a.dtype || var.dtype() != a.dtype) {
            kernels.adamMixed(var.dtype(), m.dtype(), v.dtype(), vhat == null ? null : vhat.dtype(), rounding, a.b(0), a.b(1), a.b(2),
                    a.b(3), a.b(4), 0, a.size, c);
        } else if (vhat != null) {
            kernels.adamAmsgrad(a.dtype, a.b(0), a.b(1), a.b(2), a.b(3), a.b(4), 0, a.size, c);
        } else {
            kernels.adam(a.dtype, a.b(0), a.b(1), a.b(2), a.b(4), 0, a.size, c);
        }
        a.done();
    }

    @Override
    public void adamFromMoments(Tensor var, Tensor m, Tensor v, Tensor vhat, double alpha, double epsilon) {
        Args a = new Args(var).add("m", m).add("v", v).optional("vhat", vhat).start();
        kernels.adamFromMoments(a.dtype, a.b(0), a.b(1), a.b(2), a.b(3), 0, a.size, alpha, epsilon);
        a.done();
    }

    @Override
    public void rmsprop(Tensor var, Tensor ms, Tensor mg, Tensor mom, Tensor grad, RmspropCoefficients c) {
        Args a = new Args(var).add("ms", ms).optional("mg", mg).optional("mom", mom).add("grad", grad).start();
        kernels.rmsprop(a.dtype, a.b(0), a.b(1), a.b(2), a.b(3), a.b(4), 0, a.size, c);
        a.done();
    }

    @Override
    public void rmspropMomentum(Tensor var, Tensor ms, Tensor mg, Tensor mom, Tensor grad, RmspropCoefficients c) {
        Objects.requireNonNull(mom, "mom (rmspropMomentum needs the momentum slot)");
        Args a = new Args(var).add("ms", ms).optional("mg", mg).add("mom", mom).add("grad", grad).start();
        kernels.rmspropMomentum(a.dtype, a.b(0), a.b(1), a.b(2), a.b(3), a.b(4), 0, a.size, c);
        a.done();
    }

    @Override
    public void adagrad(Tensor var, Tensor accum, Tensor grad, double lr, double epsilon, boolean epsilonInsideSqrt) {
        Args a = new Args(var).add("accum", accum).add("grad", grad).start();
        kernels.adagrad(a.dtype, a.b(0), a.b(1), a.b(2), 0, a.size, lr, epsilon, epsilonInsideSqrt);
        a.done();
    }

    @Override
    public void adadelta(Tensor var, Tensor accum, Tensor accumUpdate, Tensor grad, double lr, double rho,
                         double oneMinusRho, double epsilon) {
        Args a = new Args(var).add("accum", accum).add("accumUpdate", accumUpdate).add("grad", grad).start();
        kernels.adadelta(a.dtype, a.b(0), a.b(1), a.b(2), a.b(3), 0, a.size, lr, rho, oneMinusRho, epsilon);
        a.done();
    }

    @Override
    public void adamax(Tensor var, Tensor m, Tensor v, Tensor grad, AdamaxCoefficients c) {
        Args a = new Args(var).add("m", m).add("v", v).add("grad", grad).start();
        kernels.adamax(a.dtype, a.b(0), a.b(1), a.b(2), a.b(3), 0, a.size, c);
        a.done();
    }

    @Override
    public void nadam(Tensor var, Tensor m, Tensor v, Tensor grad, NadamCoefficients c) {
        Args a = new Args(var).add("m", m).add("v", v).add("grad", grad).start();
        kernels.nadam(a.dtype, a.b(0), a.b(1), a.b(2), a.b(3), 0, a.size, c);
        a.done();
    }

    @Override
    public void nadamKeras3(Tensor var, Tensor m, Tensor v, Tensor grad, NadamCoefficients c) {
        Args a = new Args(var).add("m", m).add("v", v).add("grad", grad).start();
        kernels.nadamKeras3(a.dtype, a.b(0), a.b(1), a.b(2), a.b(3), 0, a.size, c);
        a.done();
    }

    @Override
    public void ftrl(Tensor var, Tensor accum, Tensor linear, Tensor grad, FtrlCoefficients c) {
        Args a = new Args(var).add("accum", accum).add("linear", linear).add("grad", grad).start();
        kernels.ftrl(a.dtype, a.b(0), a.b(1), a.b(2), a.b(3), 0, a.size, c);
        a.done();
    }

    @Override
    public String toString() {
        return "OpenClTensorKernels(" + device + " " + queue.context().device().name() + ")";
    }

    // ---- checks ----------------------------------------------------------------------------------

    /**
     * The OpenCL storage of {@code tensor}, checked: alive, and in this queue's context. A host
     * tensor or one of another device or context is an {@link IllegalArgumentException} that names
     * the argument and both devices.
     */
    private OpenClStorage storage(String what, Tensor tensor) {
        Objects.requireNonNull(tensor, what);
        if (!(tensor.storage() instanceof OpenClStorage storage)) {
            throw new IllegalArgumentException(what + " " + tensor.describe() + " lives on '" + tensor.storage().device()
                    + "', not on the OpenCL device these kernels run on, '" + device + "' ("
                    + queue.context().device().name() + ")");
        }
        if (!storage.isAlive()) {
            throw new IllegalStateException(what + " " + tensor.describe() + " on '" + storage.device() + "' is closed");
        }
        OpenClContext context = storage.buffer().context();
        if (context != queue.context()) {
            OpenClDevice theirs = context.device();
            OpenClDevice ours = queue.context().device();
            throw new IllegalArgumentException(what + " " + tensor.describe() + " lives on OpenCL device '" + storage.device()
                    + "' (" + theirs.name() + ")" + (theirs.index() == ours.index() ? " in another context" : "")
                    + ", but these kernels run on '" + device + "' (" + ours.name() + ")");
        }
        return storage;
    }

    private static DType dtype(Tensor x) {
        DType t = x.dtype();
        if (t != DType.FLOAT32 && t != DType.FLOAT64) {
            throw new IllegalArgumentException("OpenCL kernels take float32 or float64 tensors, got " + x.describe());
        }
        return t;
    }

    private static final Runnable NOTHING = () -> { };

    /**
     * Finishes the queues other than this one of {@code storages} (their pending writes must land
     * before these kernels read), and returns what to run after enqueuing: finishing this queue
     * when a storage belongs to another one (whose later reads would not wait for this queue).
     */
    private Runnable syncBefore(OpenClStorage... storages) {
        boolean foreign = false;
        for (OpenClStorage s : storages) {
            if (s != null && s.queue() != queue) {
                s.queue().finish();
                foreign = true;
            }
        }
        return foreign ? queue::finish : NOTHING;
    }

    /** The checked tensors of one algorithm call: the variable first, then the others in the method's order. */
    private final class Args {
        final DType dtype;
        final long size;
        private final Tensor var;
        private final OpenClStorage[] storages = new OpenClStorage[5];
        private int count;
        private Runnable after = NOTHING;

        Args(Tensor var) {
            this(var, false);
        }

        /**
         * @param mixed whether the kernel is a mixed one, which also takes a bfloat16 or float16
         *              variable and computes in float32 ({@link #dtype} is then float32)
         */
        Args(Tensor var, boolean mixed) {
            this.var = var;
            storages[count++] = storage("var", var);
            this.dtype = mixed && var.dtype().isHalf() ? DType.FLOAT32 : dtype(var);
            this.size = var.size();
        }

        Args add(String what, Tensor tensor) {
            OpenClStorage s = storage(what, tensor);
            if (tensor.dtype() != dtype || tensor.size() != size) {
                throw new IllegalArgumentException(what + " " + tensor.describe() + " does not match the variable "
                        + var.describe() + ": expected " + dtype.kerasName() + Arrays.toString(var.shape()));
            }
            storages[count++] = s;
            return this;
        }

        /** A factor of the variable (Adafactor's r and c): its dtype, {@code size} elements. */
        Args factor(String what, Tensor tensor, long size) {
            OpenClStorage s = storage(what, tensor);
            if (tensor.dtype() != dtype || tensor.size() != size) {
                throw new IllegalArgumentException(what + " " + tensor.describe() + " does not fit the variable "
                        + var.describe() + ": expected " + dtype.kerasName() + " with " + size + " elements");
            }
            storages[count++] = s;
            return this;
        }

        /**
         * A slot that a float32 variable may keep in bfloat16 or float16 (the 16-bit slot kernels
         * take it), else as {@link #add}; null passes as null.
         */
        Args slot(String what, Tensor tensor) {
            if (tensor != null && tensor.dtype().isHalf() && dtype == DType.FLOAT32 && tensor.size() == size) {
                storages[count++] = storage(what, tensor);
                return this;
            }
            return optional(what, tensor);
        }

        /** An optional slot: null passes as null. */
        Args optional(String what, Tensor tensor) {
            if (tensor == null) {
                storages[count++] = null;
                return this;
            }
            return add(what, tensor);
        }

        /** After the checks, before enqueuing: syncs with the other queues of the tensors, if any. */
        Args start() {
            after = syncBefore(Arrays.copyOf(storages, count));
            return this;
        }

        /** The buffer of argument {@code i} (0 the variable), null for an absent optional slot. */
        OpenClBuffer b(int i) {
            OpenClStorage s = storages[i];
            return s == null ? null : s.buffer();
        }

        void done() {
            after.run();
        }
    }
}
