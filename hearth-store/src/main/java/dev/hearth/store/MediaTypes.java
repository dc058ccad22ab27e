package dev.hearth.store;

/** Media types of manifests and layers in Ollama-compatible registries (Docker image manifest v2). */
public final class MediaTypes {
    private MediaTypes() {}

    public static final String MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    /** The config blob: model_format, model_family, model_type, file_type and the rootfs. */
    public static final String CONFIG = "application/vnd.docker.container.image.v1+json";

    public static final String MODEL = "application/vnd.ollama.image.model";
    public static final String TEMPLATE = "application/vnd.ollama.image.template";
    /** Older name of the template layer. */
    public static final String PROMPT = "application/vnd.ollama.image.prompt";
    public static final String SYSTEM = "application/vnd.ollama.image.system";
    public static final String PARAMS = "application/vnd.ollama.image.params";
    public static final String MESSAGES = "application/vnd.ollama.image.messages";
    public static final String LICENSE = "application/vnd.ollama.image.license";
    public static final String PROJECTOR = "application/vnd.ollama.image.projector";
    public static final String ADAPTER = "application/vnd.ollama.image.adapter";
}
