# Reads `go test -bench -benchmem` output and prints, for every benchmark
# named .../floor, the ratio of each sibling benchmark to it, measured in the
# same run: ns/op and allocs/op.
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	ns = ""; allocs = ""
	for (i = 3; i < NF; i++) {
		if ($(i+1) == "ns/op") ns = $i
		if ($(i+1) == "allocs/op") allocs = $i
	}
	n = split(name, parts, "/"); leaf = parts[n]
	group = substr(name, 1, length(name) - length(leaf) - 1)
	order[++count] = name; grp[name] = group; nsv[name] = ns; al[name] = allocs
	if (leaf == "floor") { floorns[group] = ns; flooral[group] = allocs }
}
END {
	printed = 0
	for (i = 1; i <= count; i++) {
		name = order[i]; g = grp[name]
		if (!(g in floorns) || name == g "/floor") continue
		if (!printed) { printf "\n%-60s %12s %12s %14s\n", "benchmark vs its floor", "ns/op", "x floor", "allocs (floor)"; printed = 1 }
		printf "%-60s %12s %11.2fx %7s (%s)\n", name, nsv[name], nsv[name] / floorns[g], al[name], flooral[g]
	}
}
