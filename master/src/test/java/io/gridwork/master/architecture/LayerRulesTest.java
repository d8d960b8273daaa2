package io.gridwork.master.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Dependencies run one way. The master's layers, top to bottom:
 * <pre>
 *   boot (GridMaster, MasterOptions)
 *   rpc (gRPC services)       http (web console, metrics)
 *   schedule (Quartz)         read (read model)
 *   core (the scheduler)      security (tokens, access policy, audit)      code (job jars)
 *   store (JDBC, and the Flyway migrations in db.migration)
 *   model (states, roles)
 * </pre>
 * A layer uses only layers below it, never one beside it: the web console does not use the RPC layer (both map from
 * what is below), the read model knows neither. Besides: the core knows neither gRPC, Quartz nor HTTP; Quartz stays in
 * the schedule package; only the store touches JDBC, and the rest of the master sees the store's interfaces, not its
 * JDBC classes; the master never uses the worker, neither in code nor in its pom.
 */
class LayerRulesTest {

    private static final String BOOT = "io.gridwork.master";
    private static final String RPC = "io.gridwork.master.rpc..";
    private static final String HTTP = "io.gridwork.master.http..";
    private static final String SCHEDULE = "io.gridwork.master.schedule..";
    private static final String READ = "io.gridwork.master.read..";
    private static final String HA = "io.gridwork.master.ha..";
    private static final String CORE = "io.gridwork.master.core..";
    private static final String SECURITY = "io.gridwork.master.security..";
    private static final String CODE = "io.gridwork.master.code..";
    private static final String STORE = "io.gridwork.master.store..";
    private static final String MIGRATIONS = "db.migration..";
    private static final String MODEL = "io.gridwork.master.model..";
    private static final String DATA = "io.gridwork.master.data..";

    /** The master's own classes, imported once for every rule. */
    private static final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.gridwork.master", "db.migration");

    static LayeredArchitecture layers() {
        return layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Boot").definedBy(BOOT)
                .layer("Rpc").definedBy(RPC)
                .layer("Http").definedBy(HTTP)
                .layer("Schedule").definedBy(SCHEDULE)
                .layer("Ha").definedBy(HA)
                .layer("Read").definedBy(READ)
                .layer("Data").definedBy(DATA)
                .layer("Core").definedBy(CORE)
                .layer("Security").definedBy(SECURITY)
                .layer("Code").definedBy(CODE)
                .layer("Store").definedBy(STORE, MIGRATIONS)
                .layer("Model").definedBy(MODEL)

                .whereLayer("Boot").mayOnlyBeAccessedByLayers("Rpc") // MasterServer reads the MasterOptions
                .whereLayer("Rpc").mayOnlyBeAccessedByLayers("Boot")
                .whereLayer("Http").mayOnlyBeAccessedByLayers("Boot")
                .whereLayer("Schedule").mayOnlyBeAccessedByLayers("Boot", "Rpc")
                .whereLayer("Ha").mayOnlyBeAccessedByLayers("Boot", "Rpc", "Http", "Read")
                .whereLayer("Read").mayOnlyBeAccessedByLayers("Boot", "Rpc", "Http")
                .whereLayer("Data").mayOnlyBeAccessedByLayers("Boot", "Rpc", "Http", "Read")
                .whereLayer("Core").mayOnlyBeAccessedByLayers("Boot", "Rpc", "Http", "Schedule", "Read", "Ha", "Data")
                .whereLayer("Security").mayOnlyBeAccessedByLayers("Boot", "Rpc", "Http")
                .whereLayer("Code").mayOnlyBeAccessedByLayers("Boot", "Rpc", "Core")
                .whereLayer("Store").mayOnlyBeAccessedByLayers("Boot", "Rpc", "Schedule", "Read", "Core", "Security", "Code",
                        "Ha", "Data");
    }

    @Test
    void layersUseOnlyTheLayersBelowThem() {
        layers().check(classes);
    }

    /** A new package takes its place in the layers above before it can be used; the layer rule cannot see it otherwise. */
    @Test
    void everyClassBelongsToALayer() {
        classes().should().resideInAnyPackage(BOOT, RPC, HTTP, SCHEDULE, HA, READ, DATA, CORE, SECURITY, CODE, STORE,
                MIGRATIONS, MODEL)
                .check(classes);
    }

