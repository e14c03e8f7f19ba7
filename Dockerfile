# image-sync, framework-dependent on the .NET runtime image, running as an unprivileged user.
#   docker build --build-arg COMMIT=$(git rev-parse HEAD) -t image-sync .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY hocon/ hocon/
COPY src/ src/
# The build context has no .git: the commit that --version prints comes in as an argument.
ARG COMMIT=unknown
RUN dotnet publish src/ImageSync.Cli -c Release -o /opt/image-sync -p:SourceRevisionId=$COMMIT

FROM mcr.microsoft.com/dotnet/runtime:10.0
RUN useradd --system --uid 10001 --home-dir /var/lib/image-sync --shell /usr/sbin/nologin image-sync \
 && install -d -m 0750 -o image-sync /var/log/image-sync /var/lib/image-sync /etc/image-sync
COPY --from=build /opt/image-sync /opt/image-sync
USER image-sync
ENTRYPOINT ["/opt/image-sync/image-sync"]
CMD ["daemon", "--config", "/etc/image-sync/image-sync.conf"]
