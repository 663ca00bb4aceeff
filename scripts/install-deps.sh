#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Installs everything pagesim needs to build, test and plot on Debian 12 (run as root, or
# with sudo available). Safe to run again. The integration tests (Slurm, GNU parallel over
# ssh) need the second group of packages; they start their daemons themselves, by hand.
set -eu
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
PKGS="build-essential g++ cmake ninja-build git ca-certificates
      libboost-dev libyaml-cpp-dev catch2 libbenchmark-dev libcli11-dev libfmt-dev
      nlohmann-json3-dev python3 python3-matplotlib
      clang libclang-rt-14-dev
      slurmctld slurmd slurm-client munge parallel openssh-server openssh-client"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

# Without systemd (a container, CI), the postinst scripts of munge, openssh-server, slurmctld
# and slurmd would start their daemons through /etc/init.d (sshd on port 22, munged with the
# system key) or fail trying. Nothing here wants them: deny service starts while installing,
# with a temporary policy-rc.d, unless the machine already has one.
POLICY=/usr/sbin/policy-rc.d
if [ ! -d /run/systemd/system ] && [ ! -e "$POLICY" ]; then
    trap '$SUDO rm -f "$POLICY"' EXIT
    trap 'exit 1' INT TERM HUP
    printf '#!/bin/sh\n# Written by pagesim scripts/install-deps.sh while it runs.\nexit 101\n' |
        $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod 755 "$POLICY"
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
