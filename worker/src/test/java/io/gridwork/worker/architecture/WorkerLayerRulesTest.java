package io.gridwork.worker.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The worker and the master are two programs that share only the api module (the protocol, the client's credentials,
 * the internals, the SDK): neither imports the other. The worker's tests run a real master, which is why the master
 * is on this module's test class path, and only there.
 */
class WorkerLayerRulesTest {

    /** The worker's and the master's main classes (both are on this test class path), and what they share. */
    private static final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.gridwork.worker", "io.gridwork.master", "db.migration", "io.gridwork.client",
                    "io.gridwork.api.v1", "io.gridwork.internal", "io.gridwork.sdk");

    @Test
    void theWorkerAndTheMasterNeverUseEachOther() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Worker").definedBy("io.gridwork.worker..")
                .layer("Master").definedBy("io.gridwork.master..", "db.migration..")
                .layer("Client").definedBy("io.gridwork.client..")
                .layer("Protocol").definedBy("io.gridwork.api.v1..")
                .layer("Internal").definedBy("io.gridwork.internal..")
                .layer("Sdk").definedBy("io.gridwork.sdk..")
                .whereLayer("Worker").mayNotBeAccessedByAnyLayer()
                .whereLayer("Master").mayNotBeAccessedByAnyLayer()
                .whereLayer("Client").mayOnlyBeAccessedByLayers("Worker", "Master")
                .whereLayer("Protocol").mayOnlyBeAccessedByLayers("Worker", "Master", "Client")
                .whereLayer("Internal").mayOnlyBeAccessedByLayers("Worker", "Master", "Client")
                .whereLayer("Sdk").mayOnlyBeAccessedByLayers("Worker", "Master", "Client", "Internal")
                .check(classes);
    }

    /** The worker's core decides and the links talk: the core, the loop and the credit window know no gRPC. */
    @Test
    void theWorkersCoreKnowsNoGrpc() {
        noClasses().that().haveFullyQualifiedName("io.gridwork.worker.WorkerCore")
                .or().haveNameMatching("io\\.gridwork\\.worker\\.WorkerCore\\$.*")
                .or().haveFullyQualifiedName("io.gridwork.worker.WorkerLoop")
                .or().haveNameMatching("io\\.gridwork\\.worker\\.WorkerLoop\\$.*")
                .or().haveFullyQualifiedName("io.gridwork.worker.CreditWindow")
                .or().haveNameMatching("io\\.gridwork\\.worker\\.CreditWindow\\$.*")
                .should().dependOnClassesThat().resideInAnyPackage("io.grpc..")
                .check(classes);
    }

    /**
     * Time is injected and nothing polls: the worker's classes never read the wall clock, sleep or wait on a monitor
     * (the core's clock and timer, and events on its loop, do that work).
     */
    @Test
    void theWorkerNeitherSleepsNorPollsNorReadsTheWallClock() {
        noClasses().that().resideInAPackage("io.gridwork.worker")
                .should().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(Thread.class, "sleep", long.class)
                .orShould().callMethod(Object.class, "wait", long.class)
                .orShould().callMethod(Object.class, "wait")
                .check(classes);
    }

    @Test
    void theWorkerTouchesNoDatabase() {
        noClasses().that().resideInAPackage("io.gridwork.worker..")
                .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..", "org.h2..", "org.flywaydb..",
                        "org.quartz..")
                .check(classes);
    }

    @Test
    void theWorkersPomHasTheMasterOnlyForTests() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        Matcher dependency = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL).matcher(pom);
        int dependencies = 0;
        while (dependency.find()) {
            String d = dependency.group(1);
            dependencies++;
            if (d.contains("<artifactId>gridwork-master</artifactId>")) {
                assertThat(d).as("the worker's dependency on the master").contains("<scope>test</scope>");
            }
        }
        assertThat(pom).contains("<artifactId>gridwork-worker</artifactId>");
        assertThat(dependencies).as("dependencies read from the worker's pom").isPositive();
    }
}
