package io.gridwork.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The api module's layers: the client library on top; below it the protocol (generated from the .proto files) and
 * the internals shared with the master and the workers (job loading, TLS); at the bottom the SDK that job authors
 * program against. The SDK is its own module (gridwork-sdk, pure JDK: see its SdkRulesTest); it is imported here
 * from that jar so that the rule still says nothing in the SDK reaches up.
 */
class ApiLayerRulesTest {

    private static final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.gridwork.sdk", "io.gridwork.internal", "io.gridwork.client", "io.gridwork.api.v1");

    @Test
    void layersUseOnlyTheLayersBelowThem() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Client").definedBy("io.gridwork.client..")
                .layer("Protocol").definedBy("io.gridwork.api.v1..")
                .layer("Internal").definedBy("io.gridwork.internal..")
                .layer("Sdk").definedBy("io.gridwork.sdk..")
                .whereLayer("Client").mayNotBeAccessedByAnyLayer()
                .whereLayer("Protocol").mayOnlyBeAccessedByLayers("Client")
                .whereLayer("Internal").mayOnlyBeAccessedByLayers("Client")
                .whereLayer("Sdk").mayOnlyBeAccessedByLayers("Client", "Internal")
                .check(classes);
    }

    @Test
    void theProtocolKnowsNothingOfGridworksCode() {
        classes().that().resideInAPackage("io.gridwork.api.v1..")
                .should().onlyDependOnClassesThat().resideOutsideOfPackages("io.gridwork.sdk..", "io.gridwork.internal..",
                        "io.gridwork.client..")
                .check(classes);
    }
}
