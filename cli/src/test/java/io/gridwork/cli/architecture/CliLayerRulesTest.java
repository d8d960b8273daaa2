package io.gridwork.cli.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The CLI sits on top of everything: it talks to a master through the client library, and starts a master or a
 * worker in its own process through their entry points ({@code GridMaster}, {@code GridWorker}) and their options.
 * Nothing depends on the CLI, and the master and the worker, both on its class path, never use each other.
 */
class CliLayerRulesTest {

    private static final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.gridwork.cli", "io.gridwork.master", "db.migration", "io.gridwork.worker",
                    "io.gridwork.client", "io.gridwork.api.v1", "io.gridwork.internal", "io.gridwork.sdk");

    @Test
    void layersUseOnlyTheLayersBelowThem() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Cli").definedBy("io.gridwork.cli..")
                .layer("Master").definedBy("io.gridwork.master..", "db.migration..")
                .layer("Worker").definedBy("io.gridwork.worker..")
                .layer("Client").definedBy("io.gridwork.client..")
                .layer("Protocol").definedBy("io.gridwork.api.v1..")
                .layer("Internal").definedBy("io.gridwork.internal..")
                .layer("Sdk").definedBy("io.gridwork.sdk..")
                .whereLayer("Cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("Master").mayOnlyBeAccessedByLayers("Cli")
                .whereLayer("Worker").mayOnlyBeAccessedByLayers("Cli")
                .whereLayer("Client").mayOnlyBeAccessedByLayers("Cli", "Master", "Worker")
                .whereLayer("Protocol").mayOnlyBeAccessedByLayers("Cli", "Master", "Worker", "Client")
                .whereLayer("Internal").mayOnlyBeAccessedByLayers("Cli", "Master", "Worker", "Client")
                .whereLayer("Sdk").mayOnlyBeAccessedByLayers("Cli", "Master", "Worker", "Client", "Internal")
                .check(classes);
    }

    @Test
    void theCliStartsAMasterOrAWorkerOnlyThroughTheirEntryPointsAndOptions() {
        noClasses().that().resideInAPackage("io.gridwork.cli..")
                .should().dependOnClassesThat(DescribedPredicate.describe(
                        "are master or worker classes other than their entry points, options and start-up errors",
                        (JavaClass c) -> (c.getPackageName().startsWith("io.gridwork.master")
                                || c.getPackageName().startsWith("io.gridwork.worker"))
                                && !c.getPackageName().equals("io.gridwork.master")
                                && !c.getPackageName().equals("io.gridwork.worker")
                                && !c.getName().replaceFirst("\\$.*", "").endsWith("Options")
                                && !isStoreStartUpContract(c)))
                .check(classes);
    }

    /**
     * Where the master keeps its state is one of its options ({@code StoreConfig}, which also checks a {@code --store}
     * URL), and the store's errors are what the entry point throws when it cannot open it: the CLI maps them to exit
     * codes (unreachable 3, newer schema 2).
     */
    private static boolean isStoreStartUpContract(JavaClass c) {
        return c.getName().equals("io.gridwork.master.store.StoreConfig")
                || c.isAssignableTo("io.gridwork.master.store.StoreException");
    }
}
