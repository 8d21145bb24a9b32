package io.remora.extensions.filters.http.aws_lambda;

/**
 * A Lambda function's ARN, {@code arn:<partition>:<service>:<region>:<account>:function:<name>[:<version or alias>]},
 * parsed as Envoy's {@code parseArn}: a version or alias stays part of the function name.
 */
record LambdaArn(String partition, String service, String region, String accountId, String resourceType,
                 String functionName) {

    /** Null when {@code arn} has fewer than seven colon-separated parts or does not start with {@code arn}. */
    static LambdaArn parse(String arn) {
        String[] parts = arn.split(":", -1);
        if (parts.length < 7 || !parts[0].equals("arn")) {
            return null;
        }
        String function = parts.length > 7 ? parts[6] + ":" + parts[7] : parts[6];
        return new LambdaArn(parts[1], parts[2], parts[3], parts[4], parts[5], function);
    }
}
