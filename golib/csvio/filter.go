package csvio

import (
	"sort"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// EvalMask evaluates a typed boolean row expression over a frame (set by the
// engine to the reference interpreter's Eval, so a pushed filter means
// exactly what the filter op means).
var EvalMask func(pred *ir.Expr, f *col.Frame) (*col.Column, error)

// readFiltered is readData for a scan with a pushed filter (options.filter).
// Each chunk, as it is converted in parallel, first converts only the
// columns the predicate reads, evaluates it, and then converts the other
// requested columns for the rows it kept: the rows it drops are tokenized
// (to find the record boundaries) but their other fields are never parsed
// or copied. Predicate columns that are also requested are gathered, not
// parsed twice. The result has the kept rows in file order.
func readFiltered(o *options, t *table, full *ir.Schema, want *ir.Schema, byName map[string]int) (*col.Frame, error) {
	refs := map[string]bool{}
	o.filter.Columns(refs)
	predNames := make([]string, 0, len(refs))
	for n := range refs {
		predNames = append(predNames, n)
	}
	sort.Strings(predNames)
	slots := t.newSlots()
	var need []int // table column of each slot
	slotOfCol := func(name string) (int, error) {
		j, ok := byName[name]
		if !ok {
			return 0, ir.Errorf("ColumnNotFound", "column %q not in %s", name, o.path)
		}
		idx := t.cols[j].index
		if slots[idx] < 0 {
			slots[idx] = int32(len(need))
			need = append(need, j)
		}
		return int(slots[idx]), nil
	}
	slotOf := make([]int, len(want.Fields))
	for i, f := range want.Fields {
		s, err := slotOfCol(f.Name)
		if err != nil {
			return nil, err
		}
		if ft := full.Fields[need[s]].Type; ft != f.Type {
			return nil, ir.Errorf("Internal", "column %q of %s is %s, but %s was asked for", f.Name, o.path, ft, f.Type)
		}
		slotOf[i] = s
	}
	isOut := make([]bool, len(need))
	for _, s := range slotOf {
		isOut[s] = true
	}
	var predSlots []int
	for _, n := range predNames {
		s, err := slotOfCol(n)
		if err != nil {
			return nil, err
		}
		predSlots = append(predSlots, s)
	}
	for len(isOut) < len(need) {
		isOut = append(isOut, false)
	}
	k := len(need)
	chunks, _, err := t.scan(slots, k, func(ch *chunk) {
		n := ch.r.nrows
		ch.pieces = make([]piece, k)
		var scratch []byte
		pf := &col.Frame{N: n}
		pp := make([]piece, k)
		for i, s := range predSlots {
			j := need[s]
			p, e := convert(t.data, ch.r.spans, k, s, n, t.o.quote, &t.cols[j], full.Fields[j].Type, &scratch, piece{})
			if e != nil {
				ch.err = e
				return
			}
			pp[s] = p
			pf.Names = append(pf.Names, predNames[i])
			pf.Cols = append(pf.Cols, concat(full.Fields[j].Type, []*piece{&pp[s]}, n))
		}
		m, err := EvalMask(o.filter, pf)
		if err != nil {
			ch.ferr = err
			return
		}
		if m.Type != ir.Bool || m.N != n || m.HasNulls() {
			ch.ferr = ir.Errorf("Value", "Cannot mask with non-boolean array containing NA / NaN values")
			return
		}
		var sel []int
		for r, v := range m.B {
			if v {
				sel = append(sel, r)
			}
		}
		ch.kept = len(sel)
		var spans []span
		for s, j := range need {
			if !isOut[s] {
				continue
			}
			if isPredSlot(predSlots, s) {
				ch.pieces[s] = takePiece(&pp[s], sel, full.Fields[j].Type)
				continue
			}
			// only the kept rows' fields of this column
			spans = spans[:0]
			for _, r := range sel {
				spans = append(spans, ch.r.spans[r*k+s])
			}
			p, e := convert(t.data, spans, 1, 0, len(sel), t.o.quote, &t.cols[j], full.Fields[j].Type, &scratch, piece{})
			if e != nil {
				e.row = sel[e.row]
				ch.err = e
				return
			}
			ch.pieces[s] = p
		}
	})
	if err != nil {
		return nil, err
	}
	total := 0
	for _, ch := range chunks {
		if ch.ferr != nil {
			return nil, ch.ferr
		}
		total += ch.kept
	}
	fr := &col.Frame{N: total}
	for i, f := range want.Fields {
		s := slotOf[i]
		ps := make([]*piece, 0, len(chunks))
		for _, ch := range chunks {
			ps = append(ps, &ch.pieces[s])
		}
		fr.Names = append(fr.Names, f.Name)
		fr.Cols = append(fr.Cols, concat(f.Type, ps, total))
	}
	return fr, nil
}

func isPredSlot(predSlots []int, s int) bool {
	for _, p := range predSlots {
		if p == s {
			return true
		}
	}
	return false
}

// takePiece is the rows sel of p, in that order.
func takePiece(p *piece, sel []int, typ ir.DType) piece {
	out := piece{n: len(sel)}
	switch {
	case p.i64 != nil:
		out.i64 = make([]int64, len(sel))
		for i, r := range sel {
			out.i64[i] = p.i64[r]
		}
	case p.f64 != nil:
		out.f64 = make([]float64, len(sel))
		for i, r := range sel {
			out.f64[i] = p.f64[r]
		}
	case p.b != nil:
		out.b = make([]bool, len(sel))
		for i, r := range sel {
			out.b[i] = p.b[r]
		}
	case typ == ir.String:
		out.offs = make([]int64, 1, len(sel)+1)
		size := 0
		for _, r := range sel {
			size += int(p.offs[r+1] - p.offs[r])
		}
		out.data = make([]byte, 0, size)
		for _, r := range sel {
			out.data = append(out.data, p.data[p.offs[r]:p.offs[r+1]]...)
			out.offs = append(out.offs, int64(len(out.data)))
		}
	}
	if p.valid != nil {
		for i, r := range sel {
			if !col.GetBit(p.valid, r) {
				out.setNull(i)
			}
		}
	}
	return out
}
