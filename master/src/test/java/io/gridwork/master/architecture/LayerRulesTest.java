package io.gridwork.master.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Dependencies run one way: rpc and http (the web console) -> schedule -> core -> store -> model; the core knows
 * neither gRPC, Quartz nor HTTP, and Quartz stays in the schedule package.
 */
class LayerRulesTest {

    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.gridwork.master");

    @Test
    void theCoreKnowsNeitherGrpcNorQuartzNorTheRpcLayer() {
        noClasses().that().resideInAPackage("io.gridwork.master.core..")
                .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "org.quartz..", "io.gridwork.master.rpc..",
                        "io.gridwork.api.v1..", "io.gridwork.master.schedule..", "io.gridwork.master.http..",
                        "com.sun.net.httpserver..")
                .check(classes);
    }

    @Test
    void theRpcLayerAndSchedulesKnowNothingOfTheWebConsole() {
        noClasses().that().resideInAnyPackage("io.gridwork.master.rpc..", "io.gridwork.master.schedule..",
                        "io.gridwork.master.store..", "io.gridwork.master.model..")
                .should().dependOnClassesThat().resideInAnyPackage("io.gridwork.master.http..", "com.sun.net.httpserver..")
                .check(classes);
    }

    @Test
    void schedulesKnowNeitherGrpcNorTheRpcLayer() {
        noClasses().that().resideInAPackage("io.gridwork.master.schedule..")
                .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "io.gridwork.master.rpc..",
                        "io.gridwork.api.v1..")
                .check(classes);
    }

    @Test
    void theStoreKnowsNothingAboveIt() {
        noClasses().that().resideInAPackage("io.gridwork.master.store..")
                .should().dependOnClassesThat().resideInAnyPackage("io.gridwork.master.core..", "io.gridwork.master.rpc..",
                        "io.gridwork.master.code..", "io.gridwork.master.schedule..", "io.grpc..", "org.quartz..")
                .check(classes);
    }

    @Test
    void theModelDependsOnNothingOfGridwork() {
        noClasses().that().resideInAPackage("io.gridwork.master.model..")
                .should().dependOnClassesThat().resideInAnyPackage("io.gridwork.master.core..", "io.gridwork.master.store..",
                        "io.gridwork.master.rpc..", "io.gridwork.master.code..")
                .check(classes);
    }

    @Test
    void jobCodeHandlingDoesNotReachUp() {
        noClasses().that().resideInAPackage("io.gridwork.master.code..")
                .should().dependOnClassesThat().resideInAnyPackage("io.gridwork.master.core..", "io.gridwork.master.rpc..")
                .check(classes);
    }
}
