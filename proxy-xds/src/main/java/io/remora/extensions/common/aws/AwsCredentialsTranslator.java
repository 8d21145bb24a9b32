package io.remora.extensions.common.aws;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.common.aws.v3.AssumeRoleWithWebIdentityCredentialProvider;
import io.envoyproxy.envoy.extensions.common.aws.v3.AwsCredentialProvider;
import io.envoyproxy.envoy.extensions.common.aws.v3.CredentialsFileCredentialProvider;
import io.envoyproxy.envoy.extensions.common.aws.v3.InlineCredentialProvider;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationException;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Envoy's {@code AwsCredentialProvider} choices as a provider the signer asks per request: inline
 * credentials; a custom chain of the configured providers only (web identity, then the credentials
 * file); or the default chain: environment, credentials file (whose path and profile the config may
 * override), STS web identity, then the container endpoint or else the instance metadata. The
 * environment and the file are read here; when either holds credentials the chain ends there, and
 * the network providers are only built (and fetch) when it does not. The file is read again hourly, a
 * data source's file on a move into its watched_directory ({@link CredentialsFileProvider}); one that is
 * missing is no error, as in Envoy.
 */
public final class AwsCredentialsTranslator {

    private static final Logger LOG = Logger.getLogger(AwsCredentialsTranslator.class.getName());
    /** Data sources already reported as not loading: each config update translates them again. */
    private static final java.util.Set<String> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final AwsProfileFiles files;

    public AwsCredentialsTranslator(AwsProfileFiles files) {
        this.files = files;
    }

    /**
     * The request signing filter's {@code credential_provider} (absent: the default chain).
     *
     * @param region the signing region (or region set): it picks the STS endpoint
     */
    public AwsCredentialsProvider provider(boolean has, AwsCredentialProvider p, String region, FieldPath path) {
        if (!has) {
            return defaultChain(null, null, region, path);
        }
        if (p.hasInlineCredential()) {
            return AwsCredentialsProvider.fixed(inline(p.getInlineCredential(), path.field("inline_credential")));
        }
        if (p.getCustomCredentialProviderChain()) {
            if (!p.hasAssumeRoleWithWebIdentityProvider() && !p.hasCredentialsFileProvider()) {
                throw path.field("custom_credential_provider_chain")
                        .error("No credentials provider settings configured.");
            }
            AwsCredentialsProvider file = p.hasCredentialsFileProvider()
                    ? file(p.getCredentialsFileProvider(), path.field("credentials_file_provider"))
                    : AwsCredentialsProvider.fixed(null);
            if (!p.hasAssumeRoleWithWebIdentityProvider()) {
                return file;
            }
            FieldPath w = path.field("assume_role_with_web_identity_provider");
            AssumeRoleWithWebIdentityCredentialProvider web = p.getAssumeRoleWithWebIdentityProvider();
            if (web.getRoleArn().isEmpty()) {
                throw w.field("role_arn").error("must not be empty");
            }
            return new AwsCredentialsChain(List.of(webIdentity(web.getWebIdentityTokenDataSource(), web.getRoleArn(),
                    web.getRoleSessionName(), region, w.field("web_identity_token_data_source")), file));
        }
        return defaultChain(p.hasCredentialsFileProvider() ? p.getCredentialsFileProvider() : null,
                p.hasAssumeRoleWithWebIdentityProvider() ? p.getAssumeRoleWithWebIdentityProvider() : null, region,
                path);
    }

    /** The Lambda filter's {@code credentials_profile}: that profile of the credentials file. */
    public AwsCredentialsProvider profile(String profile) {
        return CredentialsFileProvider.shared(files.credentialsFile(), profile);
    }

