package autodiff_test

import (
	"strconv"

	"github.com/flern/flern/golib/ir"
)

// Finite-difference cases for the indexing, convolution and random ops
// (appended to cases, so TestGradMatchesFiniteDifferences runs them).

// randIdx records int64 indices in [lo, lo+span) of the given shape (a
// seeded rand scaled and truncated).
func (b *gb) randIdx(shape []int64, lo, span float64, seed int64) ir.NodeID {
	r := b.add("rand", ir.Attrs{"shape": ints(shape...), "dtype": "float64"}, b.seed(seed))
	s := b.add("mul", ir.Attrs{"wrapped1": true}, r, b.wrapped(ftoa(span)))
	s = b.add("add", ir.Attrs{"wrapped1": true}, s, b.wrapped(ftoa(lo+1000)))
	i := b.add("cast", ir.Attrs{"dtype": "int64"}, s)
	off := b.add("full", ir.Attrs{"shape": []any{}, "value": "1000", "dtype": "int64", "wrapped": true})
	return b.add("sub", ir.Attrs{"wrapped1": true}, i, off)
}

// seed records a 0-dim int64 seed constant.
func (b *gb) seed(v int64) ir.NodeID {
	return b.add("full", ir.Attrs{"shape": []any{}, "value": strconv.FormatInt(v, 10), "dtype": "int64"})
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func init() {
	cases = append(cases, []gradCase{
		{"erf", [][]int64{s23}, false, un("erf")},
		{"slice step", [][]int64{{3, 5}}, false, with("tensor_slice", ir.Attrs{"dim": 1.0, "start": 1.0, "end": nil, "step": 2.0})},
		{"slice negative", [][]int64{{4, 2}}, false, with("tensor_slice", ir.Attrs{"dim": 0.0, "start": -3.0, "end": -1.0, "step": 1.0})},
		{"select last", [][]int64{{3, 4}}, false, with("tensor_select", ir.Attrs{"dim": -1.0, "index": -1.0})},
		{"select middle", [][]int64{{3, 4, 2}}, false, with("tensor_select", ir.Attrs{"dim": 1.0, "index": 2.0})},
		{"index_select repeats", [][]int64{{3, 4}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			return b.add("index_select", ir.Attrs{"dim": 0.0}, x[0], b.randIdx([]int64{5}, 0, 3, 7))
		}},
		{"index_select wrap dim 1", [][]int64{{2, 4}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			return b.add("index_select", ir.Attrs{"dim": -1.0, "wrap": true}, x[0], b.randIdx([]int64{6}, -4, 8, 3))
		}},
		{"gather dim 1", [][]int64{{3, 4}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			return b.add("gather", ir.Attrs{"dim": 1.0}, x[0], b.randIdx([]int64{3, 5}, 0, 4, 11))
		}},
		{"gather dim 0 smaller", [][]int64{{3, 4}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			return b.add("gather", ir.Attrs{"dim": 0.0}, x[0], b.randIdx([]int64{2, 2}, 0, 3, 5))
		}},
		{"mask_select rows", [][]int64{{5, 3}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			r := b.add("rand", ir.Attrs{"shape": ints(5), "dtype": "float64"}, b.seed(9))
			m := b.add("gt", ir.Attrs{"wrapped1": true}, r, b.wrapped("0.4"))
			return b.add("sum", ir.Attrs{"dims": ints(0)}, b.add("mask_select", nil, x[0], m))
		}},
		{"mask_select elements", [][]int64{{2, 3}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			m := b.add("gt", ir.Attrs{"wrapped1": true}, x[0], b.wrapped("0"))
			return b.add("sum", ir.Attrs{"dims": nil}, b.add("exp", nil, b.add("mask_select", nil, x[0], m)))
		}},
		{"cat dim 1", [][]int64{{2, 1}, {2, 3}, {2, 2}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			return b.add("exp", nil, b.add("cat", ir.Attrs{"dim": -1.0}, x...))
		}},
		{"cat dim 0 same input", [][]int64{{2, 3}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			return b.add("cat", ir.Attrs{"dim": 0.0}, x[0], b.add("tanh", nil, x[0]), x[0])
		}},
		{"cat_part", [][]int64{{2, 3}, {1, 3}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			c := b.add("cat", ir.Attrs{"dim": 0.0}, x[0], x[1], x[0])
			return b.add("cat_part", ir.Attrs{"dim": 0.0, "part": 1.0}, b.add("exp", nil, c), x[0], x[1], x[0])
		}},
		{"softmax dim 1", [][]int64{{3, 4}}, false, with("softmax", ir.Attrs{"dim": 1.0})},
		{"softmax dim 0 of 3-d", [][]int64{{3, 2, 2}}, false, with("softmax", ir.Attrs{"dim": 0.0})},
		{"log_softmax last", [][]int64{{2, 3, 4}}, false, with("log_softmax", ir.Attrs{"dim": -1.0})},
		{"log_softmax middle", [][]int64{{2, 3, 2}}, false, with("log_softmax", ir.Attrs{"dim": 1.0})},
		{"max dim", [][]int64{{3, 4}}, false, with("max", ir.Attrs{"dim": 1.0})},
		{"min dim keepdim", [][]int64{{3, 4}}, false, with("min", ir.Attrs{"dim": 0.0, "keepdim": true})},
		{"im2col", [][]int64{{2, 2, 5, 4}}, false, with("im2col", ir.Attrs{"kernel": ints(2, 3), "stride": ints(2, 1), "padding": ints(1, 1), "dilation": ints(1, 1)})},
		{"conv via im2col dilated", [][]int64{{1, 2, 6, 6}, {3, 8}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			c := b.add("im2col", ir.Attrs{"kernel": ints(2, 2), "stride": ints(1, 2), "padding": ints(0, 1), "dilation": ints(2, 1)}, x[0])
			return b.add("matmul", nil, x[1], c)
		}},
		{"col2im", [][]int64{{1, 8, 4}, {1, 2, 3, 3}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			return b.add("col2im", ir.Attrs{"kernel": ints(2, 2)}, x[0], x[1])
		}},
		{"slice_scatter", [][]int64{{2, 2}, {2, 5}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			return b.add("slice_scatter", ir.Attrs{"dim": 1.0, "start": 1.0, "end": 4.0, "step": 2.0}, x[0], x[1])
		}},
		{"index_add", [][]int64{{4, 2}, {3, 2}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			return b.add("index_add", ir.Attrs{"dim": 0.0}, x[0], b.randIdx([]int64{4}, 0, 3, 2), x[1])
		}},
		{"scatter_add", [][]int64{{2, 3}, {2, 4}}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			return b.add("scatter_add", ir.Attrs{"dim": 1.0}, x[0], b.randIdx([]int64{2, 3}, 0, 4, 4), x[1])
		}},
		{"rand_like carries no gradient", [][]int64{s23}, false, func(b *gb, x []ir.NodeID) ir.NodeID {
			return b.add("mul", nil, x[0], b.add("randn_like", nil, x[0], b.seed(3)))
		}},
	}...)
}
