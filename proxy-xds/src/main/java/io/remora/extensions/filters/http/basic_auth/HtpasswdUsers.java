package io.remora.extensions.filters.http.basic_auth;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Users of an htpasswd file in its {@code {SHA}} form (base64 SHA-1 of the password), the only
 * form Envoy accepts.
 */
public final class HtpasswdUsers {
    /** Name → the 20-byte SHA-1 of the password. */
    private final Map<String, byte[]> users;

    private HtpasswdUsers(Map<String, byte[]> users) {
        this.users = Map.copyOf(users);
    }

    /**
     * Parses htpasswd text as Envoy does: blank lines and {@code #} comments skipped, every other
     * line {@code name:{SHA}base64}.
     *
     * @throws IllegalArgumentException with Envoy's wording
     */
    public static HtpasswdUsers parse(String htpasswd) {
        Map<String, byte[]> users = new HashMap<>();
        for (String line : htpasswd.split("\n", -1)) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("invalid htpasswd format, username:password is expected");
            }
            String name = line.substring(0, colon);
            String hash = line.substring(colon + 1);
            if (name.isEmpty() || hash.isEmpty()) {
                throw new IllegalArgumentException("empty user name or password");
            }
            if (users.containsKey(name)) {
                throw new IllegalArgumentException("duplicate user '" + name + "'");
            }
            if (!hash.startsWith("{SHA}")) {
                throw new IllegalArgumentException("unsupported htpasswd format: please use {SHA} for '" + name + "'");
            }
            byte[] digest;
            try {
                digest = hash.length() == 5 + 28 ? Base64.getDecoder().decode(hash.substring(5)) : null;
            } catch (IllegalArgumentException e) {
                digest = null;
            }
            if (digest == null || digest.length != 20) {
                throw new IllegalArgumentException("invalid SHA hash length for '" + name + "'");
            }
            users.put(name, digest);
        }
        return new HtpasswdUsers(users);
    }

    /** Whether the user exists and the password's SHA-1 is its hash (compared in constant time). */
    boolean accepts(String name, byte[] password) {
        byte[] expected = users.get(name);
        if (expected == null) {
            return false;
        }
        try {
            byte[] actual = MessageDigest.getInstance("SHA-1").digest(password);
            return MessageDigest.isEqual(expected, actual);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /** Equal user lists compare equal, so an unchanged config pushed again changes nothing. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof HtpasswdUsers other) || other.users.size() != users.size()) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : users.entrySet()) {
            if (!java.util.Arrays.equals(e.getValue(), other.users.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return users.keySet().hashCode();
    }

    @Override
    public String toString() {
        return "HtpasswdUsers[" + users.size() + " users]";
    }
}
