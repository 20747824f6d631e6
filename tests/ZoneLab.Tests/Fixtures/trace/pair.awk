# Independent check of TraceAllocationTracker's pairing, used to derive the constants of the fixture tests:
#   awk -f ../pair.awk trace.txt        (or: zcat trace.txt.gz | awk -f ../pair.awk)
# A free matches the live allocation with that head pfn and no larger order (whole), else the live block
# whose 2^j-aligned head contains it (part), else a range handed out by cma_alloc_finish and not yet released
# (cma), else it is pre-existing.
function hex(s,  i, c, v) { v = 0; s = tolower(s); for (i = 3; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }; return v }
function field(name,  i) { for (i = 1; i <= NF; i++) if (index($i, name "=") == 1) return substr($i, length(name) + 2); return "" }
/ cma_alloc_finish: / && !/page=0000000000000000/ { p = hex(field("pfn")); cs[++nc] = p; ce[nc] = p + field("count") }
/ cma_release: / { p = hex(field("pfn")); for (k = 1; k <= nc; k++) if (cs[k] == p) { cs[k] = -1; ce[k] = -1 } }
/ mm_page_alloc: / && !/page=0000000000000000/ { p = hex(field("pfn")); live[p] = field("order") + 0; freed[p] = 0; na++ }
/ mm_page_free: / {
  p = hex(field("pfn")); o = field("order") + 0
  if ((p in live) && live[p] <= o && freed[p] == 0) { whole++; delete live[p]; next }
  found = 0
  if (p in live) { hp = p; found = 1 } else { for (j = o + 1; j <= 10; j++) { m = 2 ^ j; hp = p - (p % m); if ((hp in live) && live[hp] >= j) { found = 1; break } } }
  if (found) { part++; freed[hp] += 2 ^ o; if (freed[hp] >= 2 ^ live[hp]) delete live[hp]; next }
  for (k = 1; k <= nc; k++) if (p >= cs[k] && p < ce[k]) { cma++; next }
  pre++
}
END { n = 0; lp = 0; for (k in live) { n++; lp += 2 ^ live[k] - freed[k] }
      print "allocs", na + 0, "whole", whole + 0, "part", part + 0, "cma", cma + 0, "pre", pre + 0, "live", n, "livepages", lp }
