package io.remora.extensions.filters.http.jwt_authn;

/**
 * The outcomes of verifying a JWT, with the texts Envoy answers (jwt_verify_lib's
 * {@code getStatusString}), since clients and tests match on them.
 */
enum JwtStatus {
    OK("OK"),
    MISSING("Jwt is missing"),
    NOT_YET_VALID("Jwt not yet valid"),
    EXPIRED("Jwt is expired"),
    BAD_FORMAT("Jwt is not in the form of Header.Payload.Signature"),
    HEADER_PARSE_ERROR("Jwt header is an invalid Base64url input or an invalid JSON"),
    HEADER_BAD_ALG("Jwt header [alg] field is not a string"),
    HEADER_NOT_IMPLEMENTED_ALG("Jwt header [alg] field value is invalid"),
    HEADER_BAD_KID("Jwt header [kid] field is not a string"),
    PAYLOAD_PARSE_ERROR("Jwt payload is an invalid Base64 or an invalid JSON"),
    SIGNATURE_PARSE_ERROR("Jwt signature is an invalid Base64"),
    UNKNOWN_ISSUER("Jwt issuer is not configured"),
    AUDIENCE_NOT_ALLOWED("Audiences in Jwt are not allowed"),
    VERIFICATION_FAILS("Jwt verification fails"),
    JWKS_NO_VALID_KEYS("Jwks doesn't have any valid public key"),
    JWKS_KID_ALG_MISMATCH("Jwks doesn't have key to match kid or alg from Jwt"),
    JWKS_FETCH_FAILED("Jwks remote fetch is failed");

    final String message;

    JwtStatus(String message) {
        this.message = message;
    }
}
