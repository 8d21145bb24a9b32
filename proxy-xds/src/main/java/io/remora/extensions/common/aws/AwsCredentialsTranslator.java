package io.remora.extensions.common.aws;

import io.envoyproxy.envoy.extensions.common.aws.v3.AwsCredentialProvider;
import io.envoyproxy.envoy.extensions.common.aws.v3.CredentialsFileCredentialProvider;
import io.envoyproxy.envoy.extensions.common.aws.v3.InlineCredentialProvider;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;

/**
 * Envoy's {@code AwsCredentialProvider} choices, resolved when the config is translated: inline
 * credentials; a custom chain of the configured providers only; or the default chain (environment,
 * then the credentials file, whose path and profile the config may override). The providers that
 * fetch credentials over the network (container, instance metadata, STS web identity) are not
 * built: a chain that would reach them is warned about and, finding nothing before, signs nothing
 * (as Envoy's, when those fetches fail).
 */
public final class AwsCredentialsTranslator {

    private final AwsProfileFiles files;

    public AwsCredentialsTranslator(AwsProfileFiles files) {
        this.files = files;
    }

    /** The request signing filter's {@code credential_provider} (absent: the default chain). */
    public AwsCredentials provider(boolean has, AwsCredentialProvider p, FieldPath path, TranslationContext ctx) {
        if (!has) {
            return defaultChain(null, path, ctx);
        }
        if (p.hasInlineCredential()) {
            return inline(p.getInlineCredential(), path.field("inline_credential"));
        }
        boolean settings = p.hasAssumeRoleWithWebIdentityProvider() || p.hasCredentialsFileProvider();
        if (p.getCustomCredentialProviderChain()) {
            if (!settings) {
                throw path.field("custom_credential_provider_chain").error("No credentials provider settings configured.");
            }
            AwsCredentials c = p.hasCredentialsFileProvider()
                    ? file(p.getCredentialsFileProvider(), path.field("credentials_file_provider"))
                    : null;
            if (p.hasAssumeRoleWithWebIdentityProvider() && complete(c) == null) {
                warnNetwork(path.field("assume_role_with_web_identity_provider"), ctx);
            }
            return complete(c);
        }
        return defaultChain(p.hasCredentialsFileProvider() ? p.getCredentialsFileProvider() : null, path, ctx);
    }

    /** The Lambda filter's {@code credentials_profile}: that profile of the credentials file. */
    public AwsCredentials profile(String profile) {
        return complete(AwsProfileFiles.credentials(AwsProfileFiles.read(files.credentialsFile()), profile));
    }

    /**
     * Environment, then the credentials file; null (unsigned) when neither has complete credentials.
     *
     * @param file the config's override of the credentials file's path and profile, or null
     */
    public AwsCredentials defaultChain(CredentialsFileCredentialProvider file, FieldPath path, TranslationContext ctx) {
        AwsCredentials c = complete(files.environmentCredentials());
        if (c == null) {
            c = complete(file == null
                    ? AwsProfileFiles.credentials(AwsProfileFiles.read(files.credentialsFile()), files.profile())
                    : file(file, path.field("credentials_file_provider")));
        }
        if (c == null) {
            warnNetwork(path, ctx);
        }
        return c;
    }

    public static AwsCredentials inline(InlineCredentialProvider i, FieldPath path) {
        return inline(i.getAccessKeyId(), i.getSecretAccessKey(), i.getSessionToken(), path);
    }

    /** Credentials given in the config: both keys required (the protos' min_len 1). */
    public static AwsCredentials inline(String accessKeyId, String secretAccessKey, String sessionToken,
                                        FieldPath path) {
        if (accessKeyId.isEmpty()) {
            throw path.field("access_key_id").error("must not be empty");
        }
        if (secretAccessKey.isEmpty()) {
            throw path.field("secret_access_key").error("must not be empty");
        }
        return new AwsCredentials(accessKeyId, secretAccessKey, sessionToken);
    }

    private AwsCredentials file(CredentialsFileCredentialProvider f, FieldPath path) {
        String text = f.hasCredentialsDataSource()
                ? Protos.dataSource(f.getCredentialsDataSource(), path.field("credentials_data_source"))
                : AwsProfileFiles.read(files.credentialsFile());
        return AwsProfileFiles.credentials(text, f.getProfile().isEmpty() ? files.profile() : f.getProfile());
    }

    private static AwsCredentials complete(AwsCredentials c) {
        return c != null && c.complete() ? c : null;
    }

    private static void warnNetwork(FieldPath path, TranslationContext ctx) {
        ctx.warnOnce("aws-credentials-network", path + ": no AWS credentials in the config, the environment or the "
                + "credentials file; the container, instance metadata and STS web identity providers are not "
                + "supported: requests are forwarded unsigned");
    }
}
