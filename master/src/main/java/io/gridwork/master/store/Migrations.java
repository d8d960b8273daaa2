package io.gridwork.master.store;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;

/** Brings a store's schema to this master's version with Flyway, and refuses a schema newer than this master. */
final class Migrations {

    private Migrations() {}

    static void migrate(DataSource dataSource, Dialect dialect) {
        if (dialect.isPostgres()) {
            throw new StoreException("the PostgreSQL store is not available in this build yet", null);
        }
        Flyway flyway = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load();
        try {
            refuseNewerSchema(flyway.info());
            flyway.migrate();
        } catch (FlywayException e) {
            throw new StoreException("could not migrate the store's schema: " + e.getMessage(), e);
        }
    }

    /**
     * Flyway by default ignores applied migrations it does not know ("future" ones); a master must not run on a
     * schema a newer master has changed, so it checks first.
     */
    static void refuseNewerSchema(MigrationInfoService info) {
        MigrationVersion known = MigrationVersion.EMPTY;
        boolean future = false;
        for (MigrationInfo m : info.all()) {
            if (m.getVersion() == null) {
                continue;
            }
            if (m.getState().isResolved() && m.getVersion().isNewerThan(known.getVersion())) {
                known = m.getVersion();
            }
            future |= !m.getState().isResolved() && m.getState().isApplied() && m.getState().name().startsWith("FUTURE");
        }
        MigrationInfo current = info.current();
        if (future && current != null) {
            throw new StoreSchemaException("the store's schema is at version " + current.getVersion()
                    + ", newer than this master's " + known + ": upgrade the master", null);
        }
    }
}
