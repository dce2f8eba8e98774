package interp

import (
	"fmt"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// ReadCSV reads a scan_csv node's columns (set by the engine to csvio.Read);
// keys are its key filters (the joinfilter pass, scanKeyFilters).
var ReadCSV func(attrs ir.Attrs, schema *ir.Schema, keys []col.KeyFilter) (*col.Frame, error)

// ReadParquet reads a scan_parquet node's columns (set by the engine to
// parquetio.Read); keys are its key filters.
var ReadParquet func(attrs ir.Attrs, schema *ir.Schema, keys []col.KeyFilter) (*col.Frame, error)

// scanKeyFilters builds the key sets of a scan's key_filters from its inputs
// (input i holds entry i's key column; frame.KeyFilters, checked when the
// plan was verified).
func scanKeyFilters(n *ir.Node, in []*col.Frame) ([]col.KeyFilter, error) {
	kfs, err := frame.KeyFilters(n.Attrs)
	if err != nil {
		return nil, err
	}
	if len(kfs) != len(in) {
		return nil, ir.Errorf("Internal", "%s: %d key filters, %d inputs", n.Op, len(kfs), len(in))
	}
	out := make([]col.KeyFilter, len(kfs))
	for i, kf := range kfs {
		kc := in[i].Col(kf.Key)
		if kc == nil {
			return nil, ir.Errorf("ColumnNotFound", "key filter key %q not in the scan's input %d", kf.Key, i)
		}
		if !(kc.Type.IsInt() || kc.Type.IsDatetime()) || kc.I64 == nil && kc.N > 0 {
			return nil, ir.Errorf("Internal", "key filter of column %q by %s keys", kf.Column, kc.Type)
		}
		out[i] = col.KeyFilter{Column: kf.Column, Keys: col.NewKeySet(kc)}
	}
	return out, nil
}

// ScanKeyFilters is scanKeyFilters for the runtime (a streamed scan).
func ScanKeyFilters(n *ir.Node, in []*col.Frame) ([]col.KeyFilter, error) {
	return scanKeyFilters(n, in)
}

func init() {
	register("source", func(c *Ctx, n *ir.Node, _ []*col.Frame) (*col.Frame, error) {
		i := int(n.Attrs.Int("input", -1))
		if i < 0 || i >= len(c.Inputs) || c.Inputs[i] == nil {
			return nil, ir.Errorf("Value", "source reads input %d but %d inputs were given", i, len(c.Inputs))
		}
		in := *c.Inputs[i]
		if len(in.Names) != len(n.Schema.Fields) || len(in.Index) != len(n.Schema.Index) {
			return nil, ir.Errorf("Value", "input %d has %d columns and %d index levels, the plan expects %d and %d",
				i, len(in.Names), len(in.Index), len(n.Schema.Fields), len(n.Schema.Index))
		}
		for j, f := range n.Schema.Fields {
			if in.Names[j] != f.Name || in.Cols[j].Type != f.Type {
				return nil, ir.Errorf("Value", "input %d column %d is %q:%s, the plan expects %q:%s",
					i, j, in.Names[j], in.Cols[j].Type, f.Name, f.Type)
			}
		}
		if in.Index != nil {
			in.IndexNames = make([]string, len(in.Index))
			for j, f := range n.Schema.Index {
				in.IndexNames[j] = f.Name
			}
		}
		return &in, nil
	})
	register("scan_csv", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		if ReadCSV == nil {
			return nil, ir.Errorf("Internal", "no CSV reader linked")
		}
		keys, err := scanKeyFilters(n, in)
		if err != nil {
			return nil, err
		}
		return ReadCSV(n.Attrs, n.Schema, keys)
	})
	register("scan_parquet", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		if ReadParquet == nil {
			return nil, ir.Errorf("Internal", "no Parquet reader linked")
		}
		keys, err := scanKeyFilters(n, in)
		if err != nil {
			return nil, err
		}
		return ReadParquet(n.Attrs, n.Schema, keys)
	})
	register("project", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		src := in[0]
		out := &col.Frame{N: src.N, Index: src.Index, IndexNames: src.IndexNames}
		for _, ne := range n.Attrs.NamedExprs("exprs") {
			v, err := Eval(ne.Expr, src)
			if err != nil {
				return nil, err
			}
			out.Names = append(out.Names, ne.Name)
			out.Cols = append(out.Cols, v)
		}
		return out, nil
	})
	register("filter", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		m, err := Eval(n.Attrs.Expr("pred"), in[0])
		if err != nil {
			return nil, err
		}
		if m.HasNulls() {
			return nil, ir.Errorf("Value", "Cannot mask with non-boolean array containing NA / NaN values")
		}
		idx := make([]int, 0, in[0].N)
		for i := 0; i < m.N; i++ {
			if m.B[i] {
				idx = append(idx, i)
			}
		}
		return in[0].Take(idx), nil
	})
	register("select", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		src := in[0]
		out := &col.Frame{N: src.N, Index: src.Index, IndexNames: src.IndexNames}
		for _, name := range n.Attrs.Strings("columns") {
			cl := src.Col(name)
			if cl == nil {
				return nil, ir.Errorf("ColumnNotFound", "column %q not found", name)
			}
			out.Names = append(out.Names, name)
			out.Cols = append(out.Cols, cl)
		}
		return out, nil
	})
	register("assign", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		src := in[0]
		out := &col.Frame{N: src.N, Index: src.Index, IndexNames: src.IndexNames,
			Names: append([]string(nil), src.Names...), Cols: append([]*col.Column(nil), src.Cols...)}
		for _, ne := range n.Attrs.NamedExprs("exprs") {
			v, err := Eval(ne.Expr, src)
			if err != nil {
				return nil, err
			}
			replaced := false
			for i, name := range out.Names {
				if name == ne.Name {
					out.Cols[i], replaced = v, true
				}
			}
			if !replaced {
				out.Names = append(out.Names, ne.Name)
				out.Cols = append(out.Cols, v)
			}
		}
		return out, nil
	})
	register("rename", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		m, _ := n.Attrs["mapping"].(map[string]any)
		out := *in[0]
		out.Names = make([]string, len(in[0].Names))
		for i, name := range in[0].Names {
			if nn, ok := m[name].(string); ok {
				name = nn
			}
			out.Names[i] = name
		}
		return &out, nil
	})
	register("drop_columns", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		drop := map[string]bool{}
		for _, name := range n.Attrs.Strings("columns") {
			drop[name] = true
		}
		src := in[0]
		out := &col.Frame{N: src.N, Index: src.Index, IndexNames: src.IndexNames}
		for i, name := range src.Names {
			if !drop[name] {
				out.Names = append(out.Names, name)
				out.Cols = append(out.Cols, src.Cols[i])
			}
		}
		return out, nil
	})
	register("test_panic", func(c *Ctx, n *ir.Node, _ []*col.Frame) (*col.Frame, error) {
		var m map[string]int
		m["boom"] = 1 // a real runtime panic (nil map write), recovered at the C ABI
		return nil, fmt.Errorf("unreachable")
	})
	_ = frame.AggFuncs
}
