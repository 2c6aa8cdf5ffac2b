package dev.panamax.examples.mnist;

import dev.panamax.optimizers.Optimizer;
import dev.panamax.tensor.DType;
import dev.panamax.tensor.HalfFloats;
import dev.panamax.tensor.Tensor;
import dev.panamax.tensor.Variable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;

/**
 * A small multilayer perceptron on EJML float matrices: ReLU hidden layers, a softmax output with
 * cross-entropy loss. Its parameters are Panamax {@link Variable}s that wrap the EJML matrices'
 * {@code data} arrays without copying, so an optimizer step writes straight into the matrices.
 *
 * <p>Images are one flat row-major array, {@code layerSizes[0]} floats per example; labels are
 * class indices in {@code [0, layerSizes[last])}. Single-threaded and deterministic.
 *
 * <p>With {@link #storeWeightsIn} the parameters are bfloat16 or float16 variables instead (Java
 * {@code short[]}s), and each forward pass computes in float32 on their widened values. With
 * {@link #computeIn} the network follows a Keras mixed precision policy instead: float32
 * variables, layers that compute in bfloat16 or float16.
 */
public final class Mlp {

    /** Mean cross-entropy loss and accuracy (fraction of correct arg-max predictions). */
    public record Evaluation(double loss, double accuracy) {}

    private static final int EVAL_CHUNK = 500;

    private final int[] sizes;
    private final int layers;
    private final FMatrixRMaj[] kernels;
    private final FMatrixRMaj[] biases;
    private final FMatrixRMaj[] kernelGrads;
    private final FMatrixRMaj[] biasGrads;
    private List<Variable> variables;
    private final List<Tensor> gradients;
    /** The 16-bit weights, parallel to {@link #variables}, or null when the float32 matrices are the variables. */
    private short[][] halfWeights;
    private DType weightDtype = DType.FLOAT32;
    /** Under a mixed policy ({@link #computeIn}): the float32 variables' arrays, parallel to {@link #variables}; else null. */
    private float[][] masterWeights;
    private DType computeDtype = DType.FLOAT32;
    private float lossScale = 1f;

    private Workspace trainSpace;
    private Workspace evalSpace;

