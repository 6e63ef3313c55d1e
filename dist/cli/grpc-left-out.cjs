// @grpc/grpc-js and @grpc/proto-loader, which dockerode's build sessions require: left out (scripts/build.mjs).
module.exports = new Proxy({}, {
  get(_, key) {
    if (typeof key === 'symbol' || key === '__esModule' || key === 'then') return undefined;
    throw new Error('gRPC is left out of docker-size-guard (dockerode build sessions are not used): ' + String(key));
  },
});
