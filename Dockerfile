# image-sync, framework-dependent on the .NET runtime image, running as an unprivileged user.
#   docker build --build-arg VERSION=$(cat VERSION) --build-arg COMMIT=$(git rev-parse HEAD) -t image-sync:$(cat VERSION) .
# VERSION is the one place the version is written; the build refuses a --build-arg VERSION that differs
# from it, so the labels, --version and image_sync_build_info always agree.
# The base images are build arguments whose defaults are pinned by digest (the 10.0 tags' multi-platform index,
# as published when this was written; this machine cannot reach the registry to check a newer one): a rebuild
# gets the same bases. To move to a newer patch: docker buildx imagetools inspect mcr.microsoft.com/dotnet/sdk:10.0
# (and runtime:10.0), then replace the digests here and in docker-compose.yml. A mirror or a base of your own comes
# in as --build-arg SDK_IMAGE=… / RUNTIME_IMAGE=…: a .NET 10 SDK image, and a .NET 10 runtime image with useradd.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0@sha256:e70cdb7f80b0348f5cb85f19a8f670fca061f033d57eed12fa003d58b0e06317
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:10.0@sha256:a365ce6a50b09176855d085c69da3fc1204a48432e36087e9a208f6e5860e235

FROM ${SDK_IMAGE} AS build
# Behind a TLS-intercepting proxy the restore must trust the proxy's CA: EXTRA_CA_CERTS is PEM text (one or more
# certificates), trusted by this build stage only. NUGET_SOURCE restores from that feed (a mirror's https:// index.json
# URL; NuGet refuses plain HTTP) instead of the SDK's default one. NUGET_CERT_REVOCATION_MODE=offline (NuGet's own variable) where the proxy also
# keeps the certificate authorities' revocation servers out of reach, where NuGet would wait for each signed
# package's check to time out. Left unset: a plain restore, as without a proxy.
ARG EXTRA_CA_CERTS=""
RUN if [ -n "$EXTRA_CA_CERTS" ]; then \
      printf '%s\n' "$EXTRA_CA_CERTS" | csplit -z -s -f /usr/local/share/ca-certificates/build-extra- -b '%02d.crt' - '/-----BEGIN CERTIFICATE-----/' '{*}' \
      && update-ca-certificates; \
    fi
WORKDIR /src
# The packages first, in a layer of their own: a change to the sources does not download them again.
COPY VERSION Directory.Build.props Directory.Packages.props ./
COPY src/ImageSync/ImageSync.csproj src/ImageSync/
COPY src/ImageSync.Cli/ImageSync.Cli.csproj src/ImageSync.Cli/
ARG NUGET_SOURCE=""
ARG NUGET_CERT_REVOCATION_MODE
# _IsPublishing: restore for the platform that `dotnet publish` builds for (ImageSync.Cli.csproj picks it then).
RUN dotnet restore src/ImageSync.Cli -p:_IsPublishing=true ${NUGET_SOURCE:+--source "$NUGET_SOURCE"}
COPY README.md CHANGELOG.md ./
COPY hocon/ hocon/
COPY deploy/node/image-sync-node deploy/node/
COPY src/ src/
ARG VERSION
RUN test "$VERSION" = "$(cat VERSION)" || { echo "--build-arg VERSION='$VERSION' is not VERSION's $(cat VERSION)" >&2; exit 1; }
# The build context has no .git: the commit that --version prints comes in as an argument.
ARG COMMIT=unknown
RUN dotnet publish src/ImageSync.Cli -c Release --no-restore -o /opt/image-sync -p:SourceRevisionId=$COMMIT

FROM ${RUNTIME_IMAGE}
ARG RUNTIME_IMAGE
ARG VERSION
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="image-sync" \
      org.opencontainers.image.description="Keeps container images in sync across Kubernetes worker nodes over SSH" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$COMMIT" \
      org.opencontainers.image.documentation="/opt/image-sync/README.md" \
      org.opencontainers.image.base.name="$RUNTIME_IMAGE"
RUN useradd --system --uid 10001 --home-dir /var/lib/image-sync --shell /usr/sbin/nologin image-sync \
 && install -d -m 0750 -o image-sync /var/log/image-sync /var/lib/image-sync /etc/image-sync /run/image-sync
COPY --from=build /opt/image-sync /opt/image-sync
# The daemon's endpoint (/metrics, /healthz, /readyz) on every address, the replicas' cluster port, and the
# lock in a directory of the image-sync user (/run/lock is root's in this base).
ENV IMAGE_SYNC_METRICS=0.0.0.0:9464 \
    IMAGE_SYNC_LOCK_FILE=/run/image-sync/image-sync.lock
EXPOSE 9464 4053
USER image-sync
# The program asks its own /healthz: the runtime image has no curl, and no shell is needed.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["/opt/image-sync/image-sync", "probe", "--timeout", "5s", "http://127.0.0.1:9464/healthz"]
ENTRYPOINT ["/opt/image-sync/image-sync"]
CMD ["daemon", "--config", "/etc/image-sync/image-sync.conf"]
