#!/usr/bin/env bash
# Build the tools the Pulumi + Kubernetes e2e harness needs, from Go modules
# fetched through the Go module proxy, into a per-version cache outside the repo.
#
#   e2e/tools/build-tools.sh [pulumi] [kubernetes-provider] [kubernetes] [etcd] [kwok] [yaml]
#   (no argument = all six groups)
#
# Cache layout (each group is skipped when its bin/ and .complete stamp exist):
#   $CACHE/pulumi-$PULUMI_VERSION/bin/{pulumi,pulumi-language-python,
#                                      pulumi-language-python-exec,pulumi-resource-pulumi-python}
#   $CACHE/pulumi-kubernetes-$PULUMI_KUBERNETES_VERSION/bin/pulumi-resource-kubernetes
#   $CACHE/kubernetes-$KUBERNETES_VERSION/bin/{kube-apiserver,kube-controller-manager,kube-scheduler}
#   $CACHE/etcd-$ETCD_VERSION/bin/etcd
#   $CACHE/kwok-$KWOK_VERSION/bin/kwok, stages.yaml   (simulated nodes and pod lifecycles)
#   $CACHE/pulumi-yaml-$PULUMI_YAML_VERSION/bin/pulumi-language-yaml   (Pulumi YAML programs)
#   each with a BUILD-INFO file naming the exact module versions that were built.
# where CACHE=${FATE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fate-iac/tools}
#
# Environment (defaults in brackets):
#   PULUMI_VERSION [3.272.0]            version of the pinned `pulumi` Python SDK; the
#                                        helper scripts come from sdk/v3@v$PULUMI_VERSION
#   PULUMI_CLI_VERSION [=PULUMI_VERSION] pkg/v3 version the CLI is built from; if the
#                                        proxy refuses it, the lowest newer v3 it serves
#                                        is used (a warning says so)
#   PULUMI_LANGUAGE_PYTHON_MODULE [auto] "<module>@<version>" holding the main package
#                                        pulumi-language-python (see build_pulumi)
#   PULUMI_KUBERNETES_VERSION [4.34.2]  plugin version the harness installs it as
#   PULUMI_KUBERNETES_PROVIDER_MODULE_VERSION [v4.0.0-20260115033456-f47bc2d6f199]
#                                        github.com/pulumi/pulumi-kubernetes/provider/v4 version
#   KUBERNETES_VERSION [1.37.2]         k8s.io/kubernetes (staging modules at v0.<minor>.<patch>)
#   ETCD_VERSION [3.6.16]               go.etcd.io/etcd/server/v3
#   KWOK_VERSION [0.8.0]                sigs.k8s.io/kwok (cmd/kwok)
#   PULUMI_YAML_VERSION [1.38.1]        github.com/pulumi/pulumi-yaml (cmd/pulumi-language-yaml)
#   GOTOOLCHAIN [local]  GOMODCACHE/GOCACHE [go defaults]  BUILD_JOBS [go default -p]
#
# What the module proxy reachable here serves (checked 2026-11): pkg/v3 v3.271.0-v3.273.0 are
# refused (403), so the CLI comes from v3.274.0; the standalone pulumi-language-python/v3 module
# is not served at all, so the language host comes from sdk/v3@v3.79.0, the last release that
# carried it. That older host ignores Pulumi.yaml's runtime options (virtualenv, toolchain):
# point it at the right interpreter with PULUMI_PYTHON_CMD=<venv>/bin/python (or PATH).
# pulumi-kubernetes/provider/v4 is served only at v4.0.0-20260115033456-f47bc2d6f199.
# The proxy lists pulumi-yaml at v1.11.1 and v1.25.0 only, but serves v1.38.1 when asked
# for it by version (v1.26.2 is refused). v1.38.1 it is: the YAML language host implements
# the Link step `pulumi package add` ends with since v1.26.2 (v1.25.0 answers "method Link
# not implemented", after generating the SDK and before writing the program's `packages:`
# entry). It is built against the pkg/v3 version its go.mod names (v3.255.0); it speaks
# the same plugin protocol as the CLI built here.
# Cold build on 2 cores: ~31-42 min (pulumi 8-13, provider 12-16, kubernetes 10-13, etcd 1,
# yaml 4).
set -euo pipefail