    @Test
    void theCoreKnowsNeitherGrpcNorQuartzNorHttp() {
        noClasses().that().resideInAPackage(CORE)
                .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "org.quartz..", "io.gridwork.api.v1..",
                        "com.sun.net.httpserver..", "org.eclipse.jetty..")
                .check(classes);
    }

    @Test
    void onlyTheWebConsoleServesHttp() {
        noClasses().that().resideOutsideOfPackage(HTTP)
                .should().dependOnClassesThat().resideInAnyPackage("com.sun.net.httpserver..", "org.eclipse.jetty..")
                .check(classes);
    }

    @Test
    void quartzStaysInTheSchedulePackage() {
        noClasses().that().resideOutsideOfPackages(SCHEDULE, MIGRATIONS)
                .should().dependOnClassesThat().resideInAnyPackage("org.quartz..")
                .check(classes);
    }

    @Test
    void schedulesKnowNeitherGrpcNorTheProtocol() {
        noClasses().that().resideInAPackage(SCHEDULE)
                .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "io.gridwork.api.v1..")
                .check(classes);
    }

    @Test
    void theStoreKnowsNeitherGrpcNorQuartz() {
        noClasses().that().resideInAPackage(STORE)
                .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "org.quartz..", "io.gridwork.api.v1..")
                .check(classes);
    }

    /**
     * Known exceptions to "only the store touches JDBC", each named and checked to still be one (remove it from here
     * when it is fixed): Quartz's JDBC job store takes its connections through a provider of java.sql.Connection,
     * and that adapter sits in the schedule package.
     */
    private static final Set<String> JDBC_OUTSIDE_THE_STORE = Set.of("io.gridwork.master.schedule.Schedules$StoreConnections");

    @Test
    void onlyTheStoreTouchesJdbc() {
        noClasses().that().resideOutsideOfPackages(STORE, MIGRATIONS)
                .and(DescribedPredicate.describe("are not a known exception " + JDBC_OUTSIDE_THE_STORE,
                        (JavaClass c) -> !JDBC_OUTSIDE_THE_STORE.contains(c.getName())))
                .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..")
                .check(classes);
    }

    @Test
    void theKnownExceptionsToJdbcInTheStoreAreStillThere() {
        classes().that(DescribedPredicate.describe("are a known exception " + JDBC_OUTSIDE_THE_STORE,
                        (JavaClass c) -> JDBC_OUTSIDE_THE_STORE.contains(c.getName())))
                .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..")
                .because("an exception that no longer is one should leave JDBC_OUTSIDE_THE_STORE")
                .check(classes);
    }

    /** The rest of the master sees the store through its interfaces, never through their JDBC implementations. */
    @Test
    void theJdbcRepositoriesAreTheStoresOwn() {
        noClasses().that().resideOutsideOfPackage(STORE)
                .should().dependOnClassesThat().resideInAPackage("io.gridwork.master.store.jdbc..")
                .check(classes);
    }

    @Test
    void theWebConsoleAndTheReadModelSpeakNoProtocol() {
        noClasses().that().resideInAnyPackage(HTTP, READ, DATA)
                .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "io.gridwork.api.v1..", "com.google.protobuf..")
                .check(classes);
    }

    /** The web console reads through the read model; of the core it uses the scheduler's facade for its two actions. */
    @Test
    void theWebConsoleUsesOnlyTheCoresFacade() {
        Set<String> facade = Set.of("Scheduler", "CoreException", "CoreException$Kind", "CoreMetrics", "JobSnapshot",
                "WorkerSnapshot");
        noClasses().that().resideInAPackage(HTTP)
                .should().dependOnClassesThat(DescribedPredicate.describe("are core classes other than " + facade,
                        (JavaClass c) -> c.getPackageName().equals("io.gridwork.master.core")
                                && !facade.contains(c.getName().substring("io.gridwork.master.core.".length()))))
                .check(classes);
    }

    @Test
    void theMastersPomDoesNotDependOnTheWorker() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        assertThat(pom).contains("<artifactId>gridwork-master</artifactId>").doesNotContain("gridwork-worker");
    }

    @Test
    void theMasterNeverUsesTheWorker() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.gridwork.worker..")
                .check(classes);
    }
}
