package io.remora.extensions.filters.http.jwt_authn;

/**
 * The outcomes of verifying a JWT, with the texts Envoy answers (its {@code JwtVerify::getStatusString}),
 * since clients and tests match on them. Declared in the order of Envoy's {@code JwtVerify::Status}
 * up to the last one Remora produces, so that {@link #code()} is the number
 * {@code failed_status_in_metadata} reports: keep new constants in that order.
 */
enum JwtStatus {
    OK("OK"),
    MISSING("Jwt is missing"),
    NOT_YET_VALID("Jwt not yet valid"),
    EXPIRED("Jwt is expired"),
    BAD_FORMAT("Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections"),
    HEADER_BAD_BASE64("Jwt header is an invalid Base64url encoded"),
    HEADER_BAD_JSON("Jwt header is an invalid JSON"),
    HEADER_BAD_ALG("Jwt header [alg] field is required and must be a string"),
    HEADER_NOT_IMPLEMENTED_ALG("Jwt header [alg] is not supported"),
    HEADER_BAD_KID("Jwt header [kid] field is not a string"),
    PAYLOAD_BAD_BASE64("Jwt payload is an invalid Base64url encoded"),
    PAYLOAD_BAD_JSON("Jwt payload is an invalid JSON"),
    ISS_NOT_STRING("Jwt payload [iss] field is not a string"),
    SUB_NOT_STRING("Jwt payload [sub] field is not a string"),
    IAT_NOT_INTEGER("Jwt payload [iat] field is not an integer"),
    IAT_OUT_OF_RANGE("Jwt payload [iat] field is not a positive 64 bit integer"),
    NBF_NOT_INTEGER("Jwt payload [nbf] field is not an integer"),
    NBF_OUT_OF_RANGE("Jwt payload [nbf] field is not a positive 64 bit integer"),
    EXP_NOT_INTEGER("Jwt payload [exp] field is not an integer"),
    EXP_OUT_OF_RANGE("Jwt payload [exp] field is not a positive 64 bit integer"),
    JTI_NOT_STRING("Jwt payload [jti] field is not a string"),
    AUD_NOT_STRING("Jwt payload [aud] field is not a string or string list"),
    SIGNATURE_BAD_BASE64("Jwt signature is an invalid Base64url encoded"),
    ED25519_SIGNATURE_WRONG_LENGTH("Jwt ED25519 signature is wrong length"),
    UNKNOWN_ISSUER("Jwt issuer is not configured"),
    AUDIENCE_NOT_ALLOWED("Audiences in Jwt are not allowed"),
    VERIFICATION_FAILS("Jwt verification fails"),
    MULTIPLE_TOKENS("Found multiple Jwt tokens"),
    JWKS_PARSE_ERROR("Jwks is an invalid JSON"),
    JWKS_NO_KEYS("Jwks does not have [keys] field"),
    JWKS_BAD_KEYS("[keys] in Jwks is not an array"),
    JWKS_NO_VALID_KEYS("Jwks doesn't have any valid public key"),
    JWKS_KID_ALG_MISMATCH("Jwks doesn't have key to match kid or alg from Jwt"),
    JWKS_RSA_PARSE_ERROR("Jwks RSA [n] or [e] field is missing or has a parse error"),
    JWKS_EC_CREATE_KEY_FAIL("Jwks EC create key fail"),
    JWKS_EC_X_OR_Y_BAD_BASE64("Jwks EC [x] or [y] field is an invalid Base64."),
    JWKS_EC_PARSE_ERROR("Jwks EC [x] and [y] fields have a parse error."),
    JWKS_OCT_BAD_BASE64("Jwks Oct key is an invalid Base64"),
    JWKS_OKP_X_BAD_BASE64("Jwks OKP [x] field is an invalid Base64."),
    JWKS_OKP_X_WRONG_LENGTH("Jwks OKP [x] field is wrong length."),
    JWKS_FETCH_FAILED("Jwks remote fetch is failed");

    final String message;

    JwtStatus(String message) {
        this.message = message;
    }

    /** Envoy's {@code enumToInt(status)}. */
    int code() {
        return ordinal();
    }
}
