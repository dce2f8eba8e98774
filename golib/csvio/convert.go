package csvio

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

func quoteValue(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return fmt.Sprintf("%q", b)
}

// pyRepr quotes a value as Python's repr() of a str does (pandas' messages
// show values that way).
func pyRepr(b []byte) string {
	s := string(b)
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var out strings.Builder
	out.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			out.WriteString(`\\`)
		case r == rune(q):
			out.WriteByte('\\')
			out.WriteByte(q)
		case r == '\n':
			out.WriteString(`\n`)
		case r == '\r':
			out.WriteString(`\r`)
		case r == '\t':
			out.WriteString(`\t`)
		case r == utf8.RuneError:
			out.WriteString(`\ufffd`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&out, `\x%02x`, r)
		default:
			out.WriteRune(r)
		}
	}
	out.WriteByte(q)
	return out.String()
}

// piece is the converted part of one column in one chunk.
type piece struct {
	n     int
	i64   []int64
	f64   []float64
	b     []bool
	offs  []int64 // n+1 offsets into data, from 0
	data  []byte
	valid []byte // nil: no nulls
}

func (p *piece) setNull(r int) {
	if p.valid == nil {
		p.valid = col.NewBitmap(p.n, true)
	}
	col.SetBit(p.valid, r, false)
}

// convert converts column j of a chunk to typ. Values were validated by
// Sniff; a failure means the file changed in between.
//
// dst, when its slice for typ is set (len nrows), receives the values in
// place of a new slice: readers write straight into the final column.
func convert(data []byte, spans []span, k, j, nrows int, quote byte, c *colSpec, typ ir.DType, scratch *[]byte, dst piece) (piece, *rowErr) {
	p := piece{n: nrows}
	na := c.na
	fail := func(r int, b []byte) *rowErr {
		return &rowErr{row: r, kind: "Internal", msg: fmt.Sprintf("the CSV file changed after its schema was inferred: column %q has %s, which is not %s", c.name, quoteValue(b), typ)}
	}
	switch typ {
	case ir.Int64, ir.Int32:
		out := dst.i64
		if out == nil {
			out = make([]int64, nrows)
		}
		for r, at := 0, j; r < nrows; r, at = r+1, at+k {
			var b []byte
			if sp := spans[at]; sp.s >= 0 {
				b = data[sp.s:sp.e]
			} else {
				b = field(data, sp, quote, scratch)
			}
			var v int64
			var ok bool
			if u, small := smallDigits(b); small {
				v, ok = int64(u), true // the common case, without a call chain
			} else {
				v, ok, _ = parseInt(b)
			}
			if !ok {
				if f, okf := parseNum(b); okf && f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
					v = int64(f)
				} else if bv, okb := parseBool(b); okb {
					v = 0
					if bv {
						v = 1
					}
				} else {
					return p, fail(r, b)
				}
			}
			out[r] = v
		}
		p.i64 = out
	case ir.Float64, ir.Float32:
		out := dst.f64
		if out == nil {
			out = make([]float64, nrows)
		}
		numericNA := na.numeric
		naFloats := c.naFloats && len(na.floats) > 0
		nan := math.NaN()
		for r, at := 0, j; r < nrows; r, at = r+1, at+k {
			var b []byte
			if sp := spans[at]; sp.s >= 0 {
				b = data[sp.s:sp.e]
			} else {
				b = field(data, sp, quote, scratch)
			}
			if numericNA && na.isNA(b) {
				out[r] = nan
				continue
			}
			var f float64
			var ok bool
			if len(b) <= 9 && cap(b) >= 9 && len(b) > 0 {
				f, ok = smallDecimal(b)
			}
			if !ok {
				f, ok = parseNum(b)
			}
			if !ok {
				if !numericNA && na.isNA(b) {
					f = nan
				} else if bv, okb := parseBool(b); okb && c.target != ir.Invalid {
					f = 0
					if bv {
						f = 1
					}
				} else {
					return p, fail(r, b)
				}
			} else if naFloats && na.isNAFloat(f) {
				f = nan
			}
			if typ == ir.Float32 {
				f = float64(float32(f))
			}
			out[r] = f
		}
		p.f64 = out
	case ir.Bool:
		out := dst.b
		if out == nil {
			out = make([]bool, nrows)
		}
		for r, at := 0, j; r < nrows; r, at = r+1, at+k {
			var b []byte
			if sp := spans[at]; sp.s >= 0 {
				b = data[sp.s:sp.e]
			} else {
				b = field(data, sp, quote, scratch)
			}
			if na.isNA(b) {
				p.setNull(r)
				continue
			}
			v, ok := parseBool(b)
			if !ok {
				f, okf := parseNum(b)
				if !okf || c.target == ir.Invalid {
					return p, fail(r, b)
				}
				v = f != 0
			}
			out[r] = v
		}
		p.b = out
	case ir.String:
		size := 0
		for r := 0; r < nrows; r++ {
			sp := spans[r*k+j]
			if sp.s >= 0 {
				size += sp.e - sp.s
			} else {
				size += sp.e - ^sp.s
			}
		}
		offs := make([]int64, nrows+1)
		buf := make([]byte, 0, size)
		for r, at := 0, j; r < nrows; r, at = r+1, at+k {
			var b []byte
			if sp := spans[at]; sp.s >= 0 {
				b = data[sp.s:sp.e]
			} else {
				b = field(data, sp, quote, scratch)
			}
			if na.isNA(b) {
				p.setNull(r)
			} else {
				buf = append(buf, b...)
			}
			offs[r+1] = int64(len(buf))
		}
		if !utf8.Valid(buf) {
			for r := 0; r < nrows; r++ {
				if v := buf[offs[r]:offs[r+1]]; !utf8.Valid(v) {
					return p, fail(r, v)
				}
			}
		}
		p.offs, p.data = offs, buf
	case ir.DatetimeUS, ir.DatetimeNS:
		out := dst.i64
		if out == nil {
			out = make([]int64, nrows)
		}
		for r, at := 0, j; r < nrows; r, at = r+1, at+k {
			var b []byte
			if sp := spans[at]; sp.s >= 0 {
				b = data[sp.s:sp.e]
			} else {
				b = field(data, sp, quote, scratch)
			}
			if na.isNA(b) || isNaTWord(b) {
				p.setNull(r)
				continue
			}
			pd, status := parseISODate(b)
			if status != dateOK {
				return p, fail(r, b)
			}
			if typ == ir.DatetimeNS {
				v, ok := pd.nanos()
				if !ok {
					return p, fail(r, b)
				}
				out[r] = v
			} else {
				out[r] = pd.micros()
			}
		}
		p.i64 = out
	default:
		return p, &rowErr{row: 0, kind: "Internal", msg: fmt.Sprintf("csvio cannot produce dtype %s", typ)}
	}
	return p, nil
}

