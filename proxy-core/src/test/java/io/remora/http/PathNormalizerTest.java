package io.remora.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PathNormalizerTest {

    @Test
    void dotSegmentsUnreservedEscapesAndSlashes() {
        assertEquals("/b/c?x=/../y", PathNormalizer.normalize("/a/../b/./c?x=/../y", true, false));
        assertEquals("/", PathNormalizer.normalize("/../..", true, false));
        assertEquals("/a/", PathNormalizer.normalize("/a/b/..", true, false));
        assertEquals("/abc/%2F", PathNormalizer.normalize("/%61bc/%2f", true, false));
        assertEquals("/a/b", PathNormalizer.normalize("//a///b", false, true));
        assertEquals("/a//b", PathNormalizer.normalize("/a//b", true, false));
        assertNull(PathNormalizer.normalize("/bad%zz", true, false));
        assertEquals("*", PathNormalizer.normalize("*", true, true));
    }
}