    /**
     * @param layerSizes input size, hidden sizes, number of classes (at least two entries, all
     *     positive), e.g. {@code {784, 128, 10}}
     * @param seed seed of the {@link SplittableRandom} for the Glorot-uniform kernels
     */
    public Mlp(int[] layerSizes, long seed) {
        Objects.requireNonNull(layerSizes, "layerSizes");
        if (layerSizes.length < 2) {
            throw new IllegalArgumentException("layerSizes must have at least 2 entries (input and output), got "
                    + Arrays.toString(layerSizes));
        }
        for (int s : layerSizes) {
            if (s <= 0) {
                throw new IllegalArgumentException("layerSizes must be positive, got " + Arrays.toString(layerSizes));
            }
        }
        this.sizes = layerSizes.clone();
        this.layers = sizes.length - 1;
        this.kernels = new FMatrixRMaj[layers];
        this.biases = new FMatrixRMaj[layers];
        this.kernelGrads = new FMatrixRMaj[layers];
        this.biasGrads = new FMatrixRMaj[layers];
        List<Variable> vars = new ArrayList<>(2 * layers);
        List<Tensor> grads = new ArrayList<>(2 * layers);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < layers; i++) {
            int in = sizes[i];
            int out = sizes[i + 1];
            FMatrixRMaj w = new FMatrixRMaj(in, out);
            double limit = Math.sqrt(6.0 / (in + out));
            for (int k = 0; k < in * out; k++) {
                w.data[k] = (float) ((random.nextDouble() * 2 - 1) * limit);
            }
            kernels[i] = w;
            biases[i] = new FMatrixRMaj(1, out);
            kernelGrads[i] = new FMatrixRMaj(in, out);
            biasGrads[i] = new FMatrixRMaj(1, out);
            String prefix = i == 0 ? "dense" : "dense_" + i;
            vars.add(new Variable(prefix + "/kernel", Tensor.wrap(w.data, in, out)));
            vars.add(new Variable(prefix + "/bias", Tensor.wrap(biases[i].data, out)));
            grads.add(Tensor.wrap(kernelGrads[i].data, in, out));
            grads.add(Tensor.wrap(biasGrads[i].data, out));
        }
        this.variables = List.copyOf(vars);
        this.gradients = List.copyOf(grads);
    }

    /**
     * Makes the parameters {@code dtype} variables ({@code BFLOAT16} or {@code FLOAT16}), each
     * the current float32 value rounded to nearest: the optimizer then updates 16-bit weights
     * directly (with float32 gradients), and the network computes on their float32 widening, which
     * is exact. Call before training; {@link #variables()} returns the new variables.
     */
    public void storeWeightsIn(DType dtype) {
        if (!dtype.isHalf()) {
            throw new IllegalArgumentException("storeWeightsIn takes bfloat16 or float16, got " + dtype.kerasName());
        }
        List<Variable> half = new ArrayList<>(variables.size());
        halfWeights = new short[variables.size()][];
        for (int v = 0; v < variables.size(); v++) {
            Variable f = variables.get(v);
            float[] values = f.value().toFloatArray();
            short[] bits = new short[values.length];
            for (int i = 0; i < values.length; i++) {
                bits[i] = dtype == DType.BFLOAT16 ? HalfFloats.toBfloat16(values[i]) : HalfFloats.toFloat16(values[i]);
            }
            halfWeights[v] = bits;
            half.add(new Variable(f.name(), Tensor.wrap(bits, dtype, f.shape())));
        }
        variables = List.copyOf(half);
        weightDtype = dtype;
        widenWeights();
    }

    /**
     * Keras's {@code mixed_bfloat16} or {@code mixed_float16} policy: the variables stay float32
     * (new arrays, so {@link #variables()} returns new variables), and the layers compute in
     * {@code dtype}: each pass reads the weights cast to it, each layer's output and each
     * gradient flowing back is rounded to it, as a 16-bit matmul's output would be (with float32
     * accumulation, as TensorFlow's are on CPUs and GPUs); the softmax and the loss stay float32
     * (Keras's advice for the output layer), and the variables' gradients are the 16-bit ones
     * widened. float16's narrow range makes small gradients vanish unless the loss is scaled
     * ({@link #setLossScale}). Call before training.
     */
    public void computeIn(DType dtype) {
        if (!dtype.isHalf()) {
            throw new IllegalArgumentException("computeIn takes bfloat16 or float16, got " + dtype.kerasName());
        }
        if (halfWeights != null) {
            throw new IllegalStateException("the weights are stored in " + weightDtype.kerasName() + ": a mixed policy keeps them float32");
        }
        List<Variable> master = new ArrayList<>(variables.size());
        masterWeights = new float[variables.size()][];
        for (int v = 0; v < variables.size(); v++) {
            Variable f = variables.get(v);
            masterWeights[v] = f.value().toFloatArray();
            master.add(new Variable(f.name(), Tensor.wrap(masterWeights[v], f.shape())));
        }
        variables = List.copyOf(master);
        computeDtype = dtype;
    }

    /**
     * The factor the loss is multiplied by before the backward pass ({@code LossScaleOptimizer}'s
     * current scale), so that the gradients come out multiplied by it; 1 by default.
     */
    public void setLossScale(double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("the loss scale must be finite and > 0, got " + scale);
        }
        this.lossScale = (float) scale;
    }

    /** {@code n} elements of {@code a} rounded to the compute dtype (nothing under float32). */
    private void roundToCompute(float[] a, int n) {
        if (computeDtype == DType.BFLOAT16) {
            for (int i = 0; i < n; i++) {
                a[i] = HalfFloats.bfloat16ToFloat(HalfFloats.toBfloat16(a[i]));
            }
        } else if (computeDtype == DType.FLOAT16) {
            for (int i = 0; i < n; i++) {
                a[i] = HalfFloats.float16ToFloat(HalfFloats.toFloat16(a[i]));
            }
        }
    }

    /** Copies the 16-bit weights, widened, into the float32 matrices the passes compute with. */
    private void widenWeights() {
        for (int v = 0; v < halfWeights.length; v++) {
            float[] target = v % 2 == 0 ? kernels[v / 2].data : biases[v / 2].data;
            short[] bits = halfWeights[v];
            for (int i = 0; i < bits.length; i++) {
                target[i] = weightDtype == DType.BFLOAT16 ? HalfFloats.bfloat16ToFloat(bits[i]) : HalfFloats.float16ToFloat(bits[i]);
            }
        }
    }

    /** The layer sizes given to the constructor (a copy). */
    public int[] layerSizes() {
        return sizes.clone();
    }

    /** Kernel, bias, kernel, bias, ... in layer order, named as Keras names Dense layers. */
    public List<Variable> variables() {
        return variables;
    }

    /** The gradient tensors, parallel to {@link #variables()}, filled by the last backward pass. */
    public List<Tensor> gradients() {
        return gradients;
    }

    /** The kernel matrix of {@code layer} (in x out), the very array its variable wraps. */
    public FMatrixRMaj kernel(int layer) {
        return kernels[Objects.checkIndex(layer, layers)];
    }

    /** The bias (1 x out) of {@code layer}, the very array its variable wraps. */
    public FMatrixRMaj bias(int layer) {
        return biases[Objects.checkIndex(layer, layers)];
    }

    /**
     * One training step on examples {@code [from, to)}: forward, backward, then one
     * {@code optimizer.apply(gradients(), variables())}. Returns the batch's mean loss (before the
     * step). Arguments are checked before anything changes.
     */
    public double trainBatch(float[] images, byte[] labels, int from, int to, Optimizer optimizer) {
        Objects.requireNonNull(optimizer, "optimizer");
        double loss = computeGradients(images, labels, from, to);
        optimizer.apply(gradients, variables);
        return loss;
    }

    private double l2;

    /**
     * Sets the L2 penalty of every kernel (Keras's {@code kernel_regularizer=L2(l2)}): the loss
     * gains {@code l2 * sum(W^2)} per kernel and its gradient {@code 2 * l2 * W}. Default 0.
     */
    public void setL2(double l2) {
        if (!(l2 >= 0)) {
            throw new IllegalArgumentException("l2 must be >= 0, got " + l2);
        }
        this.l2 = l2;
    }

    private double dropout;
    private SplittableRandom dropoutRandom;

    /**
     * Sets Keras's {@code Dropout(rate)} after every hidden layer: while training, each hidden
     * activation is zeroed with probability {@code rate} and the others are scaled by
     * {@code 1 / (1 - rate)}; evaluation uses every unit unscaled. The masks come from a
     * {@link SplittableRandom} with {@code seed}, so runs stay reproducible. Default 0 (off).
     */
    public void setDropout(double rate, long seed) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
        }
        this.dropout = rate;
        this.dropoutRandom = new SplittableRandom(seed);
    }

    private static double sumOfSquares(FMatrixRMaj m) {
        double sum = 0;
        for (float x : m.data) {
            sum += (double) x * x;
        }
        return sum;
    }

    /**
     * Forward and backward pass on examples {@code [from, to)}, filling {@link #gradients()};
     * returns the mean loss. Changes no parameter.
     */
    public double computeGradients(float[] images, byte[] labels, int from, int to) {
        return computeGradientShare(images, labels, from, to, to - from, true) / (to - from);
    }

    /**
     * Forward and backward pass on examples {@code [from, to)} as one worker's share of a batch of
     * {@code batchRows} examples in data-parallel training: the gradients are this share's part of
     * the batch's mean gradient (scaled by {@code 1 / batchRows}), so that the workers' gradients
     * add up to it, and the L2 penalty's gradient and loss count only when {@code withPenalty} (on
     * one worker). An empty share ({@code from == to}) gives zero gradients. Returns the share's
     * loss sum. Changes no parameter.
     */
    public double computeGradientShare(float[] images, byte[] labels, int from, int to, int batchRows, boolean withPenalty) {
        if (from == to && from >= 0 && batchRows > 0) {
            double lossSum = 0;
            for (int i = layers - 1; i >= 0; i--) {
                Arrays.fill(kernelGrads[i].data, 0f);
                Arrays.fill(biasGrads[i].data, 0f);
                if (withPenalty && l2 > 0) {
                    CommonOps_FDRM.addEquals(kernelGrads[i], (float) (2 * l2) * lossScale, kernels[i]);
                    lossSum += batchRows * l2 * sumOfSquares(kernels[i]);
                }
            }
            return lossSum;
        }
        checkArguments(images, labels, from, to);
        if (batchRows < to - from) {
            throw new IllegalArgumentException("batchRows must be >= the share's " + (to - from) + " examples, got " + batchRows);
        }
        int rows = to - from;
        if (trainSpace == null || trainSpace.rows != rows) {
            trainSpace = new Workspace(rows);
        }
        Workspace ws = trainSpace;
        double lossSum = forward(ws, images, labels, from, to, true);

        // dL/dlogits = (softmax - onehot) / batch; the probabilities are in acts[layers].
        FMatrixRMaj dz = ws.deltas[layers];
        float[] p = ws.acts[layers].data;
        int classes = sizes[layers];
        float inv = 1.0f / batchRows;
        for (int r = 0; r < rows; r++) {
            int base = r * classes;
            int label = labels[from + r];
            for (int c = 0; c < classes; c++) {
                float g = p[base + c] - (c == label ? 1f : 0f);
                dz.data[base + c] = lossScale == 1f ? g * inv : g * inv * lossScale;
            }
        }
        // Into the 16-bit output layer, the gradient is 16-bit (under a mixed policy).
        roundToCompute(dz.data, rows * classes);
        for (int i = layers - 1; i >= 0; i--) {
            FMatrixRMaj delta = ws.deltas[i + 1];
            CommonOps_FDRM.multTransA(ws.acts[i], delta, kernelGrads[i]);
            roundToCompute(kernelGrads[i].data, kernelGrads[i].data.length);
            if (withPenalty && l2 > 0) {
                // Keras's kernel_regularizer=L2(l2): loss += l2 * sum(W^2), so dW += 2 * l2 * W
                // (times the loss scale, which multiplies the whole loss).
                CommonOps_FDRM.addEquals(kernelGrads[i], (float) (2 * l2) * lossScale, kernels[i]);
                lossSum += batchRows * l2 * sumOfSquares(kernels[i]);
            }
            columnSums(delta, biasGrads[i]);
            roundToCompute(biasGrads[i].data, biasGrads[i].data.length);
            if (i > 0) {
                FMatrixRMaj prev = ws.deltas[i];
                CommonOps_FDRM.multTransB(delta, kernels[i], prev);
                // ReLU and dropout: a unit passes the gradient (times the dropout scale) exactly
                // when its output is positive; a dropped or inactive unit's output is 0.
                float[] a = ws.acts[i].data;
                float[] d = prev.data;
                int n = rows * sizes[i];
                float scale = dropoutScale();
                for (int k = 0; k < n; k++) {
                    d[k] = a[k] > 0f ? d[k] * scale : 0f;
                }
                roundToCompute(d, n);
            }
        }
        return lossSum;
    }

    /** Mean loss and accuracy on examples {@code [from, to)}, in chunks of 500 rows. */
    public Evaluation evaluate(float[] images, byte[] labels, int from, int to) {
        checkArguments(images, labels, from, to);
        double lossSum = 0;
        long correct = 0;
        int classes = sizes[layers];
        for (int start = from; start < to; start += EVAL_CHUNK) {
            int end = Math.min(to, start + EVAL_CHUNK);
            int rows = end - start;
            if (evalSpace == null || evalSpace.rows != rows) {
                evalSpace = new Workspace(rows);
            }
            lossSum += forward(evalSpace, images, labels, start, end, false);
            float[] p = evalSpace.acts[layers].data;
            for (int r = 0; r < rows; r++) {
                int base = r * classes;
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (p[base + c] > p[base + best]) {
                        best = c;
                    }
                }
                if (best == labels[start + r]) {
                    correct++;
                }
            }
        }
        int n = to - from;
        return new Evaluation(lossSum / n, (double) correct / n);
    }

    // ---- internals ------------------------------------------------------------------------------

    private float dropoutScale() {
        return dropout > 0 ? (float) (1 / (1 - dropout)) : 1f;
    }

    /**
     * Forward pass into {@code ws}, with dropout when {@code training}; leaves softmax
     * probabilities in acts[layers]; returns the loss sum.
     */
    private double forward(Workspace ws, float[] images, byte[] labels, int from, int to, boolean training) {
        int rows = to - from;
        int in = sizes[0];
        if (halfWeights != null) {
            widenWeights();
        }
        if (masterWeights != null) {
            for (int v = 0; v < masterWeights.length; v++) {
                float[] target = v % 2 == 0 ? kernels[v / 2].data : biases[v / 2].data;
                System.arraycopy(masterWeights[v], 0, target, 0, target.length);
                roundToCompute(target, target.length);
            }
        }
        System.arraycopy(images, from * in, ws.acts[0].data, 0, rows * in);
        roundToCompute(ws.acts[0].data, rows * in);
        for (int i = 0; i < layers; i++) {
            FMatrixRMaj z = ws.acts[i + 1];
            CommonOps_FDRM.mult(ws.acts[i], kernels[i], z);
            int out = sizes[i + 1];
            float[] b = biases[i].data;
            float[] zd = z.data;
            boolean hidden = i < layers - 1;
            for (int r = 0; r < rows; r++) {
                int base = r * out;
                for (int c = 0; c < out; c++) {
                    float v = zd[base + c] + b[c];
                    zd[base + c] = hidden && !(v > 0f) ? 0f : v;
                }
            }
            if (hidden && training && dropout > 0) {
                float scale = dropoutScale();
                for (int k = 0; k < rows * out; k++) {
                    zd[k] = dropoutRandom.nextDouble() < dropout ? 0f : zd[k] * scale;
                }
            }
            roundToCompute(zd, rows * out);
        }
        // Numerically stable softmax and cross-entropy, row by row.
        int classes = sizes[layers];
        float[] zd = ws.acts[layers].data;
        double lossSum = 0;
        for (int r = 0; r < rows; r++) {
            int base = r * classes;
            float max = zd[base];
            for (int c = 1; c < classes; c++) {
                max = Math.max(max, zd[base + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(zd[base + c] - max);
            }
            double logSum = Math.log(sum);
            int label = labels[from + r];
            lossSum += logSum - (zd[base + label] - max);
            for (int c = 0; c < classes; c++) {
                zd[base + c] = (float) Math.exp(zd[base + c] - max - logSum);
            }
        }
        return lossSum;
    }

    private static void columnSums(FMatrixRMaj m, FMatrixRMaj sums) {
        int rows = m.numRows;
        int cols = m.numCols;
        float[] s = sums.data;
        Arrays.fill(s, 0, cols, 0f);
        float[] d = m.data;
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                s[c] += d[base + c];
            }
        }
    }

    private void checkArguments(float[] images, byte[] labels, int from, int to) {
        if (images == null) {
            throw new IllegalArgumentException("images must not be null");
        }
        if (labels == null) {
            throw new IllegalArgumentException("labels must not be null");
        }
        int in = sizes[0];
        if (images.length % in != 0) {
            throw new IllegalArgumentException("images has length " + images.length
                    + ", not a multiple of the input size " + in);
        }
        int n = images.length / in;
        if (labels.length != n) {
            throw new IllegalArgumentException("labels has length " + labels.length + " but images holds " + n
                    + " examples of " + in + " values");
        }
        if (from < 0 || to > n || from >= to) {
            throw new IllegalArgumentException("from/to must satisfy 0 <= from < to <= " + n + ", got from=" + from
                    + ", to=" + to);
        }
        int classes = sizes[layers];
        for (int k = from; k < to; k++) {
            if (labels[k] < 0 || labels[k] >= classes) {
                throw new IllegalArgumentException("labels[" + k + "] = " + labels[k] + " is outside 0.."
                        + (classes - 1));
            }
        }
    }

    /** Activations and deltas for one batch size, allocated once and reused. */
    private final class Workspace {
        final int rows;
        /** acts[0] = X; acts[i] = post-ReLU activations; acts[layers] = logits, then probabilities. */
        final FMatrixRMaj[] acts = new FMatrixRMaj[layers + 1];
        /** deltas[i] = dL/dZ of layer i (index 0 unused). */
        final FMatrixRMaj[] deltas = new FMatrixRMaj[layers + 1];

        Workspace(int rows) {
            this.rows = rows;
            for (int i = 0; i <= layers; i++) {
                acts[i] = new FMatrixRMaj(rows, sizes[i]);
                if (i > 0) {
                    deltas[i] = new FMatrixRMaj(rows, sizes[i]);
                }
            }
        }
    }
}