PULUMI_VERSION=${PULUMI_VERSION:-3.272.0}
PULUMI_CLI_VERSION=${PULUMI_CLI_VERSION:-$PULUMI_VERSION}
PULUMI_LANGUAGE_PYTHON_MODULE=${PULUMI_LANGUAGE_PYTHON_MODULE:-auto}
PULUMI_KUBERNETES_VERSION=${PULUMI_KUBERNETES_VERSION:-4.34.2}
PULUMI_KUBERNETES_PROVIDER_MODULE_VERSION=${PULUMI_KUBERNETES_PROVIDER_MODULE_VERSION:-v4.0.0-20260115033456-f47bc2d6f199}
KUBERNETES_VERSION=${KUBERNETES_VERSION:-1.37.2}
ETCD_VERSION=${ETCD_VERSION:-3.6.16}
KWOK_VERSION=${KWOK_VERSION:-0.8.0}
PULUMI_YAML_VERSION=${PULUMI_YAML_VERSION:-1.38.1}
# Strip a leading "v" the user may have given.
PULUMI_VERSION=${PULUMI_VERSION#v}; PULUMI_CLI_VERSION=${PULUMI_CLI_VERSION#v}
PULUMI_KUBERNETES_VERSION=${PULUMI_KUBERNETES_VERSION#v}
KUBERNETES_VERSION=${KUBERNETES_VERSION#v}; ETCD_VERSION=${ETCD_VERSION#v}; KWOK_VERSION=${KWOK_VERSION#v}
PULUMI_YAML_VERSION=${PULUMI_YAML_VERSION#v}

CACHE=${FATE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fate-iac/tools}
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
export GOFLAGS=-mod=mod
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
export CGO_ENABLED=${CGO_ENABLED:-0}
GO_P=()
[ -n "${BUILD_JOBS:-}" ] && GO_P=(-p "$BUILD_JOBS")

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PULUMI_SDK=github.com/pulumi/pulumi/sdk/v3
PULUMI_PKG=github.com/pulumi/pulumi/pkg/v3
PULUMI_LANGPY=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
K8S_PROVIDER=github.com/pulumi/pulumi-kubernetes/provider/v4

log() { printf '[build-tools %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
GO_MINOR_VERSION=$("$GO" env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+(\.[0-9]+)?).*/\1/')

# group_done DIR BIN...: true when DIR/.complete exists and every BIN is executable.
group_done() {
	local dir=$1; shift
	[ -f "$dir/.complete" ] || return 1
	local b; for b in "$@"; do [ -x "$dir/bin/$b" ] || return 1; done
}

# mod_json MODULE@VERSION: `go mod download -json` (also fills the module cache).
mod_json() { (cd "$WORK" && "$GO" mod download -json "$1"); }
# json_field FIELD: read one top-level string field of a JSON object on stdin.
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1]) or "")' "$1"; }

# new_wrapper DIR MODULE VERSION: a throwaway main module that requires MODULE@VERSION
# and copies MODULE's non-relative replace directives (`go install m@v` refuses
# modules with replace directives, so we build from a wrapper instead).
new_wrapper() {
	local dir=$1 mod=$2 ver=$3 gomod
	mkdir -p "$dir"
	gomod=$(mod_json "$mod@$ver" | json_field GoMod)
	[ -f "$gomod" ] || die "cannot download $mod@$ver"
	(
		cd "$dir"
		printf 'module fate-iac/e2e-tools/wrapper\n\ngo %s\n' "$GO_MINOR_VERSION" >go.mod
		"$GO" mod edit -require="$mod@$ver"
		"$GO" mod edit -json "$gomod" | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    new = r["New"]
    if not new.get("Version"):        # relative/local path replace: drop it
        continue
    old = r["Old"]["Path"] + ("@" + r["Old"]["Version"] if r["Old"].get("Version") else "")
    print("-replace=%s=%s@%s" % (old, new["Path"], new["Version"]))
' | while read -r flag; do "$GO" mod edit "$flag"; done
	)
}

# go_build WRAPPERDIR OUT LDFLAGS PKG...   (OUT: a file, or a directory ending in /)
go_build() {
	local dir=$1 out=$2 ldf=$3; shift 3
	(cd "$dir" && "$GO" build "${GO_P[@]}" -trimpath -ldflags "-s -w $ldf" -o "$out" "$@")
}

# finish_group TMPDIR FINALDIR: atomically move a freshly built group into place.
finish_group() {
	local tmp=$1 final=$2
	date -u +%Y-%m-%dT%H:%M:%SZ >"$tmp/.complete"
	rm -rf "$final.old"; [ -e "$final" ] && mv "$final" "$final.old"
	mv "$tmp" "$final"; rm -rf "$final.old"
}

TIMES=() FAILED=()
timed() { # timed NAME FUNC: run FUNC in a subshell; a failure is recorded, the others still run
	local start=$SECONDS rc
	set +e; (set -e; "$2"); rc=$?; set -e
	if [ $rc -eq 0 ]; then TIMES+=("$1: $((SECONDS - start))s")
	else TIMES+=("$1: FAILED after $((SECONDS - start))s"); FAILED+=("$1"); fi
}

# --------------------------------------------------------------------------- pulumi
PULUMI_DIR=$CACHE/pulumi-$PULUMI_VERSION
PULUMI_BIN_DIR=$PULUMI_DIR/bin
PULUMI_BINS=(pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python)

# A pulumi of exactly $PULUMI_VERSION already on PATH, with its language host beside it, is reused.
PULUMI_REUSED=""
if have=$(command -v pulumi 2>/dev/null) && [ "$(pulumi version 2>/dev/null)" = "v$PULUMI_VERSION" ] \
	&& [ -x "$(dirname "$have")/pulumi-language-python" ]; then
	PULUMI_BIN_DIR=$(dirname "$have"); PULUMI_REUSED=$have
fi

# The language host from $PULUMI_SDK@v3.79.0 predates the CLI's RunPlugin request (the CLI
# names the plugin in `info` where that host reads `program`): without this patch it runs
# the project's program instead of a Python policy pack. Its id is in BUILD-INFO, so a cached
# host without it is rebuilt.
LANGPY_PATCH=$HERE/patches/language-python-v3.79.0-run-plugin-info.patch
LANGPY_PATCH_ID=run-plugin-info-1

# build_language_host BINDIR CLI_VERSION: pulumi-language-python into BINDIR; writes the
# BUILD-INFO lines that say what it was built from to $WORK/langpy-info.
build_language_host() {
	local bindir=$1 cli=$2 lp_mod lp_ver lp_pkg hash w=$WORK/pulumi-langpy patched=""
	# Its own module (…/sdk/python/cmd/pulumi-language-python/v3) has no version tags: use the
	# pseudo-version of the commit behind the CLI's tag. When that cannot be resolved (the
	# proxy gives no commit hash, or refuses the module), fall back to the newest $PULUMI_SDK
	# release that still carried the language host in-module.
	if [ "$PULUMI_LANGUAGE_PYTHON_MODULE" = auto ]; then
		hash=$(cd "$WORK" && "$GO" list -m -json "$PULUMI_PKG@v$cli" 2>/dev/null \
			| python3 -c 'import json,sys; print((json.load(sys.stdin).get("Origin") or {}).get("Hash",""))' || true)
		lp_ver=""
		if [ -n "$hash" ]; then
			lp_ver=$(cd "$WORK" && "$GO" list -m -f '{{.Version}}' "$PULUMI_LANGPY@$hash" 2>/dev/null || true)
		fi
		if [ -n "$lp_ver" ]; then
			lp_mod=$PULUMI_LANGPY; lp_pkg=$PULUMI_LANGPY
		else
			lp_mod=$PULUMI_SDK; lp_ver=v3.79.0; lp_pkg=$PULUMI_SDK/python/cmd/pulumi-language-python
			log "pulumi: WARNING: $PULUMI_LANGPY at the commit of v$cli cannot be resolved through the proxy;"
			log "pulumi:          building pulumi-language-python from $PULUMI_SDK@$lp_ver (last release that contains it)"
		fi
	else
		lp_mod=${PULUMI_LANGUAGE_PYTHON_MODULE%@*}; lp_ver=${PULUMI_LANGUAGE_PYTHON_MODULE#*@}
		if [ "$lp_mod" = "$PULUMI_SDK" ]; then lp_pkg=$PULUMI_SDK/python/cmd/pulumi-language-python; else lp_pkg=$lp_mod; fi
	fi
	log "pulumi: building language host $lp_pkg ($lp_mod@$lp_ver)"
	rm -rf "$w"
	new_wrapper "$w" "$lp_mod" "$lp_ver"
	if [ "$lp_mod@$lp_ver" = "$PULUMI_SDK@v3.79.0" ]; then
		local src
		src=$(mod_json "$lp_mod@$lp_ver" | json_field Dir)
		cp -r "$src" "$w/src"; chmod -R u+w "$w/src"
		patch -s -p1 -d "$w/src" <"$LANGPY_PATCH" || die "cannot apply $LANGPY_PATCH"
		(cd "$w" && "$GO" mod edit -replace="$lp_mod=./src")
		patched=$LANGPY_PATCH_ID
		log "pulumi: language host patched ($patched: runs Python policy packs for this CLI)"
	fi
	local lp_stamp=$lp_ver
	[ "$lp_mod" = "$PULUMI_LANGPY" ] && lp_stamp=v$cli
	go_build "$w" "$bindir/pulumi-language-python" "-X $PULUMI_SDK/go/common/version.Version=$lp_stamp" "$lp_pkg"
	{
		printf 'language-python=%s@%s\n' "$lp_mod" "$lp_ver"
		[ -z "$patched" ] || printf 'language-python-patch=%s\n' "$patched"
	} >"$WORK/langpy-info"
}

# The cached host is current unless it is the v3.79.0 one without the patch.
language_host_current() {
	local info=$PULUMI_DIR/BUILD-INFO
	! grep -q "^language-python=$PULUMI_SDK@v3.79.0$" "$info" \
		|| grep -q "^language-python-patch=$LANGPY_PATCH_ID$" "$info"
}

build_pulumi() {
	if [ -n "$PULUMI_REUSED" ]; then
		log "pulumi: reusing v$PULUMI_VERSION already on PATH at $PULUMI_REUSED (pulumi-language-python beside it)"
		return 0
	fi
	if group_done "$PULUMI_DIR" "${PULUMI_BINS[@]}"; then
		if ! language_host_current; then
			log "pulumi: the cached language host lacks $LANGPY_PATCH_ID: rebuilding it"
			# Built aside, then renamed into place: another run using the cache never sees
			# half a binary.
			mkdir -p "$WORK/langpy-bin"
			build_language_host "$WORK/langpy-bin" "$(sed -n 's/^cli=.*@v//p' "$PULUMI_DIR/BUILD-INFO")"
			grep -v '^language-python' "$PULUMI_DIR/BUILD-INFO" >"$WORK/info"
			cat "$WORK/langpy-info" "$WORK/info" >"$WORK/BUILD-INFO"
			mv "$WORK/langpy-bin/pulumi-language-python" "$PULUMI_DIR/bin/pulumi-language-python"
			mv "$WORK/BUILD-INFO" "$PULUMI_DIR/BUILD-INFO"
		fi
		log "pulumi: cached in $PULUMI_DIR ($(cat "$PULUMI_DIR/BUILD-INFO" | tr '\n' ' '))"
		return 0
	fi
	local tmp=$WORK/pulumi-out cli=$PULUMI_CLI_VERSION
	mkdir -p "$tmp/bin"

	# 1. The CLI: github.com/pulumi/pulumi/pkg/v3/cmd/pulumi.
	if ! (cd "$WORK" && "$GO" mod download "$PULUMI_PKG@v$cli") >/dev/null 2>"$WORK/err"; then
		log "pulumi: the module proxy refuses $PULUMI_PKG@v$cli: $(tr '\n' ' ' <"$WORK/err")"
		local next
		next=$(cd "$WORK" && "$GO" list -m -versions "$PULUMI_PKG" | tr ' ' '\n' | grep -E '^v3\.[0-9]+\.[0-9]+$' \
			| python3 -c '
import sys
want = tuple(int(x) for x in sys.argv[1].split("."))
vs = sorted(tuple(int(x) for x in l.strip()[1:].split(".")) for l in sys.stdin if l.strip())
print(next((".".join(map(str, v)) for v in vs if v > want), ""))' "$cli")
		[ -n "$next" ] || die "no pulumi pkg/v3 version >= $cli is served"
		log "pulumi: WARNING: building the CLI from $PULUMI_PKG@v$next instead (lowest newer version served)"
		cli=$next
	fi
	log "pulumi: building CLI $PULUMI_PKG@v$cli"
	new_wrapper "$WORK/pulumi-cli" "$PULUMI_PKG" "v$cli"
	go_build "$WORK/pulumi-cli" "$tmp/bin/pulumi" "-X $PULUMI_SDK/go/common/version.Version=v$cli" "$PULUMI_PKG/cmd/pulumi"

	# 2. The Python language host.
	build_language_host "$tmp/bin" "$cli"

	# 3. Helper scripts, plain files in the sdk/v3 module of the pinned Python SDK version.
	local sdkdir
	sdkdir=$(mod_json "$PULUMI_SDK@v$PULUMI_VERSION" | json_field Dir)
	[ -d "$sdkdir/python" ] || die "cannot download $PULUMI_SDK@v$PULUMI_VERSION"
	install -m 0755 "$sdkdir/python/cmd/pulumi-language-python-exec" "$tmp/bin/"
	install -m 0755 "$sdkdir/python/dist/pulumi-resource-pulumi-python" "$tmp/bin/"

	{
		printf 'cli=%s@v%s\n' "$PULUMI_PKG" "$cli"
		cat "$WORK/langpy-info"
		printf 'helper-scripts=%s@v%s\n' "$PULUMI_SDK" "$PULUMI_VERSION"
	} >"$tmp/BUILD-INFO"
	finish_group "$tmp" "$PULUMI_DIR"
	log "pulumi: done -> $PULUMI_DIR/bin"
}

# --------------------------------------------------------------- kubernetes provider
KPROV_DIR=$CACHE/pulumi-kubernetes-$PULUMI_KUBERNETES_VERSION

build_kubernetes_provider() {
	if group_done "$KPROV_DIR" pulumi-resource-kubernetes; then
		log "kubernetes-provider: cached in $KPROV_DIR ($(tr '\n' ' ' <"$KPROV_DIR/BUILD-INFO"))"
		return 0
	fi
	local ver=$PULUMI_KUBERNETES_PROVIDER_MODULE_VERSION tmp=$WORK/kprov-out w=$WORK/kprov src
	mkdir -p "$tmp/bin"
	log "kubernetes-provider: building $K8S_PROVIDER@$ver as plugin version $PULUMI_KUBERNETES_VERSION"
	new_wrapper "$w" "$K8S_PROVIDER" "$ver"
	# cmd/pulumi-resource-kubernetes go:embeds schema-embed.json and terraform-mapping-embed.json,
	# generated (by its generate.go) from schema.json and terraform-mapping.json and not shipped in
	# the module: copy the module source somewhere writable, generate them there, build from it.
	src=$(mod_json "$K8S_PROVIDER@$ver" | json_field Dir)
	cp -r "$src" "$w/src"; chmod -R u+w "$w/src"
	(cd "$w" && "$GO" mod edit -replace="$K8S_PROVIDER=./src")
	mkdir -p "$w/gen"
	grep -v -E '^//(go:build| \+build) ignore' "$w/src/cmd/pulumi-resource-kubernetes/generate.go" >"$w/gen/main.go"
	rm "$w/src/cmd/pulumi-resource-kubernetes/generate.go"
	(cd "$w" && "$GO" build -trimpath -o "$WORK/kprov-gen" ./gen)
	(cd "$w/src/cmd/pulumi-resource-kubernetes" && VERSION=$PULUMI_KUBERNETES_VERSION "$WORK/kprov-gen")
	# The harness installs it as plugin version $PULUMI_KUBERNETES_VERSION (what the Python SDK
	# asks for; the engine warns when a plugin reports an older version than requested), so it
	# reports $PULUMI_KUBERNETES_VERSION, with the commit it was really built from as semver
	# build metadata (ignored in version comparisons) unless the module version is that release.
	local stamp=$PULUMI_KUBERNETES_VERSION
	[ "$ver" = "v$PULUMI_KUBERNETES_VERSION" ] || stamp+="+src.${ver##*-}"
	go_build "$w" "$tmp/bin/pulumi-resource-kubernetes" "-X $K8S_PROVIDER/pkg/version.Version=$stamp" "$K8S_PROVIDER/cmd/pulumi-resource-kubernetes"
	printf 'provider=%s@%s\nplugin-version=%s\nreported-version=%s\n' "$K8S_PROVIDER" "$ver" "$PULUMI_KUBERNETES_VERSION" "$stamp" >"$tmp/BUILD-INFO"
	finish_group "$tmp" "$KPROV_DIR"
	log "kubernetes-provider: done -> $KPROV_DIR/bin"
}

# ----------------------------------------------------------------------- kubernetes
K8S_DIR=$CACHE/kubernetes-$KUBERNETES_VERSION

build_kubernetes() {
	if group_done "$K8S_DIR" kube-apiserver kube-controller-manager kube-scheduler; then
		log "kubernetes: cached in $K8S_DIR"
		return 0
	fi
	local v=$KUBERNETES_VERSION tmp=$WORK/k8s-out w=$WORK/k8s gomod info major minor stage
	mkdir -p "$tmp/bin"
	major=${v%%.*}; minor=${v#*.}; minor=${minor%%.*}; stage=v0.${v#*.}
	log "kubernetes: building kube-apiserver, kube-controller-manager, kube-scheduler from k8s.io/kubernetes@v$v (staging $stage)"
	new_wrapper "$w" k8s.io/kubernetes "v$v"
	# k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with ./staging/...:
	# point each one at its published v0.<minor>.<patch> instead.
	gomod=$(mod_json "k8s.io/kubernetes@v$v" | json_field GoMod)
	"$GO" mod edit -json "$gomod" | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    if r["New"]["Path"].startswith("./staging/"):
        print(r["Old"]["Path"])' | while read -r m; do
		(cd "$w" && "$GO" mod edit -replace="$m=$m@$stage")
	done
	local date # commit time of the release, for a reproducible buildDate
	date=$(mod_json "k8s.io/kubernetes@v$v" | python3 -c '
import json, sys
print(json.load(open(json.load(sys.stdin)["Info"]))["Time"])')
	local ldf="" p
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ldf+=" -X $p.gitVersion=v$v -X $p.gitMajor=$major -X $p.gitMinor=$minor"
		ldf+=" -X $p.gitTreeState=clean -X $p.buildDate=$date -X $p.gitCommit=unknown"
	done
	go_build "$w" "$tmp/bin/" "$ldf" k8s.io/kubernetes/cmd/kube-apiserver \
		k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
	printf 'kubernetes=k8s.io/kubernetes@v%s\nstaging=%s\n' "$v" "$stage" >"$tmp/BUILD-INFO"
	finish_group "$tmp" "$K8S_DIR"
	log "kubernetes: done -> $K8S_DIR/bin"
}

# ----------------------------------------------------------------------------- etcd
ETCD_DIR=$CACHE/etcd-$ETCD_VERSION

build_etcd() {
	if group_done "$ETCD_DIR" etcd; then
		log "etcd: cached in $ETCD_DIR"
		return 0
	fi
	local tmp=$WORK/etcd-out w=$WORK/etcd
	mkdir -p "$tmp/bin"
	log "etcd: building go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
	# The etcd binary's main package is the server module's root (server/main.go).
	new_wrapper "$w" go.etcd.io/etcd/server/v3 "v$ETCD_VERSION"
	go_build "$w" "$tmp/bin/etcd" "-X go.etcd.io/etcd/api/v3/version.GitSHA=v$ETCD_VERSION" go.etcd.io/etcd/server/v3
	printf 'etcd=go.etcd.io/etcd/server/v3@v%s\n' "$ETCD_VERSION" >"$tmp/BUILD-INFO"
	finish_group "$tmp" "$ETCD_DIR"
	log "etcd: done -> $ETCD_DIR/bin"
}

# ----------------------------------------------------------------------------- kwok
KWOK_DIR=$CACHE/kwok-$KWOK_VERSION

build_kwok() {
	if group_done "$KWOK_DIR" kwok && [ -s "$KWOK_DIR/stages.yaml" ]; then
		log "kwok: cached in $KWOK_DIR"
		return 0
	fi
	local tmp=$WORK/kwok-out w=$WORK/kwok src stage
	mkdir -p "$tmp/bin"
	log "kwok: building sigs.k8s.io/kwok@v$KWOK_VERSION (cmd/kwok)"
	new_wrapper "$w" sigs.k8s.io/kwok "v$KWOK_VERSION"
	go_build "$w" "$tmp/bin/kwok" "-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
	# The kwok binary simulates nothing without Stage configs (kwokctl embeds the "fast"
	# ones): the same, from the same module: nodes become Ready and keep a lease, pods are
	# Running and Ready at once, a Job's pods complete.
	src=$(mod_json "sigs.k8s.io/kwok@v$KWOK_VERSION" | json_field Dir)
	for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
		pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
		[ -f "$src/kustomize/stage/$stage.yaml" ] || die "kwok: no stage $stage in $src"
		{ echo "---"; cat "$src/kustomize/stage/$stage.yaml"; } >>"$tmp/stages.yaml"
	done
	printf 'kwok=sigs.k8s.io/kwok@v%s\nstages=node-initialize,node-heartbeat-with-lease,pod-ready,pod-complete,pod-delete\n' \
		"$KWOK_VERSION" >"$tmp/BUILD-INFO"
	finish_group "$tmp" "$KWOK_DIR"
	log "kwok: done -> $KWOK_DIR/bin"
}

# ----------------------------------------------------------------------------- yaml
YAML_DIR=$CACHE/pulumi-yaml-$PULUMI_YAML_VERSION
PULUMI_YAML=github.com/pulumi/pulumi-yaml

build_yaml() {
	if group_done "$YAML_DIR" pulumi-language-yaml; then
		log "yaml: cached in $YAML_DIR"
		return 0
	fi
	local tmp=$WORK/yaml-out w=$WORK/yaml
	mkdir -p "$tmp/bin"
	log "yaml: building $PULUMI_YAML@v$PULUMI_YAML_VERSION (cmd/pulumi-language-yaml)"
	new_wrapper "$w" "$PULUMI_YAML" "v$PULUMI_YAML_VERSION"
	go_build "$w" "$tmp/bin/pulumi-language-yaml" "-X $PULUMI_YAML/pkg/version.Version=v$PULUMI_YAML_VERSION" \
		"$PULUMI_YAML/cmd/pulumi-language-yaml"
	printf 'yaml=%s@v%s\n' "$PULUMI_YAML" "$PULUMI_YAML_VERSION" >"$tmp/BUILD-INFO"
	finish_group "$tmp" "$YAML_DIR"
	log "yaml: done -> $YAML_DIR/bin"
}

# ----------------------------------------------------------------------------- main
GROUPS_WANTED=("$@")
[ ${#GROUPS_WANTED[@]} -gt 0 ] || GROUPS_WANTED=(pulumi kubernetes-provider kubernetes etcd kwok yaml)
TOTAL_START=$SECONDS
for g in "${GROUPS_WANTED[@]}"; do
	case $g in
	pulumi) timed pulumi build_pulumi ;;
	kubernetes-provider) timed kubernetes-provider build_kubernetes_provider ;;
	kubernetes) timed kubernetes build_kubernetes ;;
	etcd) timed etcd build_etcd ;;
	kwok) timed kwok build_kwok ;;
	yaml) timed yaml build_yaml ;;
	*) die "unknown group '$g' (pulumi, kubernetes-provider, kubernetes, etcd, kwok, yaml)" ;;
	esac
done

echo "== e2e tools (cache: $CACHE) =="
for t in "${TIMES[@]}"; do echo "time  $t"; done
echo "time  total: $((SECONDS - TOTAL_START))s"
for g in "${GROUPS_WANTED[@]}"; do
	case $g in
	pulumi) echo "PULUMI_BIN=$PULUMI_BIN_DIR" ;;
	kubernetes-provider) echo "PULUMI_KUBERNETES_BIN=$KPROV_DIR/bin" ;;
	kubernetes) echo "KUBERNETES_BIN=$K8S_DIR/bin" ;;
	etcd) echo "ETCD_BIN=$ETCD_DIR/bin" ;;
	kwok) echo "KWOK_BIN=$KWOK_DIR/bin" ;;
	yaml) echo "PULUMI_YAML_BIN=$YAML_DIR/bin" ;;
	esac
done
cat <<EOF
# Use (pulumi first on PATH: the CLI finds pulumi-language-python beside its own binary):
#   export PATH="$PULUMI_BIN_DIR:$K8S_DIR/bin:$ETCD_DIR/bin:\$PATH"
#   export PULUMI_HOME=\$(mktemp -d)   # isolated plugins/credentials
#   export PULUMI_CONFIG_PASSPHRASE=... PULUMI_BACKEND_URL=file://<dir>   # no Pulumi Cloud
#   export PULUMI_PYTHON_CMD=<venv>/bin/python   # see BUILD-INFO: a language host older than the CLI
#                                                # ignores Pulumi.yaml's runtime options (virtualenv, toolchain)
#   pulumi plugin install resource kubernetes $PULUMI_KUBERNETES_VERSION --file $KPROV_DIR/bin/pulumi-resource-kubernetes
EOF
if [ ${#FAILED[@]} -gt 0 ]; then
	log "FAILED: ${FAILED[*]} (see the errors above)"
	exit 1
fi
