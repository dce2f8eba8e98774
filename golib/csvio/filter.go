package csvio

import (
	"sort"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// maxKeyFraction: a key set of more distinct keys than this fraction of the
// file's rows is not tested (it would keep most rows; the join still drops
// the others).
const maxKeyFraction = 0.5

// keySets keeps the key filters worth testing on a file of sn.rows rows.
func keySets(keys []col.KeyFilter, sn *sniffed) ([]col.KeyFilter, error) {
	var out []col.KeyFilter
	for _, kf := range keys {
		ci := sn.schema.Lookup(kf.Column)
		if ci < 0 {
			return nil, ir.Errorf("ColumnNotFound", "key filter column %q not in the file", kf.Column)
		}
		if t := sn.schema.Fields[ci].Type; !(t.IsInt() || t.IsDatetime()) {
			return nil, ir.Errorf("Internal", "key filter of the %s column %q", t, kf.Column)
		}
		if float64(kf.Keys.N) <= maxKeyFraction*float64(sn.rows) {
			out = append(out, kf)
		}
	}
	return out, nil
}

// EvalMask evaluates a typed boolean row expression over a frame (set by the
// engine to the reference interpreter's Eval, so a pushed filter means
// exactly what the filter op means).
var EvalMask func(pred *ir.Expr, f *col.Frame) (*col.Column, error)

// readFiltered is readData for a scan with a pushed filter (options.filter)
// or key filters (options.keys; tested first, each on its one column).
// Each chunk, as it is converted in parallel, evaluates the predicate one
// conjunct at a time: a conjunct's columns are converted for the rows the
// conjuncts before it kept, and it narrows them further; then the other
// requested columns are converted for the rows finally kept. A dropped
// row is tokenized (to find the record boundaries) but its other fields are
// never parsed or copied. Conjuncts only read safe, non-raising
// expressions (the optimizer's rule), so evaluating one on fewer rows
// changes nothing but the work. Predicate columns that are also requested
// are gathered, not parsed twice. The result has the kept rows in file
// order.
func readFiltered(o *options, t *table, full *ir.Schema, want *ir.Schema, byName map[string]int) (*col.Frame, error) {
	refs := map[string]bool{}
	if o.filter != nil {
		o.filter.Columns(refs)
	}
	for _, k := range o.keys {
		refs[k.Column] = true
	}
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
	// the conjuncts, each with the slots of the columns it reads
	type conj struct {
		e     *ir.Expr
		keys  *col.KeySet // a key filter's test instead of e
		names []string
		slots []int
	}
	var conjs []conj
	for _, k := range o.keys { // first: one integer column each, usually selective
		conjs = append(conjs, conj{keys: k.Keys, names: []string{k.Column}, slots: []int{predSlots[indexOf(predNames, k.Column)]}})
	}
	var conjuncts []*ir.Expr
	if o.filter != nil {
		conjuncts = splitAnd(o.filter, nil)
	}
	for _, e := range conjuncts {
		refs := map[string]bool{}
		e.Columns(refs)
		c := conj{e: e}
		for _, n := range predNames {
			if refs[n] {
				c.names = append(c.names, n)
				c.slots = append(c.slots, predSlots[indexOf(predNames, n)])
			}
		}
		conjs = append(conjs, c)
	}
	chunks, _, err := t.scan(slots, k, func(ch *chunk) {
		n := ch.r.nrows
		ch.pieces = make([]piece, k)
		var spanBuf []span
		var sbytes []byte
		// rows of the chunk still kept (nil: all); cur holds the converted
		// columns, aligned with sel
		var sel []int
		cur := map[int]*piece{}
		conv := func(s int) (piece, bool) {
			j := need[s]
			if sel == nil {
				p, e := convert(t.data, ch.r.spans, k, s, n, t.o.quote, &t.cols[j], full.Fields[j].Type, &sbytes, piece{})
				if e != nil {
					ch.err = e
					return piece{}, false
				}
				return p, true
			}
			spanBuf = spanBuf[:0]
			for _, r := range sel {
				spanBuf = append(spanBuf, ch.r.spans[r*k+s])
			}
			p, e := convert(t.data, spanBuf, 1, 0, len(sel), t.o.quote, &t.cols[j], full.Fields[j].Type, &sbytes, piece{})
			if e != nil {
				e.row = sel[e.row]
				ch.err = e
				return piece{}, false
			}
			return p, true
		}
		rows := n
		for _, c := range conjs {
			pf := &col.Frame{N: rows}
			for i, s := range c.slots {
				if cur[s] == nil {
					p, ok := conv(s)
					if !ok {
						return
					}
					cur[s] = &p
				}
				pf.Names = append(pf.Names, c.names[i])
				pf.Cols = append(pf.Cols, concat(full.Fields[need[s]].Type, []*piece{cur[s]}, rows))
			}
			var m *col.Column
			if c.keys != nil {
				m = c.keys.Mask(pf.Cols[0])
			} else {
				var err error
				if m, err = EvalMask(c.e, pf); err != nil {
					ch.ferr = err
					return
				}
			}
			if m.Type != ir.Bool || m.N != rows || m.HasNulls() {
				ch.ferr = ir.Errorf("Value", "Cannot mask with non-boolean array containing NA / NaN values")
				return
			}
			keep := make([]int, 0, rows)
			for r, v := range m.B {
				if v {
					keep = append(keep, r)
				}
			}
			if len(keep) == rows {
				continue
			}
			next := make([]int, len(keep))
			for i, r := range keep {
				if sel == nil {
					next[i] = r
				} else {
					next[i] = sel[r]
				}
			}
			for s, p := range cur {
				q := takePiece(p, keep, full.Fields[need[s]].Type)
				cur[s] = &q
			}
			sel, rows = next, len(keep)
		}
		ch.kept = rows
		for s := range need {
			if !isOut[s] {
				continue
			}
			if p := cur[s]; p != nil {
				ch.pieces[s] = *p
				continue
			}
			p, ok := conv(s)
			if !ok {
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

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// splitAnd appends the conjuncts of e (and(a, b) -> a, b) to dst.
func splitAnd(e *ir.Expr, dst []*ir.Expr) []*ir.Expr {
	if e.Kind == ir.ExprCall && e.Name == "and" && len(e.Args) == 2 {
		return splitAnd(e.Args[1], splitAnd(e.Args[0], dst))
	}
	return append(dst, e)
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
