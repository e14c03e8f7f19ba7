# image-sync, framework-dependent on the .NET runtime image, running as an unprivileged user.
#   docker build --build-arg COMMIT=$(git rev-parse HEAD) -t image-sync .
# Base images are pinned by digest (the 10.0 tags' multi-platform index, as published when this was written;
# this machine cannot reach the registry to check a newer one): a rebuild gets the same bases. To move to a
# newer patch: docker buildx imagetools inspect mcr.microsoft.com/dotnet/sdk:10.0 (and runtime:10.0), then
# replace the digests.
FROM mcr.microsoft.com/dotnet/sdk:10.0@sha256:e70cdb7f80b0348f5cb85f19a8f670fca061f033d57eed12fa003d58b0e06317 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY hocon/ hocon/
COPY src/ src/
# The build context has no .git: the commit that --version prints comes in as an argument.
ARG COMMIT=unknown
RUN dotnet publish src/ImageSync.Cli -c Release -o /opt/image-sync -p:SourceRevisionId=$COMMIT

FROM mcr.microsoft.com/dotnet/runtime:10.0@sha256:a365ce6a50b09176855d085c69da3fc1204a48432e36087e9a208f6e5860e235
RUN useradd --system --uid 10001 --home-dir /var/lib/image-sync --shell /usr/sbin/nologin image-sync \
 && install -d -m 0750 -o image-sync /var/log/image-sync /var/lib/image-sync /etc/image-sync
COPY --from=build /opt/image-sync /opt/image-sync
USER image-sync
ENTRYPOINT ["/opt/image-sync/image-sync"]
CMD ["daemon", "--config", "/etc/image-sync/image-sync.conf"]
