# awsemu as a static (musl) binary in an empty image.
#   docker build -t awsemu .
#   docker run --rm -p 4566:4566 awsemu
# The CI machines have no Docker engine, so this image is not built in CI.
FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p awsemu && cp target/release/awsemu /awsemu

FROM scratch
COPY --from=build /awsemu /awsemu
ENV AWSEMU_HOST=0.0.0.0 AWSEMU_PORT=4566
EXPOSE 4566
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 CMD ["/awsemu", "healthcheck"]
ENTRYPOINT ["/awsemu", "serve"]
