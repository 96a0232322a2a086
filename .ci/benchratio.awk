# Reads `go test -bench -benchmem` output (any -count) and prints, for every
# benchmark named .../floor (or .../baseline: a comparison the project beats,
# not a floor), the ratio of each sibling benchmark to it (benchmarks without
# one, such as the paired CPU ones, which print their own ratio, are only in
# the raw output; the client's budget, MongoDB's SDK, is make bench-sdk's),
# measured in the same run: the median ns/op of each over its runs, and
# allocs/op.
function median(list,    n, i, j, t, a) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j+1] = a[j]; a[j+1] = t }
	return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	ns = ""; allocs = ""
	for (i = 3; i < NF; i++) {
		if ($(i+1) == "ns/op") ns = $i
		if ($(i+1) == "allocs/op") allocs = $i
	}
	if (ns == "") next
	if (!(name in runs)) { order[++count] = name; runs[name] = ns } else runs[name] = runs[name] " " ns
	al[name] = allocs
	n = split(name, parts, "/"); leaf = parts[n]
	grp[name] = substr(name, 1, length(name) - length(leaf) - 1)
	if (leaf == "floor" || leaf == "baseline") isfloor[grp[name]] = name
}
END {
	printed = 0
	for (i = 1; i <= count; i++) {
		name = order[i]; g = grp[name]
		if (!(g in isfloor) || name == isfloor[g]) continue
		f = isfloor[g]
		if (!printed) { printf "\n%-56s %12s %12s %9s %16s\n", "benchmark (median of runs) vs its floor", "ns/op", "floor ns/op", "x floor", "allocs (floor)"; printed = 1 }
		printf "%-56s %12.0f %12.0f %8.2fx %7s (%s)\n", name, median(runs[name]), median(runs[f]), median(runs[name]) / median(runs[f]), al[name], al[f]
	}
}
