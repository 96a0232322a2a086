#!/usr/bin/env bash
# Re-extracts the fragment from MongoDB's published spec and re-embeds that
# spec, in a temporary copy of the work tree; reports what changed; and brings
# the new fragment, embedded spec and generated code back together only when
# the build, the tests and the contract run pass in that copy. Run it through
# `make spec-update`.
#
# usage: openapi/spec-update.sh [UPSTREAM]   (without UPSTREAM: download UPSTREAM_URL;
# UPSTREAM is YAML as published, possibly gzip: a JSON copy is refused)
# environment: ACCEPT_BREAKING=1 goes on past a breaking change; REPORT_ONLY=1
# stops after the report, changing nothing; SPEC_REPORT=FILE writes the
# Markdown change report there too; GO, OASDIFF, APIDIFF (tools as
# pkg@version), OPERATION and OPERATION_OVERRIDE (its operationId and
# x-xgen-operation-id-override), NAMED_AFTER (the field generated names come
# from), UPSTREAM_URL.
# exit status: 0 updated, nothing to update, or reported (REPORT_ONLY=1);
# 1 stopped on a breaking change (ACCEPT_BREAKING=1 too, when the rename of
# the name the generated code follows makes generation fail, as it must;
# docs/spec-update.md); 2, or the failing step's status when it
# is above 1, a failed step. Unless it updated, the work tree is left as it
# was.
set -Eeuo pipefail
# A step that fails ends the script with its status, or 2 for a step that
# exits 1 (go install, go build, apidiff -w…), which would otherwise pass
# for a breaking change: only the `exit 1` below, on one, exits 1.
# The trap acts in the script's own shell only: set -E hands it to command
# substitutions and subshells too, where a command that fails is the
# script's to handle (an empty $(grep …)), not a failed step.
# shellcheck disable=SC2154 # status is assigned in the trap itself
trap 'status=$?; if [ "$BASH_SUBSHELL" -eq 0 ]; then echo "spec-update: line $LINENO: a step failed (status $status); the work tree is left as it is" >&2; exit $((status > 1 ? status : 2)); fi' ERR

go=${GO:-go}
op=${OPERATION:-deferGroupMaintenanceWindow}
repo=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
report=${SPEC_REPORT:-$tmp/report.md}
: >"$report"
say() { printf '%s\n' "$@" | tee -a "$report"; }
# published is where the embedded spec lives: the YAML as published and the
# JSON form the openapi package loads (openapi/internal/publishedgen).
published=openapi/upstream

up=${1:-}
if [ -z "$up" ]; then
	up=$tmp/upstream.yaml
	echo "downloading $UPSTREAM_URL"
	curl -fsSL --retry 2 -o "$up" "$UPSTREAM_URL"
fi
if [ ! -f "$up" ]; then
	echo "spec-update: $up: no such file (UPSTREAM is a copy of MongoDB's published spec, YAML, possibly gzip)" >&2
	exit 2
fi
up=$(realpath "$up")
# The embedded spec is the YAML as MongoDB publishes it (its SHA-256 is the
# fragment's upstreamSha256), and the fragment keeps the upstream's style:
# a JSON copy, which extract would read, would embed JSON as v2.yaml.gz and
# write a flow-style fragment. JSON starts with { or [ (after blanks); YAML
# as published starts with a key or a comment.
first=$(gzip -cdf -- "$up" 2>/dev/null | LC_ALL=C awk '{ sub(/^[ \t\r]+/, "") } $0 != "" { print substr($0, 1, 1); exit }') || true
case $first in
'{' | '[')
	echo "spec-update: $up: JSON (it starts with { or [), not YAML (UPSTREAM is a copy of MongoDB's published spec, openapi/v2.yaml: YAML, possibly gzip; the embedded spec is that YAML as published)" >&2
	exit 2
	;;
esac

echo "== 1/5 copy the work tree and build the tools"
mkdir -p "$tmp/new" "$tmp/bin" "$tmp/old"
git ls-files -z --cached --others --exclude-standard |
	tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$tmp/new"
git ls-files -z --cached --others --exclude-standard -- openapi/fragment.yaml "$published" gen |
	tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$tmp/old"
for tool in "${OASDIFF:?}" "${APIDIFF:?}"; do GOBIN=$tmp/bin "$go" install "$tool"; done
"$go" build -o "$tmp/bin/contractcheck" ./cmd/contractcheck
# The Go API of package gen, and of the generated package whose types gen
# exports as aliases: apidiff does not look through an alias, so a field or
# accessor removed from an aliased type (rsp.JSON404) shows only there.
"$tmp/bin/apidiff" -w "$tmp/gen.api" ./gen
# The names gen exports that way, as the generated package names them, one a
# line (`type APIError = oapi.APIError`, alone or in a type block); none once
# the models are declared in gen itself, whose own comparison then covers them.
: >"$tmp/aliased"
if [ -d gen/internal/oapi ]; then
	"$tmp/bin/apidiff" -allow-internal -w "$tmp/oapi.api" ./gen/internal/oapi
	find gen -maxdepth 1 -name '*.go' ! -name '*_test.go' -exec grep -ohE \
		'^[[:space:]]*(type[[:space:]]+)?[A-Z][A-Za-z0-9_]*[[:space:]]*=[[:space:]]*oapi\.[A-Z][A-Za-z0-9_]*' {} + |
		sed -E 's/.*oapi\.//' | sort -u >"$tmp/aliased" || true
