# summary.awk prints the statement coverage of each Go module of the
# workspace from one or more Go coverage profiles (text format, as written
# by `go test -coverprofile` and `go tool covdata textfmt`), and fails when
# a module falls below its floor. `make cover` runs it (mk/cover.mk).
#
# A block that several profiles (test binaries, the zebra binary) report is
# counted once, covered if any of them ran it: the merge `go tool cover`
# does. Percentages are of the profile's statements, as `go test -cover`
# counts them; `go tool cover -func` may say a few tenths less, as it
# leaves out statements outside named functions.
#
#   awk -f tools/cover/summary.awk -v prefix=github.com/zebralabs/zebra/ \
#       -v modules="app platform" -v floors="app=40 total=50" coverage/*.out
#
# prefix   the import path every module path starts with
# modules  the modules to report, by their path under prefix (go.work's dirs)
# floors   module=percent pairs, and total=percent for all of them together;
#          a module without a floor is reported but not checked
BEGIN {
	n = split(modules, mods, " ")
	nf = split(floors, pairs, " ")
	for (i = 1; i <= nf; i++) {
		split(pairs[i], kv, "=")
		floor[kv[1]] = kv[2] + 0
		hasfloor[kv[1]] = 1
	}
}
/^mode:/ { next }
{
	# file.go:startLine.startCol,endLine.endCol numStatements count
	block = $1
	if (!(block in stmts)) {
		stmts[block] = $2
		module[block] = moduleof(block)
	}
	if ($3 > 0) hit[block] = 1
}
END {
	for (b in stmts) {
		m = module[b]
		if (m == "") continue
		total[m] += stmts[b]
		all += stmts[b]
		if (b in hit) { covered[m] += stmts[b]; allcovered += stmts[b] }
	}
	status = 0
	printf "%-22s %10s %10s %8s %8s\n", "module", "statements", "covered", "percent", "floor"
	for (i = 1; i <= n; i++) status += line(mods[i], total[mods[i]], covered[mods[i]])
	status += line("total", all, allcovered)
	if (status) {
		printf "coverage is below its floor (COVER_FLOOR in mk/cover.mk) in %d of the lines above\n", status
		exit 1
	}
}

# moduleof returns the module a block's file belongs to: the longest of
# modules whose import path prefixes the file's.
function moduleof(block,    i, best) {
	best = ""
	for (i = 1; i <= n; i++)
		if (index(block, prefix mods[i] "/") == 1 && length(mods[i]) > length(best)) best = mods[i]
	return best
}

# line prints one row and returns 1 when it is below its floor.
function line(name, stmts, covered,    pct, mark, f) {
	pct = stmts ? 100 * covered / stmts : 0
	f = hasfloor[name] ? sprintf("%.1f%%", floor[name]) : "-"
	mark = hasfloor[name] && pct < floor[name] ? "  BELOW" : ""
	printf "%-22s %10d %10d %7.1f%% %8s%s\n", name, stmts, covered, pct, f, mark
	return mark != ""
}
