package io.gridwork.master.store;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Only the store touches JDBC, and the rest of the master sees the store's interfaces, not its JDBC classes. */
class StoreLayerTest {

    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.gridwork.master", "db.migration");

    @Test
    void onlyTheStoreTouchesJdbc() {
        // The schedules hand Quartz the store's data source (Quartz keeps its own tables in the same database).
        noClasses().that().resideOutsideOfPackages("io.gridwork.master.store..", "db.migration..",
                        "io.gridwork.master.schedule..")
                .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..")
                .check(classes);
    }

    @Test
    void theJdbcRepositoriesAreTheStoresOwn() {
        noClasses().that().resideOutsideOfPackage("io.gridwork.master.store..")
                .should().dependOnClassesThat().resideInAPackage("io.gridwork.master.store.jdbc..")
                .check(classes);
    }
}