fi

echo "== 2/5 extract, embed and regenerate in the copy"
cd "$tmp/new"
# The operation by its operationId or, once upstream renamed that, by its
# x-xgen-operation-id-override, so that a rename is reported, not fatal.
for name in "$op" "${OPERATION_OVERRIDE:?}"; do
	if "$tmp/bin/contractcheck" extract --from "$up" --operation "$name" --overlay openapi/errata.overlay.yaml -o openapi/fragment.yaml; then
		break
	fi
	[ "$name" = "$op" ] || exit 2
done
"$go" run ./openapi/internal/publishedgen -upstream "$up" -summary "$published" >"$tmp/published.md"
generated=0
"$go" generate ./gen/... 2>"$tmp/generate.log" || generated=$?
cat "$tmp/generate.log" >&2

# The files an update would bring back: the fragment, the embedded spec and
# the generated code, those that changed, added or removed.
changed=()
while IFS= read -r f; do
	if [ ! -e "$f" ] || [ ! -e "$tmp/old/$f" ] || ! cmp -s "$f" "$tmp/old/$f"; then
		changed+=("$f")
	fi
done < <({ printf '%s\n' openapi/fragment.yaml "$published/v2.yaml.gz" "$published/v2.json.gz"
	find gen -name '*.gen.go'; (cd "$tmp/old" && find gen -name '*.gen.go'); } | sort -u)
if [ ${#changed[@]} -eq 0 ]; then
	say "spec-update: nothing changed (the same published spec gives the same fragment and code); the work tree is left as it is"
	exit 0
fi

echo "== 3/5 what changed"
say "## Spec update: MongoDB's published Atlas Administration API v2" ""
say "Upstream: \`$(grep -E '^ *upstreamXgenSha:' openapi/fragment.yaml | awk '{print $2}')\` (x-xgen-sha)," \
	"SHA-256 \`$(grep -E '^ *upstreamSha256:' openapi/fragment.yaml | awk '{print $2}')\`." ""
say "### The published spec (embedded: \`openapi.LoadAtlas\`)" ""
tee -a "$report" <"$tmp/published.md"
say "" "### \`$op\` (oasdiff $("$tmp/bin/oasdiff" --version | awk '{print $3}'))" ""
# oasdiff-levels.txt raises a removed error status to ERR (oasdiff's default is
# INFO): recordings of it would fail the contract run and its Go accessors go.
rc=0
"$tmp/bin/oasdiff" changelog --fail-on ERR --format markdown --allow-external-refs=false --severity-levels openapi/oasdiff-levels.txt \
	"$tmp/old/openapi/fragment.yaml" openapi/fragment.yaml | tee -a "$report" || rc=$?
breaking=()
case $rc in
0) ;;
1) breaking+=("oasdiff: a breaking change in the operation") ;;
*) exit "$rc" ;;
esac
# oasdiff weighs what the operation means; the diff shows every change of the
# fragment, a description's included (oasdiff then says only "No changes to
# report, but the specs are different").
say "" "### The fragment (\`openapi/fragment.yaml\`)" ""
fragment_diff=$(diff -u --label old/openapi/fragment.yaml --label new/openapi/fragment.yaml \
	"$tmp/old/openapi/fragment.yaml" openapi/fragment.yaml || true)
if [ -z "$fragment_diff" ]; then
	say "unchanged"
else
	say '```diff' "$fragment_diff" '```'
fi
say "" "### Names and generated code (contractcheck diff)" "" '```'
gen=(--old-gen old/gen --new-gen new/gen)
[ "$generated" = 0 ] || gen=()
renamed=0
rc=0
(cd "$tmp" && "$tmp/bin/contractcheck" diff --fail-on breaking --named-after "${NAMED_AFTER:-operationId}" "${gen[@]}" \
	old/openapi/fragment.yaml new/openapi/fragment.yaml) | tee -a "$report" || rc=$?
case $rc in
0) ;;
1)
	breaking+=("contractcheck diff: the name the generated methods come from changed")
	renamed=1
	;;
*) exit "$rc" ;;
esac
say '```' ""
if [ "$generated" != 0 ] && [ "$renamed" = 0 ]; then
	say "spec-update: make generate fails on the new fragment (status $generated); the work tree is left as it is"
	exit 2
