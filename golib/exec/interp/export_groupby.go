package interp

// Exported pieces of groupby_agg for the parallel runtime (golib/exec): it
// groups rows itself (in parallel) and then computes every aggregation with
// the interpreter's own kernels, so results agree bit for bit.

import (
	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
)

// Groups assigns rows to output groups (see gbGroups).
type Groups struct{ g *gbGroups }

// NewGroups wraps a grouping: gid[i] is row i's output group (-1: dropped),
// first[j] the first row of output group j, keyRows[k][j] the row whose
// value of key k labels group j.
func NewGroups(gid []int32, first []int, keyRows [][]int) *Groups {
	g := &gbGroups{gid: gid, first: first, keyRows: keyRows}
	g.setMono()
	return &Groups{g: g}
}

// GroupAggCount is the number of entries in groupby_agg's aggs attribute.
func GroupAggCount(n *ir.Node) int { return len(gbAggSpecs(n.Attrs)) }

// GroupAggSpec is aggregation i of groupby_agg node n: its output name,
// input column ("" for size) and function.
func GroupAggSpec(n *ir.Node, i int) (name, column, fn string) {
	a := gbAggSpecs(n.Attrs)[i]
	return a.name, a.col, a.fn
}

// GroupKeyColumns returns the output key columns (groupby_agg with keys).
func GroupKeyColumns(n *ir.Node, src *col.Frame, g *Groups) []*col.Column {
	keys := n.Attrs.Strings("keys")
	out := make([]*col.Column, len(keys))
	for k, name := range keys {
		out[k] = gbKeyCol(src, name).Take(g.g.keyRows[k])
	}
	return out
}

// GroupAggColumn computes aggregation i of groupby_agg node n (its name and
// column), exactly as the interpreter does.
func GroupAggColumn(n *ir.Node, src *col.Frame, g *Groups, i int) (string, *col.Column, error) {
	a := gbAggSpecs(n.Attrs)[i]
	whole := len(n.Attrs.Strings("keys")) == 0
	var v *col.Column
	var err error
	rt := ir.Int64
	if a.fn == "size" {
		v = gbSize(g.g)
	} else {
		cl := src.Col(a.col)
		if cl == nil {
			return "", nil, ir.Errorf("ColumnNotFound", "column %q not found", a.col)
		}
		if rt, _, err = frame.AggResultType(a.fn, cl.Type); err != nil {
			return "", nil, err
		}
		if whole {
			v, err = wholeAgg(a.fn, cl, g.g)
		} else {
			v, err = gbAgg(a.fn, cl, g.g)
		}
		if err != nil {
			return "", nil, err
		}
	}
	if n.Schema != nil {
		if j := n.Schema.Lookup(a.name); j >= 0 {
			rt = n.Schema.Fields[j].Type
		}
	}
	v.Type = rt
	if rt == ir.Float32 {
		for j, x := range v.F64 {
			v.F64[j] = float64(float32(x))
		}
	}
	return a.name, v, nil
}

// Pairwise is numpy's pairwise_sum of a (the sums whole-column statistics use).
func Pairwise(a []float64) float64 { return ndPairwise(a) }

// BufSize is numpy's ufunc buffer size: a sum cast to float64 adds the
// pairwise sums of buffers of this many values in order.
const BufSize = ndBufSize

// PlainDecimal parses an optional sign and 1 to 18 ASCII digits (what
// int() reads as strconv does; see parsePyInt).
func PlainDecimal(s string) (int64, bool) { return plainDecimal(s) }

// OptInt reads an integer expression option (JSON numbers decode as float64).
func OptInt(v any) (int, bool) { return optInt(v) }
