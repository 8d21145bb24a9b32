package io.remora.xds.cli;

/** A command line Remora cannot run with; the process prints it with the usage and exits 2. */
public final class UsageException extends Exception {

    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
