#!/usr/bin/env bash
# Re-extracts the fragment from an upstream spec in a temporary copy of the
# work tree, reports what changed, and brings the new fragment and generated
# code back together only when the build, the tests and the contract run pass
# in that copy. Run it through `make spec-update`.
#
# usage: openapi/spec-update.sh [UPSTREAM]   (without UPSTREAM: download UPSTREAM_URL)
# environment: ACCEPT_BREAKING=1 goes on past a breaking change; SPEC_REPORT=FILE
# writes the Markdown change report there too; GO, OASDIFF, APIDIFF (tools as
# pkg@version), OPERATION and OPERATION_OVERRIDE (its operationId and
# x-xgen-operation-id-override), NAMED_AFTER (the field generated names come
# from), UPSTREAM_URL.
# exit status: 0 updated or nothing to update, 1 stopped on a breaking change,
# anything else a failed step (the work tree is left as it was).
set -euo pipefail

go=${GO:-go}
op=${OPERATION:-deferGroupMaintenanceWindow}
repo=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
report=${SPEC_REPORT:-$tmp/newrt.md}
: >"$report"
say() { printf '%s\n' "$@" | tee -a "$report"; }

up=${1:-}
if [ -z "$up" ]; then
	up=$tmp/upstream.yaml
	echo "downloading $UPSTREAM_URL"
	curl -fsSL --retry 2 -o "$up" "$UPSTREAM_URL"
fi
up=$(realpath "$up")

echo "== 1/5 copy the work tree and build the tools"
mkdir -p "$tmp/new" "$tmp/bin" "$tmp/old/openapi"
git ls-files -z --cached --others --exclude-standard |
	tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$tmp/new"
cp openapi/fragment.yaml "$tmp/old/openapi/"
cp -r gen "$tmp/old/gen"
for tool in "${OASDIFF:?}" "${APIDIFF:?}"; do GOBIN=$tmp/bin "$go" install "$tool"; done
"$go" build -o "$tmp/bin/contractcheck" ./cmd/contractcheck
"$tmp/bin/apidiff" -w "$tmp/gen.api" ./gen

echo "== 2/5 extract and regenerate in the copy"
cd "$tmp/new"
# The operation by its operationId or, once upstream renamed that, by its
# x-xgen-operation-id-override, so that a rename is reported, not fatal.
for name in "$op" "${OPERATION_OVERRIDE:?}"; do
	if "$tmp/bin/contractcheck" extract --from "$up" --operation "$name" --overlay openapi/errata.overlay.yaml -o openapi/fragment.yaml; then
		break
	fi
	[ "$name" = "$op" ] || exit 2
done
generated=0
"$go" generate ./gen/... || generated=$?
provenance='^ *(x-xgen-sha|upstreamSha256|upstreamXgenSha):'
if diff -q <(grep -Ev "$provenance" ../old/openapi/fragment.yaml) <(grep -Ev "$provenance" openapi/fragment.yaml) >/dev/null; then
	say "spec-update: nothing changed for $op (the upstream's other operations may have); the work tree is left as it is"
	exit 0
fi

echo "== 3/5 what changed"
say "## Spec update for \`$op\`"
say "" "Upstream: \`$(grep -E '^ *upstreamXgenSha:' openapi/fragment.yaml | awk '{print $2}')\` (x-xgen-sha)." ""
say "### The operation (oasdiff $("$tmp/bin/oasdiff" --version | awk '{print $3}'))" ""
# oasdiff-levels.txt raises a removed error status to ERR (oasdiff's default is
# INFO): recordings of it would fail the contract run and its Go accessors go.
rc=0
"$tmp/bin/oasdiff" changelog --fail-on ERR --format markdown --allow-external-refs=false --severity-levels openapi/oasdiff-levels.txt \
	../old/openapi/fragment.yaml openapi/fragment.yaml | tee -a "$report" || rc=$?
breaking=()
case $rc in
0) ;;
1) breaking+=("oasdiff: a breaking change in the operation") ;;
*) exit "$rc" ;;
esac
say "" "### Names and generated code (contractcheck diff)" "" '```'
gen=(--old-gen old/gen --new-gen new/gen)
[ "$generated" = 0 ] || gen=()
rc=0
(cd "$tmp" && "$tmp/bin/contractcheck" diff --fail-on breaking --named-after "${NAMED_AFTER:-operationId}" "${gen[@]}" \
	old/openapi/fragment.yaml new/openapi/fragment.yaml) | tee -a "$report" || rc=$?
case $rc in
0) ;;
1) breaking+=("contractcheck diff: the name the generated methods come from changed") ;;
*) exit "$rc" ;;
esac
if [ "$generated" != 0 ]; then
	say '```' "" "spec-update: make generate fails on the new fragment; the work tree is left as it is"
	exit "$generated"
fi
say '```' "" "### Go API of package gen (apidiff)" "" '```'
rc=0
api=$("$tmp/bin/apidiff" "$tmp/gen.api" ./gen 2>&1) || rc=$?
say "${api:-no API change}" '```' ""
if [ "$rc" != 0 ]; then
	breaking+=("apidiff: package gen does not load with the new generated code")
elif grep -q '^Incompatible changes:' <<<"$api"; then
	breaking+=("apidiff: an incompatible change in the Go API of package gen")
fi
if [ ${#breaking[@]} -gt 0 ]; then
	say "**Breaking:**" "${breaking[@]/#/- }"
	if [ "${ACCEPT_BREAKING:-}" != 1 ]; then
		say "spec-update: stopped on a breaking change; the work tree is left as it is (ACCEPT_BREAKING=1 goes on)"
		exit 1
	fi
fi

echo "== 4/5 build, contract run and tests in the copy"
verify() {
	"$@" || {
		say "" "spec-update: \`$*\` fails with the new fragment; the work tree is left as it is"
		exit 2
	}
}
verify "$go" build ./...
verify "$go" run ./cmd/contractcheck check --shipped --require-coverage
verify "$go" test -short ./...
say "The build, the contract run on the shipped recordings and \`go test -short ./...\` pass with the new fragment."

echo "== 5/5 bring the fragment and the generated code back"
mapfile -t files < <(printf '%s\n' openapi/fragment.yaml && find gen -name '*.gen.go')
for f in "${files[@]}"; do
	mkdir -p "$(dirname "$repo/$f")"
	cp "$f" "$repo/$f.spec-update"
done
cd "$repo"
for f in "${files[@]}"; do mv -f "$f.spec-update" "$f"; done
find gen -name '*.gen.go' | while read -r f; do
	[ -e "$tmp/new/$f" ] || rm -f "$f"
done
echo "spec-update: updated ${files[*]}; review 'git diff' and commit"
