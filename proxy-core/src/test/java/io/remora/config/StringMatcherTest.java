package io.remora.config;

import org.junit.jupiter.api.Test;

import com.google.re2j.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StringMatcherTest {

    @Test
    void exactRespectsIgnoreCase() {
        assertTrue(new StringMatcher.Exact("Foo", true).matches("fOO"));
        assertFalse(new StringMatcher.Exact("Foo", false).matches("fOO"));
    }

    @Test
    void prefixSuffixContains() {
        assertTrue(new StringMatcher.Prefix("/api", false).matches("/api/v1"));
        assertFalse(new StringMatcher.Prefix("/api", false).matches("/ap"));
        assertTrue(new StringMatcher.Suffix(".json", true).matches("a.JSON"));
        assertFalse(new StringMatcher.Suffix(".json", false).matches("json"));
        assertTrue(new StringMatcher.Contains("MID", true).matches("xxmidxx"));
        assertFalse(new StringMatcher.Contains("MID", false).matches("xxmidxx"));
    }

    @Test
    void regexMustMatchWholeValue() {
        StringMatcher m = new StringMatcher.Regex(Pattern.compile("v[0-9]+"));
        assertTrue(m.matches("v12"));
        assertFalse(m.matches("xv12"));
    }
}