    /**
     * Envoy's default chain.
     *
     * @param file the config's override of the credentials file's path and profile, or null
     * @param web  the config's web identity settings (completed from the environment), or null
     * @param path the {@code credential_provider}'s path
     */
    public AwsCredentialsProvider defaultChain(CredentialsFileCredentialProvider file,
                                               AssumeRoleWithWebIdentityCredentialProvider web, String region,
                                               FieldPath path) {
        AwsCredentials c = complete(files.environmentCredentials());
        if (c != null) {
            return AwsCredentialsProvider.fixed(c);
        }
        AwsCredentialsProvider fileProvider = file == null
                ? CredentialsFileProvider.shared(files.credentialsFile(), files.profile())
                : file(file, path.field("credentials_file_provider"));
        if (fileProvider.credentials() != null) {
            return fileProvider;
        }
        // Still asked first: keys written to the file later are read within the hour, as Envoy's.
        List<AwsCredentialsProvider> chain = new ArrayList<>(List.of(fileProvider));
        DataSource token = web != null && web.hasWebIdentityTokenDataSource() ? web.getWebIdentityTokenDataSource()
                : files.env("AWS_WEB_IDENTITY_TOKEN_FILE") == null ? null
                : DataSource.newBuilder().setFilename(files.env("AWS_WEB_IDENTITY_TOKEN_FILE")).build();
        String roleArn = web != null && !web.getRoleArn().isEmpty() ? web.getRoleArn() : files.env("AWS_ROLE_ARN");
        boolean hasToken = token != null && token.getSpecifierCase() != DataSource.SpecifierCase.SPECIFIER_NOT_SET;
        if (hasToken && roleArn != null) {
            chain.add(webIdentity(token, roleArn, web == null ? "" : web.getRoleSessionName(), region,
                    path.field("assume_role_with_web_identity_provider")));
        }
        String relative = files.env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        String full = files.env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
        if (relative != null || full != null) {
            // The configured token goes with a full URI only (Envoy's); the token file with either.
            String authorization = relative == null ? files.env("AWS_CONTAINER_AUTHORIZATION_TOKEN") : null;
            String sent = authorization == null ? "" : authorization;
            String uri = relative != null ? ContainerCredentialsProvider.CONTAINER_METADATA_HOST + relative : full;
            try {
                chain.add(ContainerCredentialsProvider.shared(URI.create(uri), sent,
                        files.env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")));
            } catch (IllegalArgumentException e) {
                // Envoy's fetches from such an address all fail: the same, without trying.
                LOG.warning("AWS container credentials URI '" + uri + "' is not a URI: " + e.getMessage());
            }
        } else if (!"true".equals(files.env("AWS_EC2_METADATA_DISABLED"))) {
            chain.add(InstanceProfileCredentialsProvider.shared());
        }
        return new AwsCredentialsChain(chain);
    }

    private AwsCredentialsProvider webIdentity(DataSource token, String roleArn, String sessionName, String region,
                                               FieldPath tokenPath) {
        String session = sessionName.isEmpty() ? WebIdentityCredentialsProvider.sessionName(files) : sessionName;
        URI endpoint = URI.create("https://" + WebIdentityCredentialsProvider.stsEndpoint(region));
        Supplier<String> read = tokenSource(token, tokenPath);
        return MetadataCredentialsProvider.shared("web identity " + endpoint + " " + roleArn + " " + token,
                () -> new WebIdentityCredentialsProvider(endpoint, region, roleArn, session, read));
    }

    /** The token as it is now: a file is read again at each refresh. */
    private Supplier<String> tokenSource(DataSource token, FieldPath path) {
        return switch (token.getSpecifierCase()) {
            case FILENAME -> () -> AwsProfileFiles.read(token.getFilename());
            case ENVIRONMENT_VARIABLE -> () -> files.env(token.getEnvironmentVariable());
            case INLINE_STRING -> token::getInlineString;
            case INLINE_BYTES -> () -> token.getInlineBytes().toString(StandardCharsets.UTF_8);
            case SPECIFIER_NOT_SET -> throw path.error("must be set");
        };
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

    /**
     * Envoy's credentials file provider: the data source, read once when it loads (a file with a watched_directory
     * again on every move into that directory); else (absent, or a file
     * that is missing, an unset variable, empty) the shared credentials file, read again hourly. A data source
     * that does not load is logged and passed over, never refused, as Envoy's "Invalid credential file data
     * source".
     */
    private AwsCredentialsProvider file(CredentialsFileCredentialProvider f, FieldPath path) {
        String profile = f.getProfile().isEmpty() ? files.profile() : f.getProfile();
        if (f.hasCredentialsDataSource()) {
            FieldPath dp = path.field("credentials_data_source");
            DataSource ds = f.getCredentialsDataSource();
            if (ds.hasWatchedDirectory() && ds.getWatchedDirectory().getPath().isEmpty()) {
                throw dp.field("watched_directory").field("path").error("path is required");
            }
            String text;
            try {
                // the watched_directory is honoured below: Protos is not to warn that it is not
                text = Protos.dataSource(ds.toBuilder().clearWatchedDirectory().build(), dp);
            } catch (TranslationException e) {
                text = null;
                warnOnce(e.getMessage() + "; reading " + files.credentialsFile() + " instead");
            }
            if (text != null && !text.isEmpty()) {
                if (!ds.hasWatchedDirectory() || ds.getSpecifierCase() != DataSource.SpecifierCase.FILENAME) {
                    return AwsCredentialsProvider.fixed(AwsProfileFiles.credentials(text, profile));
                }
                try {
                    return CredentialsFileProvider.watched(ds.getFilename(), profile,
                            Path.of(ds.getWatchedDirectory().getPath()));
                } catch (IOException | RuntimeException e) {
                    warnOnce(dp.field("watched_directory") + ": cannot watch '" + ds.getWatchedDirectory().getPath()
                            + "': " + e + "; reading " + files.credentialsFile() + " instead");
                    return CredentialsFileProvider.shared(files.credentialsFile(), profile);
                }
            }
            if (text != null) {
                warnOnce(dp + ": empty; reading " + files.credentialsFile() + " instead");
            }
        }
        return CredentialsFileProvider.shared(files.credentialsFile(), profile);
    }

    private static void warnOnce(String message) {
        if (WARNED.add(message)) {
            LOG.warning(message);
        }
    }

    private static AwsCredentials complete(AwsCredentials c) {
        return c != null && c.complete() ? c : null;
    }
}
