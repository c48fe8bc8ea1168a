#!/usr/bin/env bash
# Build the local base image gc-base:busybox from Debian's busybox-static, with no registry.
# Usage: docker/base-image.sh [--force]
set -euo pipefail

export DOCKER_HOST=unix:///var/run/docker.sock DEBIAN_FRONTEND=noninteractive
IMAGE=gc-base:busybox
FORCE=0
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    *) echo "usage: $0 [--force]" >&2; exit 2 ;;
  esac
done
log() { echo "[setup] $*"; }

"$(dirname "$0")/engine.sh"
if ((!FORCE)) && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "image $IMAGE already exists"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# Fetch the .deb only (nothing is installed); refresh package lists once if apt does not know it.
if ! apt-get download -qq -o APT::Sandbox::User=root busybox-static >/dev/null 2>&1; then
  log "refreshing package lists"; apt-get update -qq
  apt-get download -qq -o APT::Sandbox::User=root busybox-static >/dev/null
fi
deb=$(ls busybox-static_*.deb)
log "building $IMAGE from $deb"

root=$work/rootfs
dpkg-deb -x "$deb" "$root"
bb=$root/bin/busybox
[[ -x $bb ]] || { echo "[setup] ERROR: no bin/busybox in $deb" >&2; exit 1; }
# Equivalent of `busybox --install -s`, done from the host into the rootfs.
for p in $("$bb" --list-full); do
  [[ -e $root/$p || -L $root/$p ]] && continue
  mkdir -p "$root/$(dirname "$p")"
  ln -s /bin/busybox "$root/$p"
done
[[ -L $root/bin/sh ]] || ln -s busybox "$root/bin/sh"
rm -rf "$root/usr/share/doc"

mkdir -p "$root"/{tmp,input,output,etc,root,home/app}
chmod 1777 "$root/tmp"
chown 1000:1000 "$root/output" "$root/home/app"
chmod 700 "$root/root"
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
app:x:1000:
nogroup:x:65534:
EOF

tar --numeric-owner -C "$root" -c . | docker import \
  --change 'USER 1000' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'WORKDIR /home/app' \
  --change 'CMD ["sh"]' \
  - "$IMAGE" >/dev/null
log "image $IMAGE built ($(docker image inspect --format '{{.Size}}' "$IMAGE") bytes)"
