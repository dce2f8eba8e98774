package interp

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// Row-selecting and index ops: slice (head/tail/iloc[a:b]), drop_rows
// (df.drop(other.index)), set_index and reset_index.
func init() {
	// slice: start, stop (and step, default 1) with Python slice semantics;
	// absent or null means an open end. Labels are kept (a RangeIndex
	// becomes the int64 labels of the chosen rows, as frame's keepIndex says).
	register("slice", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		src := in[0]
		idx, err := sliceRows(n.Attrs, src.N)
		if err != nil {
			return nil, err
		}
		return src.Take(idx), nil
	})
	// drop_rows: the rows of input 0 whose label is not among input 1's
	// index labels, in order. Every label must exist (pandas' KeyError
	// "[...] not found in axis"). Labels compare as merge keys do (1 == 1.0,
	// NaN == NaN, None == None).
	register("drop_rows", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		src, other := in[0], in[1]
		axis, labels := src.IndexColumns(), other.IndexColumns()
		if len(axis) != 1 || len(labels) != 1 {
			return nil, ir.Errorf("NotImplemented", "drop of rows by a MultiIndex")
		}
		ax, lb := axis[0], labels[0]
		// Group the labels; an axis row whose label has a group is dropped.
		ag, lg, ng := keyGroups(newKeyEncoder([]*col.Column{ax}, []*col.Column{lb}), src.N, lb.N)
		found := make([]bool, ng)
		keep := make([]int, 0, src.N)
		for i, g := range ag {
			if g >= 0 {
				found[g] = true
				continue
			}
			keep = append(keep, i)
		}
		var missing []int
		for j, g := range lg {
			if !found[g] {
				missing = append(missing, j)
			}
		}
		if len(missing) > 0 {
			// pandas names the missing labels (a list) when the axis is
			// unique, and prints all labels (a numpy array) otherwise.
			parts := make([]string, 0, lb.N)
			sep := ", "
			_, axisGroups, distinct := keyGroups(newKeyEncoder([]*col.Column{ax}, []*col.Column{ax}), 0, src.N)
			if unique := len(axisGroups) == distinct; unique {
				for _, j := range missing {
					parts = append(parts, pyValueRepr(lb, j))
				}
			} else {
				sep = " "
				for j := 0; j < lb.N; j++ {
					parts = append(parts, pyValueRepr(lb, j))
				}
			}
			return nil, ir.Errorf("ColumnNotFound", "[%s] not found in axis", strings.Join(parts, sep))
		}
		return src.Take(keep), nil
	})
	// set_index: keys (columns that become the index levels, named after
	// them); drop (default true) removes them from the columns. The previous
	// index is discarded (pandas' append=False).
	register("set_index", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		src := in[0]
		keys := n.Attrs.Strings("keys")
		if len(keys) == 0 {
			return nil, ir.Errorf("Value", "set_index needs at least one key")
		}
		drop := n.Attrs.Bool("drop", true)
		out := &col.Frame{N: src.N}
		isKey := map[string]bool{}
		for _, k := range keys {
			cl := src.Col(k)
			if cl == nil {
				return nil, ir.Errorf("ColumnNotFound", "None of [%s] are in the columns", quotePy(k))
			}
			isKey[k] = true
			out.Index = append(out.Index, cl)
			out.IndexNames = append(out.IndexNames, k)
		}
		for i, name := range src.Names {
			if drop && isKey[name] {
				continue
			}
			out.Names = append(out.Names, name)
			out.Cols = append(out.Cols, src.Cols[i])
		}
		return out, nil
	})
	// reset_index: drop (default false). The index levels become the
	// leading columns, named by frame.ResetIndexName ("index" for an unnamed
	// single level, "level_i" otherwise); the result has a RangeIndex.
	register("reset_index", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		src := in[0]
		out := &col.Frame{N: src.N}
		if !n.Attrs.Bool("drop", false) {
			levels := src.IndexColumns()
			s := frameSchema(src)
			for i, lc := range levels {
				name := ""
				if src.Index != nil && i < len(src.IndexNames) {
					name = src.IndexNames[i]
				}
				name = frame.ResetIndexName(name, i, len(levels), s)
				if s.Lookup(name) >= 0 {
					return nil, ir.Errorf("Value", "cannot insert %s, already exists", name)
				}
				out.Names = append(out.Names, name)
				out.Cols = append(out.Cols, lc)
			}
		}
		out.Names = append(out.Names, src.Names...)
		out.Cols = append(out.Cols, src.Cols...)
		return out, nil
	})
}

// sliceRows resolves Python's slice(start, stop, step).indices(n) into the
// selected row positions.
func sliceRows(a ir.Attrs, n int) ([]int, error) {
	step := int64(1)
	if v, ok := a.Float("step"); ok {
		step = int64(v)
	}
	if step == 0 {
		return nil, ir.Errorf("Value", "slice step cannot be zero")
	}
	bound := func(key string, def int64) int64 {
		v, ok := a.Float(key)
		if !ok {
			return def
		}
		x := int64(v)
		if x < 0 {
			x += int64(n)
			if x < 0 {
				if step < 0 {
					return -1
				}
				return 0
			}
		} else if x >= int64(n) {
			if step < 0 {
				return int64(n) - 1
			}
			return int64(n)
		}
		return x
	}
	var start, stop int64
	if step > 0 {
		start, stop = bound("start", 0), bound("stop", int64(n))
	} else {
		start, stop = bound("start", int64(n)-1), bound("stop", -1)
	}
	var idx []int
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		idx = append(idx, int(i))
	}
	if idx == nil {
		idx = []int{}
	}
	return idx, nil
}

// quotePy is Python's repr() of a str.
func quotePy(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x80 || unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// pyValueRepr is Python's repr() of row i of c as a list element.
func pyValueRepr(c *col.Column, i int) string {
	if !c.IsValid(i) {
		if c.Type.IsDatetime() {
			return "NaT"
		}
		if c.Type.IsFloat() {
			return "nan"
		}
		return "None"
	}
	switch {
	case c.Type.IsInt():
		return strconv.FormatInt(c.I64[i], 10)
	case c.Type.IsFloat():
		return PyFloatRepr(c.F64[i], false)
	case c.Type == ir.Bool:
		if c.B[i] {
			return "True"
		}
		return "False"
	case c.Type == ir.String:
		return quotePy(c.Str(i))
	case c.Type.IsDatetime():
		return "Timestamp('" + pyTimestampStr(c.I64[i], c.Type) + "')"
	}
	return "?"
}

// pyTimestampStr is str(pd.Timestamp) of a datetime64 value of type t:
// "YYYY-MM-DD HH:MM:SS" plus ".ffffff" when there are microseconds or
// ".fffffffff" when there are nanoseconds.
func pyTimestampStr(v int64, t ir.DType) string {
	var sec, nsec int64
	if t == ir.DatetimeNS {
		sec, nsec = v/1e9, v%1e9
	} else {
		sec, nsec = v/1e6, (v%1e6)*1000
	}
	if nsec < 0 {
		sec--
		nsec += 1e9
	}
	tm := time.Unix(sec, nsec).UTC()
	s := tm.Format("2006-01-02 15:04:05")
	switch {
	case nsec%1000 != 0:
		s += fmt.Sprintf(".%09d", nsec)
	case nsec != 0:
		s += fmt.Sprintf(".%06d", nsec/1000)
	}
	return s
}
