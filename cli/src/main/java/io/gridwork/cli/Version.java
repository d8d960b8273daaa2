package io.gridwork.cli;

import io.gridwork.internal.GridworkVersion;
import picocli.CommandLine;

/** The version every part of Gridwork reports (the worker's registration too): {@link GridworkVersion}. */
final class Version implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[] {"Gridwork " + GridworkVersion.get() + " (Java " + System.getProperty("java.version") + ")"};
    }
}
