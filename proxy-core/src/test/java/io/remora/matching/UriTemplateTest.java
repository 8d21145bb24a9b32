package io.remora.matching;

import com.google.re2j.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UriTemplateTest {

    /** Envoy's regex pieces: a path glob, a text glob (both taking a '*' since Envoy 1.35). */
    private static final String SEG = "[a-zA-Z0-9._~%!$&'()+,;:@=*-]+";
    private static final String ANY = "[a-zA-Z0-9._~%!$&'()+,;:@=*/-]*";

    /** Templates and the regex Envoy's toRegexPattern makes of them (captures left out). */
    private static final String[][] TEMPLATES = {
            {"/", "/"},
            {"/abc", "/abc"},
            {"/abc/", "/abc/"},
            {"/**", "/" + ANY},
            {"/**.mpd", "/" + ANY + "\\.mpd"},
            {"/api/*/{resource=*}/{method=**}", "/api/" + SEG + "/" + SEG + "/" + ANY},
            {"/videos/{file}", "/videos/" + SEG},
            {"/videos/*/*/*.m4s", "/videos/" + SEG + "/" + SEG + "/" + SEG + "\\.m4s"},
            {"/{x=a/*}/b", "/a/" + SEG + "/b"},
            {"/foo/**/bar.tmp", "/foo/" + ANY + "/bar\\.tmp"},
            {"/*/foo/**/bar.tmp", "/" + SEG + "/foo/" + ANY + "/bar\\.tmp"},
            {"/{x=**}/edit/", "/" + ANY + "/edit/"},
            {"/{a}/{b}.vtt", "/" + SEG + "/" + SEG + "\\.vtt"},
            {"/v1/{name=projects/*/topics/*}", "/v1/projects/" + SEG + "/topics/" + SEG},
            {"/a=b/{x}", "/a=b/" + SEG},
    };

    private static final List<String> PATHS = List.of("", "/", "//", "/abc", "/abc/", "/abcd", "/ab", "/abc/def",
            "/x.mpd", "/.mpd", "/a/b/c.mpd", "/a/b/c.mpdx", "/a/b//c.mpd", "/a b.mpd", "/api/v1/users/list",
            "/api/v1/users/", "/api/v1/users", "/api//users/x", "/api/v1/users/a/b/c", "/videos/x.m4s",
            "/videos/a/b/c.m4s", "/videos/a/b/.m4s", "/videos/a/b/c.m4s/d", "/videos/a*b", "/videos/%2F",
            "/a/x/b", "/a//b", "/a/x/y/b", "/foo/bar.tmp", "/foo//bar.tmp", "/foo/1/2/bar.tmp", "/x/foo/y/bar.tmp",
            "/x/y/foo/z/bar.tmp", "/edit/", "//edit/", "/p/q/edit/", "/p/q/edit", "/en/file.vtt", "/en/.vtt",
            "/en/a.b.vtt", "/v1/projects/p/topics/t", "/v1/projects/p/topics/t/x", "/v1/projects//topics/t",
            "/a=b/c", "/a=b/c=d", "/caf\u00e9", "/a?b", "/a#b", "/ABC", "/*", "/abc/*", "/videos/*", "/a/*/b",
            "/foo/*/**/bar.tmp", "/*.mpd", "/en/*.vtt", "/*/edit/");

    @Test
    void matchesExactlyWhatEnvoysRegexMatches() {
        for (String[] t : TEMPLATES) {
            UriTemplate template = UriTemplate.compile(t[0]);
            Pattern regex = Pattern.compile(t[1]);
            for (String p : PATHS) {
                assertEquals(regex.matches(p), template.matches(p, p.length()), t[0] + " on " + p);
            }
        }
    }

    @Test
    void theQueryAndFragmentAreNotPartOfTheMatch() {
        UriTemplate t = UriTemplate.compile("/api/{v}/**");
        assertTrue(t.matchesPath("/api/v1/a/b?x=1/2"));
        assertTrue(t.matchesPath("/api/v1/?q#frag"));
        assertFalse(t.matchesPath("/api?/v1/a"));
        assertFalse(UriTemplate.compile("/a/*").matchesPath("/a/?x=y"));
    }

    /**
     * Envoy 1.35's uri_template_match_on_asterisk (on by default): the operators' character
     * classes take a '*' of the path, which the template's literals cannot name.
     */
    @Test
    void globsTakeAnAsterisk() {
        assertTrue(UriTemplate.compile("/anything/**").matchesPath("/anything/*abc"));
        assertTrue(UriTemplate.compile("/videos/{file}").matchesPath("/videos/a*b"));
        assertTrue(UriTemplate.compile("/*/x").matchesPath("/*/x"));
        assertEquals("/*/v1", UriTemplateRewrite.compile("/{rest}/{v}", UriTemplate.compile("/api/{v}/{rest=**}"))
                .rewrite("/api/v1/*"));
        assertFalse(UriTemplate.compile("/abc").matchesPath("/ab*"));
    }

    @Test
    void variablesAreListedInOrder() {
        assertEquals(List.of("region", "name", "method"),
                UriTemplate.compile("/region/{region}/bucket/{name}/{method=**}").variableNames());
        assertEquals(List.of(), UriTemplate.compile("/*/**").variableNames());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "abc", "api/*", "//bar/{goo}", "/foo//bar/{goo}", "/foo/bar/{goo}}", "/api/v*/1234",
            "/media/**/*/**", "/**/*", "/**/{x}", "/{x=**}/*", "/{x=**}/{y=**}", "/\u0001\u0002", "/a b",
            "/caf\u00e9", "/{var12345678901234=*}", "/{var12345678901234=*", "/{x", "/{}", "/{1x}", "/{x-y}",
            "/{x=}", "/{x=a/}", "/{x=a//b}", "/{x=*.json}", "/{x=a*}", "/{x}/{x}", "/{a}/{b}/{c}/{d}/{e}/{f}",
            "/{x}abc/def", "/*abc/def", "/***", "/a?b", "/a#b", "/a/{x}{y}", "/a[b]"})
    void rejectsWhatEnvoyRejects(String template) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UriTemplate.compile(template));
        assertTrue(e.getMessage().contains("invalid URI template"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/", "/foo/bar/{goo}", "/{hoo}/bar/{goo}", "/{a}/{b}/{c}/{d}/{e}", "/{var1234567890123=*}",
            "/{x=**}/edit", "/**/{x=lit}/end", "/{x}.json", "/*.json", "/{x=a/*/b}/*", "/{X_1=**}", "/a=b",
            "/~user/%20/!$&'()+,;:@"})
    void acceptsWhatEnvoyAccepts(String template) {
        assertEquals(template, UriTemplate.compile(template).template());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // Envoy's URLPatternMatchAndRewrite cases.
            "/api/users/{id}/{path=**}|/users/{id}/{path}|/api/users/21334/profile.json|/users/21334/profile.json",
            "/videos/*/{id}/{format}/{rendition}/{segment=**}.ts|/{id}/{format}/{rendition}/{segment}.ts"
                    + "|/videos/lib/132939/hls/13/segment_00001.ts|/132939/hls/13/segment_00001.ts",
            "/region/{region}/bucket/{name}/{method=**}|/{region}/bucket-{name}/{method}"
                    + "|/region/eu/bucket/prod-storage/object.pdf|/eu/bucket-prod-storage/object.pdf",
            "/region/{region}/bucket/{name}/{method=**}|/{region}{name}/{method}"
                    + "|/region/eu/bucket/prod-storage/object.pdf|/euprod-storage/object.pdf",
            // The API docs' examples.
            "/{one}/{two}|/{two}/{one}|/cat/dog|/dog/cat",
            "/content/{format}/{lang}/{id}/{file}.vtt|/{lang}/{format}/{file}.vtt"
                    + "|/content/hls/en-us/12345/en_193913.vtt|/en-us/hls/en_193913.vtt",
            "/videos/{language=lang/*}/*|/{language}|/videos/lang/en/video.m4s|/lang/en",
            // The query and fragment are kept; a variable may be used twice, or not at all.
            "/api/{v}/{rest=**}|/{rest}/{v}|/api/v2/a/b?x=1&y=/z#f|/a/b/v2?x=1&y=/z#f",
            "/{a}/{b}|/{a}-{a}|/x/y?q|/x-x?q",
            "/static/{f}|/assets|/static/x.css|/assets",
            // An empty ** capture.
            "/files/{rest=**}|/f/{rest}|/files/|/f/",
            "/{x=**}/edit|/e/{x}|//edit|/e/",
    })
    void rewritesFromTheCaptures(String match, String rewrite, String path, String expected) {
        UriTemplateRewrite r = UriTemplateRewrite.compile(rewrite, UriTemplate.compile(match));
        assertEquals(expected, r.rewrite(path));
    }

    @Test
    void aPathTheTemplateDoesNotMatchIsNotRewritten() {
        UriTemplateRewrite r = UriTemplateRewrite.compile("/{b}", UriTemplate.compile("/a/{b}"));
        assertNull(r.rewrite("/b/c"));
        assertEquals("/c", r.rewrite("/a/c"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{var1}", "var1}", "/{var6}", "/{{var1}}", "/}va1{", "/{var1}?abc=123",
            "/{var1/var2}", "/{}", "/a//b", "/{var1", "/a b", "/{var1=*}"})
    void rejectsBadRewrites(String rewrite) {
        UriTemplate match = UriTemplate.compile("/{var1}/{var2}/{var3}/{var4}/{var5}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UriTemplateRewrite.compile(rewrite, match));
        assertTrue(e.getMessage().contains("invalid URI template rewrite"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/static", "/{var1}", "/{var1}{var2}", "/{var1}-{var2}", "/abc/{var1}/def",
            "/{var3}/abc/def/{var2}.suffix", "/abc-def-{var1}/a/{var1}", "/{var1}-{var2}/bucket-{var3}.suffix"})
    void acceptsGoodRewrites(String rewrite) {
        UriTemplate match = UriTemplate.compile("/{var1}/{var2}/{var3}/{var4}/{var5}");
        assertEquals(rewrite, UriTemplateRewrite.compile(rewrite, match).pattern());
    }
}
