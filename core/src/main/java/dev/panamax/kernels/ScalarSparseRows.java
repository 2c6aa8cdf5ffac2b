package dev.panamax.kernels;

import static dev.panamax.kernels.ScalarKernels.D;
import static dev.panamax.kernels.ScalarKernels.F;
import static dev.panamax.kernels.ScalarFtrl.negativePowerDouble;
import static dev.panamax.kernels.ScalarFtrl.negativePowerFloat;

import dev.panamax.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * The reference kernels of TF2 Keras's sparse paths ({@code _resource_apply_sparse}) that have
 * their own formula on the touched rows: Adamax, RMSprop with momentum, and FTRL. The
 * {@link ScalarKernels} methods of the same names delegate here.
 */
final class ScalarSparseRows {

    private ScalarSparseRows() {
    }

    static void adamaxRows(DType dtype, MemorySegment var, MemorySegment m, MemorySegment v, MemorySegment grad,
                           long from, long to, AdamaxCoefficients c, double beta1) {
        if (dtype == DType.FLOAT32) {
            float scaledLr = (float) c.scaledLearningRate();
            float b1 = (float) beta1;
            float oneMinusBeta1 = (float) c.oneMinusBeta1();
            float beta2 = (float) c.beta2();
            float epsilon = (float) c.epsilon();
            for (long i = from; i < to; i++) {
                float g = grad.getAtIndex(F, i);
                float mi = m.getAtIndex(F, i) * b1 + g * oneMinusBeta1;
                float vi = Math.max(v.getAtIndex(F, i) * beta2, Math.abs(g));
                m.setAtIndex(F, i, mi);
                v.setAtIndex(F, i, vi);
                var.setAtIndex(F, i, var.getAtIndex(F, i) - scaledLr * (mi / (vi + epsilon)));
            }
        } else {
            double scaledLr = c.scaledLearningRate();
            double oneMinusBeta1 = c.oneMinusBeta1();
            double beta2 = c.beta2();
            double epsilon = c.epsilon();
            for (long i = from; i < to; i++) {
                double g = grad.getAtIndex(D, i);
                double mi = m.getAtIndex(D, i) * beta1 + g * oneMinusBeta1;
                double vi = Math.max(v.getAtIndex(D, i) * beta2, Math.abs(g));
                m.setAtIndex(D, i, mi);
                v.setAtIndex(D, i, vi);
                var.setAtIndex(D, i, var.getAtIndex(D, i) - scaledLr * (mi / (vi + epsilon)));
            }
        }
    }

    static void rmspropMomentumRows(DType dtype, MemorySegment var, MemorySegment ms, MemorySegment mg, MemorySegment mom,
                                    MemorySegment grad, long from, long to, RmspropCoefficients c) {
        if (dtype == DType.FLOAT32) {
            float lr = (float) c.learningRate();
            float rho = (float) c.rho();
            float oneMinusRho = (float) c.oneMinusRho();
            float momentum = (float) c.momentum();
            float epsilon = (float) c.epsilon();
            for (long i = from; i < to; i++) {
                float g = grad.getAtIndex(F, i);
                float msi = ms.getAtIndex(F, i) * rho + (g * g) * oneMinusRho;
                ms.setAtIndex(F, i, msi);
                float denominator = msi + epsilon;
                if (mg != null) {
                    float mgi = mg.getAtIndex(F, i) * rho + g * oneMinusRho;
                    mg.setAtIndex(F, i, mgi);
                    denominator = denominator - mgi * mgi;
                }
                float momi = mom.getAtIndex(F, i) * momentum + ((1f / (float) Math.sqrt(denominator)) * lr) * g;
                mom.setAtIndex(F, i, momi);
                var.setAtIndex(F, i, var.getAtIndex(F, i) - momi);
            }
        } else {
            double lr = c.learningRate();
            double rho = c.rho();
            double oneMinusRho = c.oneMinusRho();
            double momentum = c.momentum();
            double epsilon = c.epsilon();
            for (long i = from; i < to; i++) {
                double g = grad.getAtIndex(D, i);
                double msi = ms.getAtIndex(D, i) * rho + (g * g) * oneMinusRho;
                ms.setAtIndex(D, i, msi);
                double denominator = msi + epsilon;
                if (mg != null) {
                    double mgi = mg.getAtIndex(D, i) * rho + g * oneMinusRho;
                    mg.setAtIndex(D, i, mgi);
                    denominator = denominator - mgi * mgi;
                }
                double momi = mom.getAtIndex(D, i) * momentum + ((1.0 / Math.sqrt(denominator)) * lr) * g;
                mom.setAtIndex(D, i, momi);
                var.setAtIndex(D, i, var.getAtIndex(D, i) - momi);
            }
        }
    }

    static void ftrlRows(DType dtype, MemorySegment var, MemorySegment accum, MemorySegment linear, MemorySegment grad,
                         long from, long to, FtrlCoefficients c, boolean oneElementRows) {
        if (dtype == DType.FLOAT32) {
            float lr = (float) c.learningRate();
            float l1 = (float) c.l1();
            float twoL2 = (float) c.twoL2();
            float twoL2Shrinkage = (float) c.twoL2Shrinkage();
            float lrPower = (float) c.learningRatePower();
            for (long i = from; i < to; i++) {
                float g = grad.getAtIndex(F, i);
                float w = var.getAtIndex(F, i);
                float a = accum.getAtIndex(F, i);
                float shrunk = twoL2Shrinkage > 0 ? g + twoL2Shrinkage * w : g;
                float newAccum = a + g * g;
                float newPower = negativePowerFloat(newAccum, lrPower);
                float sigma = (newPower - negativePowerFloat(a, lrPower)) / lr;
                float l = linear.getAtIndex(F, i);
                l = oneElementRows ? (l + shrunk) - sigma * w : l + (shrunk - sigma * w);
                linear.setAtIndex(F, i, l);
                float y = newPower / lr + twoL2;
                var.setAtIndex(F, i, (Math.max(Math.min(l, l1), -l1) - l) / y);
                accum.setAtIndex(F, i, newAccum);
            }
        } else {
            double lr = c.learningRate();
            double l1 = c.l1();
            double twoL2 = c.twoL2();
            double twoL2Shrinkage = c.twoL2Shrinkage();
            double lrPower = c.learningRatePower();
            for (long i = from; i < to; i++) {
                double g = grad.getAtIndex(D, i);
                double w = var.getAtIndex(D, i);
                double a = accum.getAtIndex(D, i);
                double shrunk = twoL2Shrinkage > 0 ? g + twoL2Shrinkage * w : g;
                double newAccum = a + g * g;
                double newPower = negativePowerDouble(newAccum, lrPower);
                double sigma = (newPower - negativePowerDouble(a, lrPower)) / lr;
                double l = linear.getAtIndex(D, i);
                l = oneElementRows ? (l + shrunk) - sigma * w : l + (shrunk - sigma * w);
                linear.setAtIndex(D, i, l);
                double y = newPower / lr + twoL2;
                var.setAtIndex(D, i, (Math.max(Math.min(l, l1), -l1) - l) / y);
                accum.setAtIndex(D, i, newAccum);
            }
        }
    }
}