// concat joins a column's pieces (in file order) into one column.
func concat(typ ir.DType, pieces []*piece, total int) *col.Column {
	c := &col.Column{Type: typ, N: total}
	anyNull := false
	for _, p := range pieces {
		if p.valid != nil {
			anyNull = true
		}
	}
	if anyNull {
		c.Valid = col.NewBitmap(total, true)
		off := 0
		for _, p := range pieces {
			if p.valid != nil {
				for i := 0; i < p.n; i++ {
					if p.valid[i>>3] != 0xff && !col.GetBit(p.valid, i) {
						col.SetBit(c.Valid, off+i, false)
					}
				}
			}
			off += p.n
		}
	}
	switch typ {
	case ir.Int64, ir.Int32, ir.DatetimeUS, ir.DatetimeNS:
		c.I64 = joinSlices(pieces, total, func(p *piece) []int64 { return p.i64 })
	case ir.Float64, ir.Float32:
		c.F64 = joinSlices(pieces, total, func(p *piece) []float64 { return p.f64 })
	case ir.Bool:
		c.B = joinSlices(pieces, total, func(p *piece) []bool { return p.b })
	case ir.String:
		if len(pieces) == 1 {
			c.Offs, c.Data = pieces[0].offs, pieces[0].data
			break
		}
		size := 0
		for _, p := range pieces {
			size += len(p.data)
		}
		c.Offs = make([]int64, 1, total+1)
		c.Data = make([]byte, 0, size)
		for _, p := range pieces {
			base := int64(len(c.Data))
			for _, o := range p.offs[1:] {
				c.Offs = append(c.Offs, base+o)
			}
			c.Data = append(c.Data, p.data...)
		}
	}
	if typ == ir.String {
		if c.Offs == nil {
			c.Offs = []int64{0}
		}
		if c.Data == nil {
			c.Data = []byte{}
		}
	}
	return c
}

func joinSlices[T any](pieces []*piece, total int, get func(*piece) []T) []T {
	if len(pieces) == 1 {
		if s := get(pieces[0]); s != nil {
			return s
		}
	}
	out := make([]T, 0, total)
	for _, p := range pieces {
		out = append(out, get(p)...)
	}
	return out
}

