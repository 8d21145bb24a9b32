package io.remora.e2e;

import io.remora.testing.TempPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The grpc_json_transcoder's strict and optional behaviours against the bookstore gRPC server:
 * request_validation_options (unknown method 404, unknown query parameter 400, binding/body
 * collision 400), ignored_query_parameters, case_insensitive_enum_parsing, max_request_body_size
 * (413) and print_options.
 */
class GrpcJsonTranscoderStrictE2ETest {

    @RegisterExtension
    static final E2EStack stack = new E2EStack();

    @BeforeAll
    static void start() throws Exception {
        int grpcPort = BookstoreService.serve(stack);
        Path descriptor = BookstoreService.descriptorFile();
        String routes = """
                - match: { prefix: "/" }
                  route: { cluster: grpc_backend, timeout: 0s }
                """;
        String filters = BookstoreService.transcoderFilter(descriptor, """
                ignored_query_parameters: [api_key]
                case_insensitive_enum_parsing: true
                max_request_body_size: 64
                print_options: { always_print_primitive_fields: true, preserve_proto_field_names: true }
                request_validation_options:
                  reject_unknown_method: true
                  reject_unknown_query_parameters: true
                  reject_binding_body_field_collisions: true
                """);
        stack.start(stack.http(TempPaths.file("access", ".log").toString(), routes,
                Bootstraps.cluster("grpc_backend", true, null, grpcPort), "", filters));
    }

    @Test
    void unknownMethodIs404() throws Exception {
        Curl r = Curl.run("--http1.1", stack.url("/nothing/here?x=1"));
        assertEquals(404, r.status(), r.text());
        assertEquals("Could not resolve /nothing/here to a method.", r.text());
    }

    @Test
    void unknownQueryParameterIs400AndIgnoredOnesAreDropped() throws Exception {
        Curl r = Curl.run("--http1.1", stack.url("/shelves/2?colour=red"));
        assertEquals(400, r.status(), r.text());
        assertTrue(r.text().contains("\"colour\""), r.text());
        r = Curl.run("--http1.1", stack.url("/shelves/2?api_key=secret"));
        assertEquals(200, r.status(), r.text());
        // always_print_primitive_fields: the empty theme is printed too.
        assertEquals("{\"id\":\"2\",\"theme\":\"\"}", r.text());
    }

    @Test
    void bindingThatContradictsTheBodyIs400() throws Exception {
        Curl r = Curl.run("--http1.1", "-H", "content-type: application/json", "--data-binary", "{\"title\":\"b\"}",
                stack.url("/shelves/3/books?book.title=a"));
        assertEquals(400, r.status(), r.text());
        r = Curl.run("--http1.1", "-H", "content-type: application/json", "--data-binary", "{\"title\":\"a\"}",
                stack.url("/shelves/3/books?book.title=a"));
        assertEquals(200, r.status(), r.text());
    }

    @Test
    void enumsParseWhateverTheirCase() throws Exception {
        Curl r = Curl.run("--http1.1", "-H", "content-type: application/json", "--data-binary", "{\"genre\":\"fiction\"}",
                stack.url("/shelves/4/books"));
        assertEquals(200, r.status(), r.text());
        assertEquals("{\"id\":\"4\",\"title\":\"\",\"genre\":\"FICTION\"}", r.text());
    }

    @Test
    void bodyPastMaxRequestBodySizeIs413() throws Exception {
        Curl r = Curl.run("--http1.1", "-H", "content-type: application/json",
                "--data-binary", "{\"title\":\"" + "x".repeat(100) + "\"}", stack.url("/shelves/4/books"));
        assertEquals(413, r.status(), r.text());
    }
}