fi
if [ "$generated" != 0 ]; then
	# By design (docs/client.md, Names): gen/oapi-names.overlay.yaml matches
	# the operation by the name the generated names follow, strictly, so a
	# rename of it fails generation until a maintainer decides the Go names.
	say "### Generated code" "" \
		"\`go generate ./gen/...\` fails on the new fragment (status $generated), as it must after the rename above:" \
		"the generated names follow ${NAMED_AFTER:-operationId}, which \`gen/oapi-names.overlay.yaml\` matches strictly" \
		"(docs/client.md, Names), so there is no new client to compare, build or bring back." "" '```'
	say "$(tail -n 20 "$tmp/generate.log")" '```' ""
	say "To go on: in \`gen/oapi-names.overlay.yaml\`, make the action's filter match the new name and decide the Go" \
		"names (its \`update\` keeps the old ones, or takes the new name: a breaking change for importers);" \
		"set \`OPERATION_OVERRIDE\` in the Makefile to the new override; then run \`make spec-update ACCEPT_BREAKING=1\`" \
		"again (the rename stays a breaking change to \`contractcheck diff\`, whichever Go names you keep)." ""
	breaking+=("go generate: fails on the new fragment after the rename (gen/oapi-names.overlay.yaml)")
else
		say "### Go API for importers (apidiff)" "" "Package \`gen\`:" "" '```'
	rc=0
	api=$("$tmp/bin/apidiff" "$tmp/gen.api" ./gen 2>&1) || rc=$?
	say "${api:-no API change}" '```' ""
	if [ "$rc" != 0 ]; then
		breaking+=("apidiff: package gen does not load with the new generated code")
	elif grep -q '^Incompatible changes:' <<<"$api"; then
		breaking+=("apidiff: an incompatible change in the Go API of package gen")
	fi
	if [ -s "$tmp/aliased" ]; then
		say "The types of \`gen/internal/oapi\` that \`gen\` exports as aliases ($(paste -sd, "$tmp/aliased" | sed 's/,/, /g')):" "" '```'
		rc=0
		oapi=$("$tmp/bin/apidiff" -allow-internal "$tmp/oapi.api" ./gen/internal/oapi 2>&1) || rc=$?
		aliased_api=$(awk -v list="$tmp/aliased" -f openapi/aliased-changes.awk <<<"$oapi")
		if [ "$rc" != 0 ]; then
			say "$oapi" '```' ""
			breaking+=("apidiff: package gen/internal/oapi does not load with the new generated code")
		elif [ -n "$aliased_api" ]; then
			say "Incompatible changes:" "$aliased_api" '```' ""
			breaking+=("apidiff: an incompatible change in a type that gen exports")
		else
			say "no incompatible change" '```' ""
		fi
	fi
fi
say "### Files" "" "${changed[@]/#/- }" ""
if [ ${#breaking[@]} -gt 0 ]; then
	say "**Breaking:**" "${breaking[@]/#/- }"
	if [ "${ACCEPT_BREAKING:-}" != 1 ] && [ "$generated" = 0 ]; then
		say "spec-update: stopped on a breaking change; the work tree is left as it is (ACCEPT_BREAKING=1 goes on)"
		exit 1
	fi
	if [ "${ACCEPT_BREAKING:-}" != 1 ]; then
		say "spec-update: stopped on a breaking change; the work tree is left as it is (ACCEPT_BREAKING=1 cannot go on" \
			"until the names overlay matches the new fragment: see Generated code above)"
		exit 1
	fi
	if [ "$generated" != 0 ]; then
		say "spec-update: ACCEPT_BREAKING=1 cannot go on: \`go generate ./gen/...\` fails on the new fragment, and an update" \
			"brings back no fragment without the client generated from it; the work tree is left as it is (see Generated code above)"
		exit 1
	fi
fi
if [ "${REPORT_ONLY:-}" = 1 ]; then
	say "spec-update: reported only (REPORT_ONLY=1); the work tree is left as it is"
	exit 0
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
# As in the tree after the update: the tests read the published spec the
# copy holds (ATLAS_UPSTREAM_SPEC would name another).
verify env -u ATLAS_UPSTREAM_SPEC "$go" test -short ./...
say "The build, the contract run on the shipped recordings and \`go test -short ./...\` pass with the new fragment."

echo "== 5/5 bring the changed files back"
for f in "${changed[@]}"; do
	[ -e "$f" ] || continue
	mkdir -p "$(dirname "$repo/$f")"
	cp "$f" "$repo/$f.spec-update"
done
cd "$repo"
for f in "${changed[@]}"; do
	if [ -e "$tmp/new/$f" ]; then
		mv -f "$f.spec-update" "$f"
	else
		rm -f "$f"
	fi
done
echo "spec-update: updated ${changed[*]}; review 'git diff' and commit"
