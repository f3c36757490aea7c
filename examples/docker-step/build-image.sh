#!/bin/sh
# Builds the example step image locally, with no registry: Debian's busybox-static as the whole
# userland, plus step.sh as the entrypoint. Usage: build-image.sh [tag]  (honours DOCKER_HOST)
set -eu
tag=${1:-stepstack-example/docker-step:latest}
here=$(cd "$(dirname "$0")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || { echo "no static busybox at $busybox: apt-get install busybox-static (or set BUSYBOX)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp"
# mktemp -d is 0700: the image's / must be readable by the unprivileged user steps run as.
chmod 755 "$root" "$root/bin"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
cp "$here/step.sh" "$root/step.sh"
chmod 755 "$root/step.sh"
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/bin' \
  --change 'ENTRYPOINT ["/step.sh"]' \
  - "$tag" >/dev/null
echo "built $tag"
