# jflat.awk - flatten JSON into one "path=value" line per scalar, for
# checks in the busybox guest (no jq there):
#	{"state":{"boots":[{"id":1}]}}  ->  state.boots[0].id=1
# Strings lose their quotes; an escaped character is kept without its
# backslash (enough for the names, versions and reasons checked here).
# Empty objects and arrays print nothing.  Used by tests/vm/crash/init.sh.
{ buf = buf $0 "\n" }

function cur() {
	if (depth == 0)
		return ""
	if (typ[depth] == "o")
		return path[depth] (path[depth] == "" ? "" : ".") key[depth]
	return path[depth] "[" idx[depth] "]"
}

END {
	n = length(buf)
	i = 1
	depth = 0
	while (i <= n) {
		c = substr(buf, i, 1)
		if (index(" \t\r\n:", c)) {
			i++
			continue
		}
		if (c == "{" || c == "[") {
			p = cur()
			depth++
			typ[depth] = (c == "{") ? "o" : "a"
			idx[depth] = 0
			path[depth] = p
			key[depth] = ""
			wantkey[depth] = (c == "{")
			i++
			continue
		}
		if (c == "}" || c == "]") {
			depth--
			i++
			continue
		}
		if (c == ",") {
			if (typ[depth] == "a")
				idx[depth]++
			else
				wantkey[depth] = 1
			i++
			continue
		}
		if (c == "\"") {
			s = ""
			i++
			while (i <= n) {
				c = substr(buf, i, 1)
				if (c == "\\") {
					s = s substr(buf, i + 1, 1)
					i += 2
					continue
				}
				if (c == "\"")
					break
				s = s c
				i++
			}
			i++
			if (typ[depth] == "o" && wantkey[depth]) {
				key[depth] = s
				wantkey[depth] = 0
				continue
			}
			print cur() "=" s
			continue
		}
		s = ""
		while (i <= n) {
			c = substr(buf, i, 1)
			if (index(",}] \t\r\n", c))
				break
			s = s c
			i++
		}
		print cur() "=" s
	}
}
