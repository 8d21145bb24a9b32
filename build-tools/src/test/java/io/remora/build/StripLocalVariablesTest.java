package io.remora.build;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StripLocalVariablesTest {
    private static final String SAMPLE = Sample.class.getName().replace('.', '/') + ".class";

    /** Compiled with the build's -g: it has local-variable tables to lose. */
    public static final class Sample {
        public static int sum(int n) {
            int total = 0;
            for (int i = 1; i <= n; i++) {
                total += i;
            }
            return total;
        }

        public static String where() {
            return new Throwable().getStackTrace()[0].toString();
        }
    }

    @Test
    void classesLoseTheirLocalVariableTablesAndKeepLineNumbers() throws Exception {
        byte[] original = resource(SAMPLE);
        assertTrue(contains(original, "LocalVariableTable"), "the sample must start with one");
        Map<String, byte[]> in = new LinkedHashMap<>();
        in.put("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n".getBytes(StandardCharsets.US_ASCII));
        in.put(SAMPLE, original);
        in.put("notes.txt", "kept as it was".getBytes(StandardCharsets.US_ASCII));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long[] sizes = StripLocalVariables.rewrite(new ByteArrayInputStream(jar(in)), out);
        Map<String, byte[]> stripped = entries(out.toByteArray());

        assertEquals(in.keySet().stream().toList(), stripped.keySet().stream().toList(), "same entries, same order");
        assertArrayEquals(in.get("notes.txt"), stripped.get("notes.txt"));
        byte[] cls = stripped.get(SAMPLE);
        assertFalse(contains(cls, "LocalVariableTable"));
        assertFalse(contains(cls, "total"), "the local's name left the constant pool too");
        assertTrue(contains(cls, "LineNumberTable"));
        assertTrue(sizes[1] < sizes[0], sizes[0] + " -> " + sizes[1]);

        Class<?> loaded = new ClassLoader(null) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                if (name.equals(Sample.class.getName())) {
                    return defineClass(name, cls, 0, cls.length);
                }
                throw new ClassNotFoundException(name);
            }
        }.loadClass(Sample.class.getName());
        assertEquals(55, loaded.getMethod("sum", int.class).invoke(null, 10));
        String frame = (String) loaded.getMethod("where").invoke(null);
        assertTrue(frame.matches(".*\\(StripLocalVariablesTest\\.java:\\d+\\)"), "a stack trace keeps its line: " + frame);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream s = StripLocalVariablesTest.class.getClassLoader().getResourceAsStream(name)) {
            return s.readAllBytes();
        }
    }

    private static boolean contains(byte[] haystack, String needle) {
        return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
    }

    private static byte[] jar(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(b)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return b.toByteArray();
    }

    private static Map<String, byte[]> entries(byte[] jar) throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(jar))) {
            ZipEntry e;
            while ((e = z.getNextEntry()) != null) {
                m.put(e.getName(), z.readAllBytes());
            }
        }
        return m;
    }
}
