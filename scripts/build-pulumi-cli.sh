#!/usr/bin/env bash
# Builds the real Pulumi CLI (v3.248.0) and a Node language host from Pulumi's Go modules into
# <repo>/.pulumi-cli/bin, for the end-to-end tests. See tools/pulumi-cli/README.md.
#
#   bash scripts/build-pulumi-cli.sh        # builds once, then exits at once while nothing changed
#   PATH="$PWD/.pulumi-cli/bin:$PATH" pulumi version
#
# Writes only inside <repo>/.pulumi-cli (git-ignored) and Go's own module and build caches
# ($(go env GOMODCACHE), $(go env GOCACHE)). Needs: go >= 1.25, node_modules installed (npm ci).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli_mod="$repo/tools/pulumi-cli"
host_mod="$cli_mod/langhost-nodejs"
out="$repo/.pulumi-cli"
bin="$out/bin"
shims="$out/shims"
stamp="$out/stamp"

pulumi_version="v3.248.0"
# The Node language host comes from sdk/v3 at this release (the newest one the module proxy serves
# that still contains it); keep in step with tools/pulumi-cli/langhost-nodejs/go.mod.
host_sdk_version="v3.68.0"
tags="osusergo,grpcnotrace"
version_pkg="github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"

dynamic_launcher_src="$repo/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
# PulumiPolicy.yaml runtime name that routes a policy pack to the analyzer shim below (the v3.68.0
# language host cannot run policy packs itself).
policy_runtime="nodejspolicy"
policy_shim_name="pulumi-analyzer-policy-$policy_runtime"

if [[ ! -f "$dynamic_launcher_src" ]]; then
  echo "build-pulumi-cli: $dynamic_launcher_src is missing; run 'npm ci' first" >&2
  exit 1
fi

# Everything that decides the output goes into the stamp: the four module files, this script (build
# flags, shim text) and the dynamic-provider launcher shipped in node_modules.
key="$(
  {
    echo "pulumi=$pulumi_version host-sdk=$host_sdk_version tags=$tags"
    cat "$cli_mod/go.mod" "$cli_mod/go.sum" "$host_mod/go.mod" "$host_mod/go.sum" \
      "${BASH_SOURCE[0]}" "$dynamic_launcher_src"
  } | sha256sum | cut -d' ' -f1
)"
want="pulumi $pulumi_version host-sdk $host_sdk_version sha256 $key"

if [[ -x "$bin/pulumi" && -x "$bin/pulumi-language-nodejs" && -x "$bin/pulumi-resource-pulumi-nodejs" &&
  -x "$shims/$policy_shim_name" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "build-pulumi-cli: up to date (pulumi $pulumi_version in .pulumi-cli/bin)"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build-pulumi-cli: the go command is not on PATH" >&2
  exit 1
fi
if ! grep -Eq "^[[:space:]]*github.com/pulumi/pulumi/sdk/v3 ${host_sdk_version}( |$)" "$host_mod/go.mod"; then
  echo "build-pulumi-cli: $host_mod/go.mod does not pin sdk/v3 $host_sdk_version" >&2
  exit 1
fi

mkdir -p "$out"
work="$(mktemp -d "$out/.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

export CGO_ENABLED=0
common=(-mod=readonly -buildvcs=false -trimpath -tags "$tags")

echo "build-pulumi-cli: building pulumi $pulumi_version (cold: several minutes, about 2 GB of Go caches)" >&2
go -C "$cli_mod" build "${common[@]}" \
  -ldflags "-s -w -X $version_pkg=$pulumi_version" \
  -o "$work/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

echo "build-pulumi-cli: building pulumi-language-nodejs (sdk/v3 $host_sdk_version)" >&2
go -C "$host_mod" build "${common[@]}" \
  -ldflags "-s -w -X $version_pkg=$host_sdk_version" \
  -o "$work/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs

cp "$dynamic_launcher_src" "$work/pulumi-resource-pulumi-nodejs"
chmod 0755 "$work/pulumi-resource-pulumi-nodejs"

# Analyzer shim for policy packs whose PulumiPolicy.yaml says `runtime: nodejspolicy`. The engine runs
# it in the policy pack's directory as: <shim> <engine-address> . [-option=value ...]. Kept out of
# bin/ (install it into PULUMI_HOME with `pulumi plugin install analyzer policy-nodejspolicy 1.0.0
# --file ...`; found on PATH instead, the CLI warns on every run).
cat >"$work/$policy_shim_name" <<'EOF'
#!/bin/sh
# Runs a Node policy pack: resolves @pulumi/pulumi/cmd/run-policy-pack from the pack's directory.
run_policy_pack="$(node -e "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))")" || exit 1
exec node "$run_policy_pack" "$@"
EOF
chmod 0755 "$work/$policy_shim_name"

got="$("$work/pulumi" version)"
if [[ "$got" != "$pulumi_version" ]]; then
  echo "build-pulumi-cli: built pulumi reports '$got', expected $pulumi_version" >&2
  exit 1
fi

mkdir -p "$bin" "$shims"
rm -f "$stamp"
mv -f "$work/pulumi" "$work/pulumi-language-nodejs" "$work/pulumi-resource-pulumi-nodejs" "$bin/"
mv -f "$work/$policy_shim_name" "$shims/"
echo "$want" >"$stamp"
echo "build-pulumi-cli: built pulumi $pulumi_version into .pulumi-cli/bin"
