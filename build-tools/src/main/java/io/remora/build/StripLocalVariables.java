package io.remora.build;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites a jar in place without the local-variable tables of its classes (LocalVariableTable
 * and LocalVariableTypeTable: the names debuggers show for locals). The JVM keeps them in every
 * loaded method's metadata, in the class-data archive and in metaspace, for nothing a serving
 * proxy reads: stack traces use the line numbers and source file names, which stay. Entries keep
 * their order, names, times and contents otherwise; module descriptors are copied unchanged.
 *
 * <p>Usage: {@code StripLocalVariables <jar>}. Prints the class bytes before and after.
 */
public final class StripLocalVariables {
    private StripLocalVariables() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: StripLocalVariables <jar>");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path tmp = jar.resolveSibling(jar.getFileName() + ".strip.tmp");
        long[] sizes;
        try (InputStream in = Files.newInputStream(jar); OutputStream out = Files.newOutputStream(tmp)) {
            sizes = rewrite(in, out);
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
        System.out.printf("%s: class bytes %,d -> %,d without local-variable tables%n", jar, sizes[0], sizes[1]);
    }

    /** Copies a jar from {@code in} to {@code out}, classes stripped; returns the class bytes before and after. */
    static long[] rewrite(InputStream in, OutputStream out) throws IOException {
        long before = 0;
        long after = 0;
        try (ZipInputStream zin = new ZipInputStream(in); ZipOutputStream zout = new ZipOutputStream(out)) {
            ZipEntry e;
            while ((e = zin.getNextEntry()) != null) {
                byte[] bytes = zin.readAllBytes();
                if (isClass(e.getName())) {
                    before += bytes.length;
                    bytes = strip(bytes);
                    after += bytes.length;
                }
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setTime(e.getTime());
                zout.putNextEntry(copy);
                zout.write(bytes);
                zout.closeEntry();
            }
        }
        return new long[] {before, after};
    }

    static boolean isClass(String name) {
        return name.endsWith(".class") && !name.endsWith("module-info.class");
    }

    /** One class without its local-variable tables; everything else as it was (no frames recomputed). */
    static byte[] strip(byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        // a fresh constant pool: the original one would keep the dropped names and descriptors
        ClassWriter writer = new ClassWriter(0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9, super.visitMethod(access, name, descriptor, signature,
                        exceptions)) {
                    @Override
                    public void visitLocalVariable(String n, String d, String s, Label start, Label end, int index) {
                        // dropped: LocalVariableTable and LocalVariableTypeTable entries
                    }
                };
            }
        }, 0);
        return writer.toByteArray();
    }
}
