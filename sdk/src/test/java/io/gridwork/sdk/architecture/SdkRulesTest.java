package io.gridwork.sdk.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The SDK is what a job jar is compiled against and what the master and every worker load it with: it must be pure
 * JDK, so that a job needs nothing else on its class path and never sees Gridwork's own libraries.
 */
class SdkRulesTest {

    @Test
    void theSdkIsPureJdk() {
        JavaClasses sdk = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.gridwork.sdk");
        classes().that().resideInAPackage("io.gridwork.sdk..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.gridwork.sdk..")
                .check(sdk);
    }
}
