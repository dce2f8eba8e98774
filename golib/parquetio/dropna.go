package parquetio

// A dropna done by the scan (its `dropna` and `dropna_how` attributes, set
// by exec.ScanDropna where a dropna reads the scan's columns alone through
// projects that pass them on): the rows holding a missing value (null, or
// NaN in a float column) among the listed columns -- any of them, or all
// of them for how="all" -- are dropped from the columns just read, each
// column compacted in place (its buffers are this read's own), the kept
// rows in file order. The frame's index is the dropna's: the stored index
// levels (or a stored RangeIndex's labels) at the kept rows, else the kept
// rows' positions, as a dropna over the read frame gives them.
//
// A dictionary-coded column read as a lookup (lookup.go) is tested once
// per value, not per row, and its codes are compacted (4 bytes a row);
// a string lookup compacted is no longer numbered (col.Lookup.Numbered:
// a value number may now be held by dropped rows only). Compacting in
// place writes nothing to fresh memory, which a dropna over the read frame
// would (a gather into new columns).

import (
	"unsafe"

	"github.com/flern/flern/golib/blas"
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// DropnaAttr lists the scan's columns a missing value is looked for in;
// DropnaHowAttr is "any" (the default) or "all".
const (
	DropnaAttr    = "dropna"
	DropnaHowAttr = "dropna_how"
)

// dropnaMorsel is the rows each task tests at a time.
const dropnaMorsel = 1 << 16

// dropRows applies the scan's dropna (see the file comment) to fr, whose
// column names are the scan's schema's; without index levels, fr's result
// has the kept positions as its index. A drop mask (a byte a
// row) is built morsel by morsel, then each column is compacted by it
// (blas.Compact*), the columns in parallel.
func dropRows(fr *col.Frame, subset []string, how string) (*col.Frame, error) {
	if how == "" {
		how = "any"
	}
	if how != "any" && how != "all" {
		return nil, ir.Errorf("Internal", "scan_parquet: dropna how %q", how)
	}
	all := how == "all"
	var maybe []*col.Column // subset columns that can hold a missing value
	var naOf [][]uint8      // a lookup's missing values by code (1), else nil
	for _, name := range subset {
		cl := fr.Col(name)
		if cl == nil {
			return nil, ir.Errorf("Internal", "scan_parquet: dropna column %q is not read", name)
		}
		if na, can := missingTable(cl); can {
			maybe, naOf = append(maybe, cl), append(naOf, na)
		} else if all {
			return fr.WithPositions(), nil // a column never missing: no row has all missing
		}
	}
	n := fr.N
	drop := make([]uint8, n)
	if len(subset) == 0 && all {
		// pandas: no column to be missing in, every row is dropped (any: none is)
		for i := range drop {
			drop[i] = 1
		}
		return compactFrame(fr, drop, 0), nil
	}
	if len(maybe) == 0 {
		return fr.WithPositions(), nil
	}
	nm := (n + dropnaMorsel - 1) / dropnaMorsel
	kept := make([]int, nm)
	parallelFor(nm, func(m int) {
		lo, hi := m*dropnaMorsel, min((m+1)*dropnaMorsel, n)
		d := drop[lo:hi]
		if all {
			for j := range d {
				d[j] = 1
			}
		}
		for i, cl := range maybe {
			markMissing(d, cl, naOf[i], lo, all)
		}
		k := len(d)
		for _, b := range d {
			k -= int(b)
		}
		kept[m] = k
	})
	total := 0
	for _, k := range kept {
		total += k
	}
	if total == n {
		return fr.WithPositions(), nil
	}
	return compactFrame(fr, drop, total), nil
}

// missingTable says whether column cl can hold a missing value and, for a
// lookup that can, which codes are missing (1; col.Lookup.Missing).
func missingTable(cl *col.Column) (na []uint8, can bool) {
	if l := cl.Lookup; l != nil {
		na = l.Missing()
		return na, na != nil
	}
	return nil, cl.Valid != nil || cl.Type.IsFloat()
}

// markMissing marks in d (rows lo.. of the frame) the rows where cl is
// missing: or'ed into d, or and'ed for all (d then stays 1 only where
// every column so far is missing). tab is a lookup's missingTable.
func markMissing(d []uint8, cl *col.Column, tab []uint8, lo int, all bool) {
	hi := lo + len(d)
	switch {
	case tab != nil:
		blas.DropByCodes(d, cl.Lookup.Codes[lo:hi], tab, all)
		return
	case cl.F64 != nil && cl.Valid == nil:
		blas.DropNaN(d, cl.F64[lo:hi], all)
		return
	}
	for j := range d {
		na := !cl.IsValid(lo + j)
		if cl.F64 != nil && !na {
			x := cl.F64[lo+j]
			na = x != x
		}
		var b uint8
		if na {
			b = 1
		}
		if all {
			d[j] &= b
		} else {
			d[j] |= b
		}
	}
}

// compactFrame is fr's rows not dropped (drop[i] == 0; kept of them), its
// columns compacted in place, column by column in parallel; a buffer two
// columns share is compacted once. Without index levels, the index is the
// kept rows' positions.
func compactFrame(fr *col.Frame, drop []uint8, kept int) *col.Frame {
	positions := len(fr.Index) == 0
	out := &col.Frame{N: kept, Names: fr.Names, IndexNames: fr.IndexNames}
	all := append(append([]*col.Column(nil), fr.Cols...), fr.Index...)
	// the columns sharing a buffer (a scan derives two columns from one
	// string column's codes): the first one compacts it
	owner := make([]int, len(all))
	seen := map[unsafe.Pointer]int{}
	for i, cl := range all {
		owner[i] = i
		if p := dataPointer(cl); p != nil {
			if j, ok := seen[p]; ok {
				owner[i] = j
			} else {
				seen[p] = i
			}
		}
	}
	got := make([]*col.Column, len(all))
	var pos []int64
	parallelFor(len(all)+1, func(i int) {
		switch {
		case i == len(all):
			if positions {
				pos = blas.Kept(col.Uninit[int64](len(drop)), drop, 0)
			}
		case owner[i] == i:
			got[i] = compactColumn(all[i], drop, kept)
		}
	})
	for i, cl := range all {
		if j := owner[i]; j != i {
			got[i] = sharedCompacted(cl, got[j], kept)
		}
	}
	out.Cols = got[:len(fr.Cols)]
	out.Index = got[len(fr.Cols):]
	if positions {
		out.Index, out.IndexNames = []*col.Column{col.NewInt64(pos)}, []string{""}
	}
	return out
}

// dataPointer is where cl's row buffer starts (nil: none, or not one
// compactColumn compacts in place).
func dataPointer(cl *col.Column) unsafe.Pointer {
	switch {
	case cl.Lookup != nil && len(cl.Lookup.Codes) > 0:
		return unsafe.Pointer(unsafe.SliceData(cl.Lookup.Codes))
	case cl.Valid != nil:
		return nil
	case len(cl.I64) > 0:
		return unsafe.Pointer(unsafe.SliceData(cl.I64))
	case len(cl.F64) > 0:
		return unsafe.Pointer(unsafe.SliceData(cl.F64))
	case len(cl.B) > 0:
		return unsafe.Pointer(unsafe.SliceData(cl.B))
	}
	return nil
}

// sharedCompacted is column cl, whose row buffer is the one done's was
// compacted from, over done's compacted buffer.
func sharedCompacted(cl, done *col.Column, n int) *col.Column {
	out := &col.Column{Type: cl.Type, N: n, Keep: cl.Keep}
	switch {
	case cl.Lookup != nil:
		out.Lookup = &col.Lookup{Codes: done.Lookup.Codes, I64: cl.Lookup.I64, F64: cl.Lookup.F64, Str: cl.Lookup.Str}
	case cl.I64 != nil:
		out.I64 = done.I64
	case cl.F64 != nil:
		out.F64 = done.F64
	default:
		out.B = done.B
	}
	return out
}

// compactColumn is cl's rows not dropped (kept of them): a lookup's codes
// and a column without nulls of int64, float64 or bool compacted in
// place, any other gathered.
func compactColumn(cl *col.Column, drop []uint8, kept int) *col.Column {
	out := &col.Column{Type: cl.Type, N: kept, Keep: cl.Keep}
	switch {
	case cl.Lookup != nil:
		l := cl.Lookup
		out.Lookup = &col.Lookup{Codes: blas.CompactI32(l.Codes[:cl.N], drop), I64: l.I64, F64: l.F64, Str: l.Str}
	case cl.Valid == nil && cl.I64 != nil:
		out.I64 = blas.CompactI64(cl.I64[:cl.N], drop)
	case cl.Valid == nil && cl.F64 != nil:
		out.F64 = blas.CompactF64(cl.F64[:cl.N], drop)
	case cl.Valid == nil && cl.B != nil:
		k := 0
		for i, d := range drop[:cl.N] {
			cl.B[k] = cl.B[i]
			k += int(1 - d)
		}
		out.B = cl.B[:k]
	default:
		rows := make([]int, 0, kept)
		for i, d := range drop[:cl.N] {
			if d == 0 {
				rows = append(rows, i)
			}
		}
		return cl.Take(rows)
	}
	return out
}
