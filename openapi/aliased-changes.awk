# Reads apidiff's report on a package and prints its incompatible changes to
# the types named in the file `list` (one name a line): those a package that
# exports them as aliases passes on to its importers, which apidiff, not
# looking through an alias, does not show for that package.
#
# usage: awk -v list=FILE -f openapi/aliased-changes.awk < apidiff-report
# A change is "- Name: what" or "- Name.Field: what"; the name is the text up
# to the first "." or ":".
BEGIN { while ((getline name < list) > 0) aliased[name] = 1 }
/^Incompatible changes:/ { incompatible = 1; next }
/^[A-Za-z].*:$/ { incompatible = 0; next }
incompatible && /^- / {
	name = substr($0, 3)
	sub(/[.:].*/, "", name)
	if (name in aliased) print
}
