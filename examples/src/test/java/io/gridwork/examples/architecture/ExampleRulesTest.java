package io.gridwork.examples.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The example jobs are what a job author writes: they use the SDK and the JDK, nothing of the master, the worker, the
 * client or the protocol, so their jar runs on any grid.
 */
class ExampleRulesTest {

    @Test
    void jobsUseOnlyTheSdkAndTheJdk() {
        JavaClasses examples = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.gridwork.examples");
        classes().that().resideInAPackage("io.gridwork.examples..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "javax..", "io.gridwork.sdk..",
                        "io.gridwork.examples..")
                .check(examples);
    }
}
