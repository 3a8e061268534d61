# Multi-stage build: SDK image builds the server, the ASP.NET runtime image runs it as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Host -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
RUN useradd --system --uid 10001 annsql && mkdir -p /data && chown annsql /data
USER annsql
VOLUME /data
EXPOSE 5433 9187
ENV ANNSQL_LISTEN=0.0.0.0:5433 ANNSQL_HTTP=0.0.0.0:9187 ANNSQL_DATA=/data
ENTRYPOINT ["dotnet", "annsql.dll"]