// readData materializes the columns of want from a file's contents; full
// is the file's schema (from Sniff).
func readData(o *options, data []byte, sn *sniffed, want *ir.Schema) (*col.Frame, error) {
	t, err := prepare(o, data)
	if err != nil {
		return nil, err
	}
	full := sn.schema
	if len(full.Fields) != len(t.cols) {
		return nil, ir.Errorf("Internal", "the CSV file %s changed after its schema was inferred", o.path)
	}
	for j := range t.cols {
		t.cols[j].naFloats = sn.naFloats[j]
	}
	byName := map[string]int{}
	for j, c := range t.cols {
		byName[c.name] = j
	}
	if o.filter != nil && EvalMask != nil || len(o.keys) > 0 {
		return readFiltered(o, t, full, want, byName)
	}
	slots := t.newSlots()
	var need []int // table column of each slot
	slotOf := make([]int, len(want.Fields))
	for i, f := range want.Fields {
		j, ok := byName[f.Name]
		if !ok {
			return nil, ir.Errorf("ColumnNotFound", "column %q not in %s", f.Name, o.path)
		}
		if ft := full.Fields[j].Type; ft != f.Type {
			return nil, ir.Errorf("Internal", "column %q of %s is %s, but %s was asked for", f.Name, o.path, ft, f.Type)
		}
		idx := t.cols[j].index
		if slots[idx] < 0 {
			slots[idx] = int32(len(need))
			need = append(need, j)
		}
		slotOf[i] = int(slots[idx])
	}
	k := len(need)
	// Fixed-width columns are written in place: each chunk knows its row
	// offset before it converts (scan's hand-off), and a file has at most
	// one row per line terminator, plus one.
	direct := make([]piece, k)
	if k > 0 {
		bound := rowBound(t.data[t.dataStart:])
		for s, j := range need {
			switch full.Fields[j].Type {
			case ir.Int64, ir.Int32, ir.DatetimeUS, ir.DatetimeNS:
				direct[s].i64 = make([]int64, bound)
			case ir.Float64, ir.Float32:
				direct[s].f64 = make([]float64, bound)
			case ir.Bool:
				direct[s].b = make([]bool, bound)
			}
		}
	}
	chunks, total, err := t.scan(slots, k, func(ch *chunk) {
		ch.pieces = make([]piece, k)
		var scratch []byte
		lo, hi := ch.rowsBefore, ch.rowsBefore+ch.r.nrows
		for s, j := range need {
			var dst piece
			if d := direct[s]; d.i64 != nil {
				dst.i64 = d.i64[lo:hi:hi]
			} else if d.f64 != nil {
				dst.f64 = d.f64[lo:hi:hi]
			} else if d.b != nil {
				dst.b = d.b[lo:hi:hi]
			}
			p, e := convert(t.data, ch.r.spans, k, s, ch.r.nrows, t.o.quote, &t.cols[j], full.Fields[j].Type, &scratch, dst)
			if e != nil {
				ch.err = e
				return
			}
			ch.pieces[s] = p
		}
	})
	if err != nil {
		return nil, err
	}
	cols := make([]*col.Column, k)
	join := func(s int) {
		ps := make([]*piece, 0, len(chunks))
		for _, ch := range chunks {
			ps = append(ps, &ch.pieces[s])
		}
		if len(ps) == 0 {
			ps = append(ps, &piece{})
		}
		typ := full.Fields[need[s]].Type
		if d := direct[s]; d.i64 != nil || d.f64 != nil || d.b != nil {
			// the values are in place; only the validity is joined
			ps = []*piece{{n: total, i64: sliceTo(d.i64, total), f64: sliceTo(d.f64, total), b: sliceTo(d.b, total),
				valid: joinValidity(ps, total)}}
		}
		cols[s] = concat(typ, ps, total)
	}
	if len(chunks) > 1 && k > 1 {
		// columns are joined independently: in parallel
		var wg sync.WaitGroup
		for s := range need {
			wg.Add(1)
			go func() {
				defer wg.Done()
				join(s)
			}()
		}
		wg.Wait()
	} else {
		for s := range need {
			join(s)
		}
	}
	fr := &col.Frame{N: total}
	for i, f := range want.Fields {
		fr.Names = append(fr.Names, f.Name)
		fr.Cols = append(fr.Cols, cols[slotOf[i]])
	}
	return fr, nil
}

// sliceTo is v[:n] with capacity n, or nil for a nil v.
func sliceTo[T any](v []T, n int) []T {
	if v == nil {
		return nil
	}
	return v[:n:n]
}

// joinValidity joins the pieces' validity bitmaps (nil: no nulls).
func joinValidity(pieces []*piece, total int) []byte {
	var out []byte
	off := 0
	for _, p := range pieces {
		if p.valid != nil {
			if out == nil {
				out = col.NewBitmap(total, true)
			}
			for i := 0; i < p.n; i++ {
				if p.valid[i>>3] != 0xff && !col.GetBit(p.valid, i) {
					col.SetBit(out, off+i, false)
				}
			}
		}
		off += p.n
	}
	return out
}

// rowBound is an upper bound on the records in data: every record but the
// last ends with a line terminator (\n, \r or \r\n). The two halves are
// counted in parallel.
func rowBound(data []byte) int {
	count := func(b []byte) int { return bytes.Count(b, []byte{'\n'}) + bytes.Count(b, []byte{'\r'}) }
	if len(data) < 1<<22 {
		return count(data) + 1
	}
	mid := len(data) / 2
	var a int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a = count(data[:mid])
	}()
	b := count(data[mid:])
	wg.Wait()
	return a + b + 1
}
