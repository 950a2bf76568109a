#!/usr/bin/env bash
# Checks systemd/parleyd.service, parleyd.sysusers.conf and parleyd.tmpfiles.conf with systemd's
# own tools, offline (no running systemd needed):
#   1. systemd-analyze verify passes, without a single warning, on the unit with /usr/bin/parleyd
#      replaced by the built binary (verify checks that every Exec*= program exists); and it
#      does fail on a deliberately broken copy, so a pass means something;
#   2. the hardening and lifecycle directives the gateway relies on are present, as written;
#   3. systemd-analyze security --offline rates the sandbox at exposure 2.0 or below ("OK");
#   4. systemd-sysusers creates the parley user and group in a scratch root;
#   5. systemd-tmpfiles creates /etc/parley and /var/lib/parley there with the owners and modes
#      the unit expects (ownership needs root; otherwise only the syntax is checked).
#
# usage: verify_unit.sh PARLEYD SYSTEMD_DIR
# Exit status: 0 all checks passed, 1 a check failed (each failure is printed), 2 usage.
set -uo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: verify_unit.sh PARLEYD SYSTEMD_DIR" >&2
  exit 2
fi
parleyd=$1
source_dir=$2
unit=$source_dir/parleyd.service
sysusers=$source_dir/parleyd.sysusers.conf
tmpfiles=$source_dir/parleyd.tmpfiles.conf
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

for tool in systemd-analyze systemd-sysusers systemd-tmpfiles; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: $tool not found; install the Debian package systemd (apt-get install systemd)" >&2
    exit 1
  fi
