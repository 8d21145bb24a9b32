package io.remora.server;

import io.remora.config.Address;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** {@code pipe.mode}: the file mode of a bound Unix domain socket, set as Envoy chmods it after bind. */
public final class UnixSocketMode {

    private static final PosixFilePermission[] BITS = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};

    private UnixSocketMode() {
    }

    /** Gives the socket file of {@code pipe} its mode, if it has one; throws when the chmod fails. */
    public static void apply(Address.Pipe pipe) {
        if (pipe.mode() == 0 || pipe.path().startsWith("@")) {
            return;
        }
        try {
            Files.setPosixFilePermissions(Path.of(pipe.path()), permissions(pipe.mode()));
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot set mode " + Integer.toOctalString(pipe.mode()) + " on "
                    + pipe.path() + ": " + e, e);
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BITS.length; i++) {
            if ((mode & (1 << i)) != 0) {
                out.add(BITS[i]);
            }
        }
        return out;
    }
}
