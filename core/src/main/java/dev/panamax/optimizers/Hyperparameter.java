package dev.panamax.optimizers;

import dev.panamax.schedules.LearningRateSchedule;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * A hyperparameter value as Keras allows it: a constant, a callable evaluated once per step, or
 * (for the learning rate) a schedule of the step.
 */
public sealed interface Hyperparameter {

    /** The value for the step about to be taken, given the optimizer's {@code iterations}. */
    double value(long iterations);

    /** What {@code get_config} writes: the number, the callable's current value, or the schedule's config. */
    Object serialize(long iterations);

    /** A constant. */
    static Hyperparameter of(double value) {
        return new Constant(value);
    }

    /** A callable, evaluated once per step before anything is written. */
    static Hyperparameter of(DoubleSupplier supplier) {
        return new Supplied(supplier);
    }

    /** A schedule of the step (learning rates only). */
    static Hyperparameter of(LearningRateSchedule schedule) {
        return new Scheduled(schedule);
    }

    /**
     * A fixed number. (Keras 2 stores it in a float32 variable; the optimizer applies that
     * rounding where Keras does, see {@code Optimizer.hyperparameter}.)
     */
    record Constant(double constant) implements Hyperparameter {
        @Override
        public double value(long iterations) {
            return constant;
        }

        @Override
        public Object serialize(long iterations) {
            return constant;
        }
    }

    /** A callable, evaluated once per step (Keras serializes its current value). */
    record Supplied(DoubleSupplier supplier) implements Hyperparameter {
        /** Checks that the supplier is not null. */
        public Supplied {
            Objects.requireNonNull(supplier, "supplier");
        }

        @Override
        public double value(long iterations) {
            return supplier.getAsDouble();
        }

        @Override
        public Object serialize(long iterations) {
            return supplier.getAsDouble();
        }
    }

    /** A learning-rate schedule, evaluated at the current {@code iterations}. */
    record Scheduled(LearningRateSchedule schedule) implements Hyperparameter {
        /** Checks that the schedule is not null. */
        public Scheduled {
            Objects.requireNonNull(schedule, "schedule");
        }

        @Override
        public double value(long iterations) {
            return schedule.apply(iterations);
        }

        @Override
        public Object serialize(long iterations) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("class_name", schedule.className());
            out.put("config", schedule.getConfig());
            return out;
        }
    }
}
