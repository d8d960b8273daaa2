package io.gridwork.master.model;

/** A state change that the state machine does not allow: a bug, never a normal outcome. */
public final class IllegalTransitionException extends IllegalStateException {

    public IllegalTransitionException(String what, Enum<?> from, Enum<?> to) {
        super(what + " cannot go from " + from + " to " + to);
    }
}
