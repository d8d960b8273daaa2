package io.gridwork.master.store;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Set;

/** The master's database failed or refused a write. */
public class StoreException extends RuntimeException {

    /**
     * SQLState classes of a statement the database refuses whatever the moment: cardinality (21), data (22: a value
     * too long for its column, out of range, malformed), integrity constraints (23), triggered data change (27),
     * syntax or access rule (42), with check option (44). Trying the same writes again fails again.
     */
    private static final Set<String> PERMANENT_CLASSES = Set.of("21", "22", "23", "27", "42", "44");

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether {@code failure} of a write says the writes themselves are refused, so that trying them again cannot
     * succeed; false for what passes (the database unreachable or restarting, a lost connection, a timeout, a
     * serialization failure or deadlock: SQLState classes 08, 40, 53, 57 and the like) and for anything not known
     * to be permanent, which is safest to retry. A {@link FencedException} is permanent.
     */
    public static boolean isPermanent(Throwable failure) {
        boolean permanent = false;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof FencedException) {
                return true; // this master lost its jobs: the same writes are refused for good
            }
            if (t instanceof StoreUnavailableException || t instanceof SQLTransientException
                    || t instanceof SQLRecoverableException || t instanceof SQLNonTransientConnectionException
                    || t instanceof java.io.IOException) {
                return false;
            }
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                // 08, 40, 53, 57, 58, HY..., or none: the moment, not the writes
                return state != null && state.length() >= 2 && PERMANENT_CLASSES.contains(state.substring(0, 2));
            } else if (t == failure && (t instanceof IllegalArgumentException || t instanceof NullPointerException
                    || t instanceof ClassCastException)) {
                permanent = true; // a malformed write, refused before it reached the database
            }
        }
        return permanent;
    }
}
