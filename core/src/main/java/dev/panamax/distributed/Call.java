package dev.panamax.distributed;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Tensor;
import java.util.Arrays;

/**
 * What one rank asked of a collective operation: the operation (with its root, if any), and its
 * tensor's dtype and shape, or what is wrong with the tensor. Every rank sees every rank's call and
 * reaches the same verdict ({@link #disagreement}) before anything is written.
 */
record Call(String operation, String problem, DType dtype, long[] shape) {

    /** The problems a tensor can have, in the order the wire format numbers them (0: none). */
    static final String[] PROBLEMS = {null, "passed no tensor (null)", "passed a closed tensor",
            "passed a tensor that lives on a device; collectives run on host tensors"};

    /** The call of a rank that passes {@code x} (null for a barrier, which takes no tensor). */
    static Call of(String operation, Tensor x, boolean takesTensor) {
        if (!takesTensor) {
            return new Call(operation, null, null, null);
        }
        int problem = x == null ? 1 : !x.isAlive() ? 2 : !x.isHost() ? 3 : 0;
        return problem != 0 ? new Call(operation, PROBLEMS[problem], null, null) : new Call(operation, null, x.dtype(), x.shape());
    }

    /** Why the ranks' calls do not agree, in the same words on every rank; null when they agree. */
    static String disagreement(Call[] calls) {
        String operation = calls[0].operation();
        for (int r = 1; r < calls.length; r++) {
            if (!calls[r].operation().equals(operation)) {
                return "The ranks called different operations at once: rank 0 " + operation + ", rank " + r + " "
                        + calls[r].operation();
            }
        }
        for (int r = 0; r < calls.length; r++) {
            if (calls[r].problem() != null) {
                return operation + ": rank " + r + " " + calls[r].problem();
            }
        }
        Call first = calls[0];
        for (int r = 1; r < calls.length; r++) {
            Call c = calls[r];
            if (c.dtype() != first.dtype() || !Arrays.equals(c.shape(), first.shape())) {
                return operation + ": rank " + r + "'s tensor is " + describe(c) + " but rank 0's is " + describe(first)
                        + "; every rank must pass the same dtype and shape";
            }
        }
        return null;
    }

    private static String describe(Call c) {
        return c.dtype().kerasName() + " " + Arrays.toString(c.shape());
    }
}
