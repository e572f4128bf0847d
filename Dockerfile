# syntax=docker/dockerfile:1
# The app's image: built with the SDK, run on the ASP.NET runtime as a non-root user. The front-end assets are
# committed under Chat.Web/wwwroot, so the build needs no Node. Nothing is written to the image's filesystem at run
# time when PostgreSQL and JWT_SECRET are configured, so the container runs with a read-only root (see
# docker-compose.prod.yml).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore in its own layer, so a code change does not download the packages again.
COPY Directory.Build.props Directory.Packages.props ./
COPY Chat.Web/Chat.Web.csproj Chat.Web/
RUN dotnet restore Chat.Web/Chat.Web.csproj
COPY Chat.Web/ Chat.Web/
RUN dotnet publish Chat.Web/Chat.Web.csproj -c Release -o /app --no-restore -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_URLS=http://+:8080 \
    DOTNET_gcServer=0
EXPOSE 8080
# Uploads (MEDIA_DIR) when no S3 bucket is set: owned by the app user, so a volume mounted here is writable.
RUN mkdir -p /app/App_Data/media && chown -R app /app/App_Data
# The runtime image's unprivileged user (uid 1654).
USER app
# The runtime image has no curl; bash's /dev/tcp asks /health (liveness: the process answers).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "Chat.Web.dll"]
