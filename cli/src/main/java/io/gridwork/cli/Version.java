package io.gridwork.cli;

import picocli.CommandLine;

/** The version from the jar's manifest. */
final class Version implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String v = Version.class.getPackage().getImplementationVersion();
        return new String[] {"Gridwork " + (v == null ? "dev" : v) + " (Java " + System.getProperty("java.version") + ")"};
    }
}
