#!/usr/bin/env bash
# demo.sh runs X Platform's main job on the example services in examples/:
# it makes local base images, starts a local registry, turns each example into
# a local git remote, builds every service twice (the second run reuses
# everything), prints the images and runs one. `demo.sh clean` removes it all,
# unless a checkout holds work of the user's own (`demo.sh clean --force`
# removes it anyway).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$root"
demo="$root/.x-platform/demo"
port="${XP_DEMO_PORT:-5055}"
export XP_REGISTRY="127.0.0.1:$port/demo"
say() { printf '\n==> %s\n' "$*" >&2; }

# local_work prints what only the repository $1 holds, or nothing: changed
# or untracked files, stashes, and commits demo.sh did not make (the demo's
# remotes go too, so a commit pushed there is no safer than one that is not).
local_work() {
  local repo="$1" what=() n commits
  # Without a ceiling git would find the enclosing X Platform repository.
  if ! GIT_CEILING_DIRECTORIES="$(dirname "$repo")" git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
    [[ -z "$(ls -A "$repo")" ]] || echo "files that are in no git repository"
    return 0
  fi
  if [[ "$(git -C "$repo" rev-parse --is-bare-repository)" == false ]]; then
    n="$(git -C "$repo" status --porcelain | wc -l)"
    ((n == 0)) || what+=("uncommitted changes ($n files)")
    n="$(git -C "$repo" stash list | wc -l)"
    ((n == 0)) || what+=("stashes ($n)")
  fi
  commits="$(git -C "$repo" log --exclude=refs/stash --all --format='%ce %h %s' |
    grep -v '^demo@x-platform\.invalid ' | cut -d' ' -f2- || true)"
  if [[ -n "$commits" ]]; then
    what+=("commits of your own, on no remote outside the demo ($(wc -l <<<"$commits")): $(head -3 <<<"$commits" | joined ', ')")
  fi
  printf '%s\n' "${what[@]}" | joined '; '
}

# joined prints its input's lines on one line, separated by $1.
joined() {
  local line out=""
  while IFS= read -r line; do [[ -z "$line" ]] || out+="${out:+$1}$line"; done
  [[ -z "$out" ]] || echo "$out"
}

if [[ "${1:-}" == clean ]]; then
  repos=("$root/src/zbackend" "$root/src/zfrontend")
  for dir in "$demo"/work/* "$demo"/remotes/*; do repos+=("$dir"); done
  held=0
  for repo in "${repos[@]}"; do
    [[ -d "$repo" ]] || continue
    work="$(local_work "$repo")"
    [[ -n "$work" ]] || continue
    held=1
    echo "demo clean: ${repo#"$root"/} has local work: $work" >&2
  done
  if ((held)) && [[ "${2:-}" != --force ]]; then
    echo "demo clean: removed nothing; commit and push that work to a remote outside $demo (or copy it away), or run 'make demo-clean FORCE=1' to delete it anyway" >&2
    exit 1
  fi
  rm -rf "$demo" "$root/src/zbackend" "$root/src/zfrontend"
  echo "removed $demo and the demo checkouts" >&2
  exit 0
fi

docker info >/dev/null 2>&1 || { echo "demo: no Docker engine answers; start one (hack/ensure-docker.sh does, as root)" >&2; exit 2; }

say "making local base images (nothing is pulled)"
go run ./hack/baseimages >&2

say "starting a local registry on 127.0.0.1:$port"
mkdir -p "$demo"
go build -o "$demo/registry" ./hack/registry
rm -f "$demo/registry.addr"
"$demo/registry" -addr "127.0.0.1:$port" -root "$demo/registry-data" >"$demo/registry.addr" 2>"$demo/registry.log" &
registry_pid=$!
trap 'kill "$registry_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [[ -s "$demo/registry.addr" ]] && break; sleep 0.1; done
[[ -s "$demo/registry.addr" ]] || { cat "$demo/registry.log" >&2; exit 1; }

say "publishing examples/ as local git remotes"
export GIT_AUTHOR_NAME="X Platform demo" GIT_AUTHOR_EMAIL="demo@x-platform.invalid"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
for dir in examples/*/; do
  name="$(basename "$dir")"
  remote="$demo/remotes/$name.git" work="$demo/work/$name"
  [[ -d "$remote" ]] || git init -q --bare -b master "$remote"
  [[ -d "$work" ]] || git clone -q "$remote" "$work" 2>/dev/null
  find "$work" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
  cp -R "$dir". "$work/"
  git -C "$work" add -A
  if ! git -C "$work" diff --cached --quiet 2>/dev/null || ! git -C "$work" rev-parse -q --verify HEAD >/dev/null; then
    git -C "$work" commit -q -m "update $name from examples/"
    git -C "$work" push -q origin HEAD:master
  fi
  echo "$name: $(git -C "$work" rev-parse HEAD)" >&2
done

export XP_LOCAL="${XP_LOCAL:-1}"
say "bin/x-platform build (first run builds, tests and pushes)"
bin/x-platform build

say "bin/x-platform build again (nothing changed: every image is reused)"
bin/x-platform build

say "bin/x-platform plan (what build would do now, and why; changes nothing)"
bin/x-platform plan

say "bin/x-platform list"
bin/x-platform list

image="$(bin/x-platform -q --output json list --services zbackend | sed -n 's/.*"image": "\(.*\)".*/\1/p')"
say "running $image"
docker run --rm "$image" -once
say "zfrontend's site inside it (zbackend is built FROM zfrontend's exact image)"
docker run --rm --entrypoint ls "$image" /app/www

# Deploy to the embedded cluster: etcd, kube-apiserver, controller-manager,
# scheduler and kwok built from Go modules and run as local processes (kwok
# runs the pods, so nothing pulls the 127.0.0.1 images). The first run on a
# machine builds those programs: about ten minutes on 2 cores.
# XP_DEMO_DEPLOY=0 skips this; KUBECONFIG=... XP_DEMO_DEPLOY=external uses
# a cluster of your own instead.
case "${XP_DEMO_DEPLOY:-embedded}" in
0) exit 0 ;;
external) ;;
*)
  say "starting the embedded Kubernetes cluster (first run builds it: about ten minutes)"
  go build -o "$demo/cluster" ./hack/cluster
  rm -f "$demo/kubeconfig.path"
  "$demo/cluster" >"$demo/kubeconfig.path" 2>"$demo/cluster.log" &
  cluster_pid=$!
  trap 'kill "$cluster_pid" "$registry_pid" 2>/dev/null || true; wait "$cluster_pid" 2>/dev/null || true' EXIT
  until [[ -s "$demo/kubeconfig.path" ]]; do
    kill -0 "$cluster_pid" 2>/dev/null || { tail -20 "$demo/cluster.log" >&2; exit 1; }
    sleep 1
  done
  KUBECONFIG="$(cat "$demo/kubeconfig.path")"
  export KUBECONFIG
  ;;
esac

say "bin/x-platform deploy --env staging"
bin/x-platform deploy --env staging
say "bin/x-platform deploy --env staging again (nothing changed: no object moves, no new revision)"
bin/x-platform deploy --env staging
say "bin/x-platform test --env staging (rerun the post-deploy tests against what runs)"
bin/x-platform test --env staging
say "bin/x-platform history --env staging"
bin/x-platform history --env staging