done
[[ -x $parleyd ]] || { echo "FAIL: $parleyd is not an executable; build the parleyd target first" >&2; exit 1; }
for file in "$unit" "$sysusers" "$tmpfiles"; do
  [[ -f $file ]] || { echo "FAIL: $file is missing" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/parley-systemd-XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- 1. systemd-analyze verify -----------------------------------------------------------------
mkdir -p "$work/unit" "$work/broken"
sed "s#/usr/bin/parleyd#$parleyd#g" "$unit" >"$work/unit/parleyd.service"
if grep -q /usr/bin/parleyd "$work/unit/parleyd.service"; then
  fail "could not substitute /usr/bin/parleyd in the copy of the unit"
fi
if ! output=$(systemd-analyze verify --man=no "$work/unit/parleyd.service" 2>&1); then
  fail "systemd-analyze verify failed:"$'\n'"$output"
elif [[ -n $output ]]; then
  fail "systemd-analyze verify warned:"$'\n'"$output"
else
  echo "ok: systemd-analyze verify parleyd.service"
fi

# The control: verify must notice a missing program and an unknown directive.
sed -e "s#$parleyd serve#/nonexistent/parleyd serve#" -e 's#^\[Service\]$#[Service]\nProtectEverything=yes#' \
  "$work/unit/parleyd.service" >"$work/broken/parleyd.service"
broken=$(systemd-analyze verify --man=no "$work/broken/parleyd.service" 2>&1)
if [[ $? -eq 0 ]] || ! grep -q "/nonexistent/parleyd" <<<"$broken" || ! grep -q "ProtectEverything" <<<"$broken"; then
  fail "systemd-analyze verify did not catch a broken unit, so its pass proves nothing:"$'\n'"$broken"
fi

# --- 2. directives ---------------------------------------------------------------------------------
required=(
  "Type=notify"
  "User=parley"
  "Group=parley"
  "ExecStartPre=/usr/bin/parleyd check-config --config /etc/parley/gateway.yaml"
  "ExecStartPre=/usr/bin/parleyd migrate --config /etc/parley/gateway.yaml"
  "ExecStart=/usr/bin/parleyd serve --config /etc/parley/gateway.yaml"
  "ExecReload=/bin/kill -HUP \$MAINPID"
  "Restart=on-failure"
  "StateDirectory=parley"
  "ConfigurationDirectory=parley"
  "UMask=0027"
  "ProtectSystem=strict"
  "ProtectHome=yes"
  "PrivateTmp=yes"
  "PrivateDevices=yes"
  "NoNewPrivileges=yes"
  "CapabilityBoundingSet="
  "AmbientCapabilities="
  "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"
  "SystemCallFilter=@system-service"
  "MemoryDenyWriteExecute=yes"
  "LockPersonality=yes"
  "ProtectKernelTunables=yes"
  "ProtectKernelModules=yes"
  "ProtectKernelLogs=yes"
  "ProtectControlGroups=yes"
  "RestrictNamespaces=yes"
  "RestrictRealtime=yes"
  "RestrictSUIDSGID=yes"
)
before=$failures
for line in "${required[@]}"; do
  grep -qxF -- "$line" "$unit" || fail "parleyd.service lacks the line: $line"
done
# Nothing may grant a capability back or loosen the sandbox further down the file.
for pattern in '^AmbientCapabilities=.+' '^CapabilityBoundingSet=.+' '^NoNewPrivileges=no' '^ProtectSystem=(no|yes|full)$' \
  '^PrivateNetwork=yes' '^DynamicUser=yes'; do
  if grep -Eq -- "$pattern" "$unit"; then fail "parleyd.service has a line matching $pattern"; fi
done
nofile=$(sed -n 's/^LimitNOFILE=\([0-9]*\)$/\1/p' "$unit")
if [[ -z $nofile ]] || ((nofile < 20000)); then
  fail "LimitNOFILE must be a number of at least 20000 (10,000 WebSockets and limits.max_connections), got '${nofile}'"
fi
grep -Eq '^TimeoutStopSec=[0-9]+s?$' "$unit" || fail "parleyd.service lacks TimeoutStopSec="
((failures == before)) && echo "ok: directives present"

# --- 3. exposure score -----------------------------------------------------------------------------
if ! score=$(systemd-analyze security --offline=yes --threshold=20 "$work/unit/parleyd.service" 2>&1); then
  fail "systemd-analyze security rates the unit above 2.0:"$'\n'"$(grep -E '✗|Overall' <<<"$score")"
else
  echo "ok: $(grep Overall <<<"$score" | sed 's/^→ //')"
fi

# --- 4. sysusers -----------------------------------------------------------------------------------
root=$work/root
mkdir -p "$root/etc"
if ! output=$(systemd-sysusers --root="$root" "$sysusers" 2>&1); then
  fail "systemd-sysusers failed:"$'\n'"$output"
fi
passwd_line=$(grep '^parley:' "$root/etc/passwd" 2>/dev/null)
if [[ ! $passwd_line =~ ^parley:x:([0-9]+):([0-9]+):[^:]*:/var/lib/parley:/usr/sbin/nologin$ ]]; then
  fail "systemd-sysusers did not create parley with home /var/lib/parley and no login shell: '$passwd_line'"
else
  uid=${BASH_REMATCH[1]}
  gid=${BASH_REMATCH[2]}
  grep -q "^parley:x:$gid:" "$root/etc/group" || fail "no parley group with gid $gid"
  ((uid < 1000)) || fail "parley must be a system user (uid below 1000), got $uid"
  echo "ok: sysusers creates parley ($uid:$gid)"
fi

# --- 5. tmpfiles -----------------------------------------------------------------------------------
output=$(systemd-tmpfiles --root="$root" --create "$tmpfiles" 2>&1)
status=$?
# Parse errors are printed as "<file>:<line>: ...".
if grep -q "^$tmpfiles:" <<<"$output"; then
  fail "systemd-tmpfiles cannot parse parleyd.tmpfiles.conf:"$'\n'"$output"
fi
expect_dir() {  # path mode owner-uid group-gid
  local actual
  actual=$(stat -c '%a %u %g' "$root$1" 2>/dev/null)
  [[ $actual == "$2 $3 $4" ]] || fail "$1 should be mode $2 owned by $3:$4, is '${actual:-missing}'"
}
before=$failures
if [[ $EUID -eq 0 ]]; then
  ((status == 0)) || fail "systemd-tmpfiles --create failed:"$'\n'"$output"
  expect_dir /etc/parley 750 0 "${gid:-?}"
  expect_dir /var/lib/parley 750 "${uid:-?}" "${gid:-?}"
  expect_dir /var/lib/parley/files 750 "${uid:-?}" "${gid:-?}"
  ((failures == before)) && echo "ok: tmpfiles creates /etc/parley and /var/lib/parley"
else
  echo "note: not root, so only the syntax of parleyd.tmpfiles.conf was checked, not its owners"
fi
# The unit resets the modes of its directories on each start: they must agree with tmpfiles.
unit_config_mode=$(sed -n 's/^ConfigurationDirectoryMode=//p' "$unit")
unit_state_mode=$(sed -n 's/^StateDirectoryMode=//p' "$unit")
grep -Eq "^d +/etc/parley +$unit_config_mode +root +parley " "$tmpfiles" ||
  fail "ConfigurationDirectoryMode=$unit_config_mode differs from /etc/parley in parleyd.tmpfiles.conf"
grep -Eq "^d +/var/lib/parley +$unit_state_mode +parley +parley " "$tmpfiles" ||
  fail "StateDirectoryMode=$unit_state_mode differs from /var/lib/parley in parleyd.tmpfiles.conf"

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all systemd checks passed"
