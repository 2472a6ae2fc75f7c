#!/usr/bin/env bash
# Makes sure this machine can run the tests: a Docker engine that answers, Debian's static
# busybox (base images are made from it, never pulled), git, OpenSSH's server (tests start
# their own sshd on loopback; the system's is never started), runc (tests run their own
# buildkitd, which runs build steps with it), shellcheck (the wrappers are linted) and zsh
# (the zsh completion script is run).
# Safe to run again; it starts dockerd when needed but never stops anything.
set -euo pipefail

logdir="${TMPDIR:-/tmp}"
dockerd_log="$logdir/xp-dockerd.log"
dockerd_pid="$logdir/xp-dockerd.pid"
wait_seconds=60

say() { echo "ensure-docker: $*" >&2; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		say "need root to run: $*"
		exit 1
	fi
}

updated=""
apt_install() {
	if [ -z "$updated" ]; then
		say "running apt-get update"
		as_root apt-get update -qq >&2
		updated=1
	fi
	say "installing $*"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

static_busybox() {
	[ -x /bin/busybox ] || return 1
	local out
	out="$(LC_ALL=C ldd /bin/busybox 2>&1 || true)"
	[[ "$out" == *"not a dynamic executable"* ]]
}

engine_answers() { docker info >/dev/null 2>&1; }

# Tools the tests use whether or not the engine already runs.
missing=()
static_busybox || missing+=(busybox-static)
command -v git >/dev/null 2>&1 || missing+=(git)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
[ -x /usr/sbin/runc ] || command -v runc >/dev/null 2>&1 || missing+=(runc)

if command -v docker >/dev/null 2>&1 && engine_answers; then
	if [ "${#missing[@]}" -gt 0 ]; then
		apt_install "${missing[@]}"
	fi
	exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
	missing+=(docker.io)
fi
if [ "${#missing[@]}" -gt 0 ]; then
	apt_install "${missing[@]}"
fi

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# A dockerd started earlier may still be coming up: wait for it rather than start another.
if alive "$dockerd_pid" || alive /var/run/docker.pid; then
	say "dockerd is running; waiting for it to answer"
else
	say "starting dockerd, logging to $dockerd_log"
	# shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
	as_root sh -c 'nohup dockerd >"$1" 2>&1 & echo $! >"$2"' sh "$dockerd_log" "$dockerd_pid"
fi

for _ in $(seq "$wait_seconds"); do
	if engine_answers; then
		say "Docker engine answers (dockerd pid $(cat "$dockerd_pid" 2>/dev/null || cat /var/run/docker.pid))"
		exit 0
	fi
	if ! alive "$dockerd_pid" && ! alive /var/run/docker.pid; then
		say "dockerd exited; the end of $dockerd_log:"
		tail -n 20 "$dockerd_log" >&2 || true
		exit 1
	fi
	sleep 1
done
say "no answer from the Docker engine after ${wait_seconds}s; see $dockerd_log"
exit 1
