package dev.panamax.optimizers;

import dev.panamax.tensor.DType;
import dev.panamax.tensor.Variable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dtypes an optimizer stores its slots in ({@link OptimizerOptions#slotDtype}), a Panamax
 * extension: by default a slot has its variable's dtype, as in Keras; a slot named here is stored
 * in bfloat16, float16 or float32 and computed on in float32 inside the fused kernel, which rounds
 * only the stored copy (the step uses the float32 values it computed, as Optax's {@code mu_dtype}
 * does). A float32 choice matters for 16-bit variables, whose slots are otherwise 16-bit too; a
 * float64 variable keeps its own.
 *
 * @param stored the slots given a dtype, by the name {@link Optimizer#getSlot} takes
 */
record SlotDtypes(Map<String, DType> stored) {

    static final SlotDtypes NONE = new SlotDtypes(Map.of());

    /** The config key of this extension; written only when a slot has a 16-bit type, so Keras's configs are unchanged. */
    static final String CONFIG_KEY = "slot_dtypes";

    /**
     * Checks the builder's choices against the slots {@code optimizer} can store in 16 bits.
     *
     * @param allSlots    the dtype of every such slot, or null
     * @param perSlot     dtypes by slot name (win over {@code allSlots})
     * @param halfSlots   the algorithm's slots its fused kernels read and write in 16 bits; empty
     *                    when it has no such kernels
     */
    static SlotDtypes resolve(String optimizer, List<String> halfSlots, DType allSlots, Map<String, DType> perSlot) {
        if (allSlots == null && perSlot.isEmpty()) {
            return NONE;
        }
        if (halfSlots.isEmpty()) {
            throw new IllegalArgumentException(optimizer + " cannot store its slots in another dtype: slotDtype is supported by"
                    + " SGD (with momentum), Adam, AdamW and Lion");
        }
        Map<String, DType> stored = new LinkedHashMap<>();
        if (allSlots != null) {
            checkDtype("slotDtype", allSlots);
            for (String slot : halfSlots) {
                stored.put(slot, allSlots);
            }
        }
        for (Map.Entry<String, DType> e : perSlot.entrySet()) {
            if (!halfSlots.contains(e.getKey())) {
                throw new IllegalArgumentException("slotDtype: " + optimizer + " has no slot '" + e.getKey()
                        + "' it can store in 16 bits; expected one of " + halfSlots);
            }
            checkDtype("slotDtype of slot '" + e.getKey() + "'", e.getValue());
            stored.put(e.getKey(), e.getValue());
        }
        return stored.isEmpty() ? NONE : new SlotDtypes(Collections.unmodifiableMap(stored));
    }

    private static void checkDtype(String what, DType dtype) {
        if (dtype != DType.FLOAT32 && !dtype.isHalf()) {
            throw new IllegalArgumentException(what + " must be bfloat16, float16 or float32, got " + dtype.kerasName());
        }
    }

    /** Whether any slot is stored in a 16-bit type. */
    boolean any() {
        return halfTypeName() != null;
    }

    /** The name of a 16-bit type some slot is stored in (for messages), or null when none is. */
    String halfTypeName() {
        return stored.values().stream().filter(DType::isHalf).map(DType::kerasName).findFirst().orElse(null);
    }

    /** The dtype of slot {@code slot} of {@code variable}: its own, or the variable's (always a float64 variable's). */
    DType of(String slot, Variable variable) {
        return variable.dtype() == DType.FLOAT64 ? variable.dtype() : stored.getOrDefault(slot, variable.dtype());
    }

    /** Whether the config names any slot's dtype. */
    boolean isSet() {
        return !stored.isEmpty();
    }

    /** The config value: each 16-bit slot's dtype name. */
    Map<String, Object> config() {
        Map<String, Object> out = new LinkedHashMap<>();
        stored.forEach((slot, dtype) -> out.put(slot, dtype.kerasName()));
        return out;
    }
}
