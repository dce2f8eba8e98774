package frame

import "github.com/flern/flern/golib/ir"

// topk: by [], ascending [] (one per key, or one for all), na_position
// "last"|"first", n (>= 0). The first n rows of the stable sort by the keys
// (sort followed by head(n), which the optimizer's topk pass rewrites into
// this op; DataFrame.nsmallest/nlargest with keep="first"). Index kept.
func init() {
	reg("topk", 1, func(n *ir.Node, in []*ir.Schema) (*ir.Schema, error) {
		by := n.Attrs.Strings("by")
		if len(by) == 0 {
			return nil, ir.Errorf("Value", "topk needs at least one key")
		}
		for _, c := range by {
			if in[0].Lookup(c) < 0 && !hasLevel(in[0], c) {
				return nil, notFound(c, in[0])
			}
		}
		if k, ok := n.Attrs.Float("n"); !ok || k < 0 || k != float64(int64(k)) {
			return nil, ir.Errorf("Value", "topk needs a row count n >= 0, got %v", n.Attrs["n"])
		}
		return keepIndex(in[0]), nil
	})
}
