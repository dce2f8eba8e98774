package exec

// Longer string keys as integer codes. A grouping's string key of few
// distinct values that are not all short (strcodes.go) is numbered in byte
// order (longStringCodes: the same numbering as short strings), so rows
// are grouped by integers (packed with the other keys, packkeys.go) instead
// of hashing and comparing strings per row: TPC-H q16's 118K rows by
// p_brand "Brand#45", p_type "MEDIUM POLISHED TIN" and p_size, groupby CPU
// ~16-18 -> ~10-11 ms; q9's nation names (175 groups of 319K rows) 10.3 ->
// 8.2 ms (an earlier version, which hashed strings faster than it coded
// them, found the opposite for q9). And when a grouping still hashes
// strings (too many distinct values to code every row), groupKeyCodes
// numbers the groups' key values once (one row per group) so that many
// groups sort by integers, not key strings byte by byte (~14 comparisons
// per group). Each worker numbers the strings of its morsels in a map of
// its own (giving up past shortCodesMax distinct strings), the sorted union
// numbers them all, and each row's local number is mapped to its code.

import (
	"slices"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// longStringCodes returns the ordered int64 codes of string column sc (its
// validity kept), or nil when it holds more than shortCodesMax distinct
// strings.
func longStringCodes(c *Ctx, n *ir.Node, sc *col.Column, rows int) (*col.Column, error) {
	if sc.Type != ir.String || rows == 0 || len(sc.Offs) < rows+1 {
		return nil, nil
	}
	if err := c.reserve(n, int64(rows)*12); err != nil {
		return nil, err
	}
	local := col.Uninit[int32](rows) // each row's number in its worker's map
	maps := make([]map[string]int32, Workers())
	owner := make([]int, numMorsels(rows)) // the worker that numbered each morsel
	failed := make([]bool, numMorsels(rows))
	_, err := forTasksW(c, n, numMorsels(rows), func(w, m int) error {
		lo := m * morselRows
		hi := min(lo+morselRows, rows)
		seen := maps[w]
		if seen == nil {
			seen = make(map[string]int32, 64)
			maps[w] = seen
		}
		owner[m] = w
		for i := lo; i < hi; i++ {
			if sc.Valid != nil && !sc.IsValid(i) {
				local[i] = 0
				continue
			}
			b := sc.StrBytes(i)
			id, ok := seen[string(b)]
			if !ok {
				if len(seen) >= shortCodesMax {
					failed[m] = true
					return nil
				}
				id = int32(len(seen))
				seen[string(b)] = id
			}
			local[i] = id
		}
		return nil
	})
	if err != nil || slices.Contains(failed, true) {
		return nil, err
	}
	var all []string
	for _, m := range maps {
		for s := range m {
			all = append(all, s)
		}
	}
	slices.Sort(all)
	all = slices.Compact(all)
	if len(all) > shortCodesMax {
		return nil, nil
	}
	code := make(map[string]int64, len(all))
	for k, s := range all {
		code[s] = int64(k)
	}
	remap := make([][]int64, len(maps)) // worker -> its numbers' codes
	for w, m := range maps {
		remap[w] = make([]int64, len(m))
		for s, id := range m {
			remap[w][id] = code[s]
		}
	}
	out := &col.Column{Type: ir.Int64, N: rows, I64: col.Uninit[int64](rows), Valid: sc.Valid}
	err = forMorsels(c, n, rows, func(m, lo, hi int) error {
		r := remap[owner[m]]
		for i := lo; i < hi; i++ {
			if sc.Valid != nil && !sc.IsValid(i) {
				out.I64[i] = 0
				continue
			}
			out.I64[i] = r[local[i]]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// groupKeyCodesMin is the fewest groups whose sort codes their string keys
// (a variable for tests).
var groupKeyCodesMin = 2048

// groupKeyCodes returns the key values of the groups whose first rows are
// first, one row per group, with every string key column replaced by its
// ordered codes, for sorting the groups (cmpKeyRows: the same order, nulls
// last); nil when there are fewer than groupKeyCodesMin groups, no string
// key, or a string key of more than shortCodesMax distinct values.
func groupKeyCodes(c *Ctx, n *ir.Node, keys *rowKeys, first []int) *rowKeys {
	if len(first) < groupKeyCodesMin || !slices.ContainsFunc(keys.cols, func(kc *col.Column) bool { return kc.Type == ir.String }) {
		return nil
	}
	cols := make([]*col.Column, len(keys.cols))
	for i, kc := range keys.cols {
		g := kc.Take(first)
		if kc.Type == ir.String {
			codes, err := longStringCodes(c, n, g, len(first))
			if err != nil || codes == nil {
				return nil
			}
			g = codes
		}
		cols[i] = g
	}
	return newRowKeys(cols)
}
