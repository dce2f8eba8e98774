package joinfilter

import (
	"strings"
	"testing"

	"github.com/flern/flern/golib/frame"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt/dce"
)

// tables are the fake Parquet files of these tests: schema and row count.
var tables = map[string]struct {
	fields []ir.Field
	rows   int64
}{
	"fact":  {[]ir.Field{{Name: "f_id", Type: ir.Int64}, {Name: "f_c", Type: ir.Int64}, {Name: "f_t", Type: ir.DatetimeUS}, {Name: "f_amt", Type: ir.Float64}}, 100000},
	"cust":  {[]ir.Field{{Name: "c_id", Type: ir.Int64}, {Name: "c_name", Type: ir.String}, {Name: "c_t", Type: ir.DatetimeUS}}, 1000},
	"fcust": {[]ir.Field{{Name: "c_id", Type: ir.Float64}, {Name: "c_name", Type: ir.String}}, 1000},
	"scust": {[]ir.Field{{Name: "c_id", Type: ir.String}, {Name: "c_name", Type: ir.String}}, 1000},
	"big":   {[]ir.Field{{Name: "b_c", Type: ir.Int64}, {Name: "b_amt", Type: ir.Float64}}, 20000},
}

func init() {
	frame.SniffParquet = func(a ir.Attrs) (*ir.Schema, error) {
		return &ir.Schema{Fields: append([]ir.Field(nil), tables[a.Str("path")].fields...)}, nil
	}
	dce.ScanSorted["scan_parquet"] = func(a ir.Attrs, c string) bool { return c == "f_id" }
	dce.ScanRows["scan_parquet"] = func(a ir.Attrs) (int64, bool) {
		r := tables[a.Str("path")].rows
		return r, r >= 0
	}
}

type builder struct{ g *ir.Graph }

func (b *builder) add(op string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
	return b.g.Add(&ir.Node{Op: op, Inputs: in, Attrs: attrs})
}
func (b *builder) scan(t string) ir.NodeID { return b.add("scan_parquet", ir.Attrs{"path": t}) }
func (b *builder) join(how string, l, r ir.NodeID, lon, ron string) ir.NodeID {
	return b.add("join", ir.Attrs{"how": how, "left_on": []any{lon}, "right_on": []any{ron}}, l, r)
}
func (b *builder) semi(anti bool, l, r ir.NodeID, lon, ron string) ir.NodeID {
	return b.add("semi_join", ir.Attrs{"anti": anti, "left_on": lon, "right_on": ron}, l, r)
}
func (b *builder) eq(in ir.NodeID, c, v string) ir.NodeID {
	return b.add("filter", ir.Attrs{"pred": ir.Call("eq", ir.Col(c), ir.LitString(v))}, in)
}
func (b *builder) sum(in ir.NodeID) ir.NodeID {
	return b.add("groupby_agg", ir.Attrs{"keys": []any{}, "sort": true, "as_index": false,
		"aggs": []any{map[string]any{"name": "t", "col": "f_amt", "fn": "sum"}}}, in)
}

func (b *builder) keyedSum(in ir.NodeID, key string) ir.NodeID {
	g := b.add("groupby_agg", ir.Attrs{"keys": []any{key}, "sort": true, "as_index": false,
		"aggs": []any{map[string]any{"name": "t", "col": "f_amt", "fn": "sum"}}}, in)
	return b.add("project", ir.Attrs{"exprs": []ir.NamedExpr{{Name: "t", Expr: ir.Col("t")}}}, g)
}

// byName is a grouping of cust by name keeping a c_id: a build side the
// pass cannot trace to a scan.
func (b *builder) byName(in ir.NodeID) ir.NodeID {
	return b.add("groupby_agg", ir.Attrs{"keys": []any{"c_name"}, "sort": true, "as_index": false,
		"aggs": []any{map[string]any{"name": "c_id", "col": "c_id", "fn": "max"}}}, in)
}

// filters lists the key filters of g's scans as "path.column<-key@op".
func filters(g *ir.Graph) string {
	var out []string
	for _, n := range g.Nodes {
		kf, _ := frame.KeyFilters(n.Attrs)
		for i, f := range kf {
			out = append(out, n.Attrs.Str("path")+"."+f.Column+"<-"+f.Key+"@"+g.Node(n.Inputs[i]).Op)
		}
	}
	return strings.Join(out, " ")
}

func TestRun(t *testing.T) {
	cases := []struct {
		name  string
		build func(b *builder) ir.NodeID
		want  string // the key filters after the pass ("": none)
	}{
		{"inner: the bigger scan probes", func(b *builder) ir.NodeID {
			return b.sum(b.join("inner", b.eq(b.scan("cust"), "c_name", "x"), b.scan("fact"), "c_id", "f_c"))
		}, "fact.f_c<-c_id@filter"},
		{"inner, written the other way", func(b *builder) ir.NodeID {
			return b.sum(b.join("inner", b.scan("fact"), b.eq(b.scan("cust"), "c_name", "x"), "f_c", "c_id"))
		}, "fact.f_c<-c_id@filter"},
		{"left: only the right side probes", func(b *builder) ir.NodeID {
			return b.sum(b.join("left", b.scan("fact"), b.scan("cust"), "f_c", "c_id"))
		}, "cust.c_id<-f_c@scan_parquet"},
		{"semi join: the bigger scan probes", func(b *builder) ir.NodeID {
			return b.sum(b.semi(false, b.scan("fact"), b.eq(b.scan("cust"), "c_name", "x"), "f_c", "c_id"))
		}, "fact.f_c<-c_id@filter"},
		{"semi join, lookup side bigger", func(b *builder) ir.NodeID {
			return b.semi(false, b.eq(b.scan("cust"), "c_name", "x"), b.scan("fact"), "c_id", "f_c")
		}, "fact.f_c<-c_id@filter"},
		{"anti join: only the lookup side probes", func(b *builder) ir.NodeID {
			return b.sum(b.semi(true, b.scan("fact"), b.scan("cust"), "f_c", "c_id"))
		}, "cust.c_id<-f_c@scan_parquet"},
		{"datetime keys", func(b *builder) ir.NodeID {
			return b.sum(b.join("inner", b.scan("fact"), b.eq(b.scan("cust"), "c_name", "x"), "f_t", "c_t"))
		}, "fact.f_t<-c_t@filter"},
		{"through a filter and a renaming project", func(b *builder) ir.NodeID {
			f := b.add("filter", ir.Attrs{"pred": ir.Call("gt", ir.Col("f_amt"), ir.LitFloat(1))}, b.scan("fact"))
			p := b.add("project", ir.Attrs{"exprs": []ir.NamedExpr{{Name: "k", Expr: ir.Col("f_c")}, {Name: "f_amt", Expr: ir.Col("f_amt")}}}, f)
			return b.sum(b.join("inner", p, b.eq(b.scan("cust"), "c_name", "x"), "k", "c_id"))
		}, "fact.f_c<-c_id@filter"},
		{"through a groupby on the key", func(b *builder) ir.NodeID {
			g := b.add("groupby_agg", ir.Attrs{"keys": []any{"f_c", "f_id"}, "as_index": false,
				"aggs": []any{map[string]any{"name": "f_amt", "col": "f_amt", "fn": "sum"}}}, b.scan("fact"))
			return b.sum(b.join("inner", g, b.eq(b.scan("cust"), "c_name", "x"), "f_c", "c_id"))
		}, "fact.f_c<-c_id@filter"},
		{"a groupby on another key: the other side probes", func(b *builder) ir.NodeID {
			g := b.add("groupby_agg", ir.Attrs{"keys": []any{"f_id"}, "as_index": false,
				"aggs": []any{map[string]any{"name": "f_c", "col": "f_c", "fn": "max"}, map[string]any{"name": "f_amt", "col": "f_amt", "fn": "sum"}}}, b.scan("fact"))
			return b.sum(b.join("inner", g, b.scan("cust"), "f_c", "c_id"))
		}, "cust.c_id<-f_c@groupby_agg"},
		{"a groupby keeping its key as the index: not traced", func(b *builder) ir.NodeID {
			g := b.add("groupby_agg", ir.Attrs{"keys": []any{"f_c"},
				"aggs": []any{map[string]any{"name": "f_amt", "col": "f_amt", "fn": "sum"}}}, b.scan("fact"))
			r := b.add("reset_index", ir.Attrs{}, g)
			return b.sum(b.join("inner", r, b.scan("cust"), "f_c", "c_id"))
		}, "cust.c_id<-f_c@reset_index"},
		{"a semi join halves its side's estimate: the other side probes", func(b *builder) ir.NodeID {
			f := b.add("scan_parquet", ir.Attrs{"path": "fact", "filter": ir.Call("and", ir.Call("gt", ir.Col("f_amt"), ir.LitFloat(1)),
				ir.Call("gt", ir.Col("f_id"), ir.LitInt(2)))}) // 100000 x 1/9
			c := b.semi(false, b.scan("big"), b.eq(b.scan("cust"), "c_name", "x"), "b_c", "c_id") // 20000 x 1/2
			return b.sum(b.join("inner", c, f, "b_c", "f_c"))
		}, "big.b_c<-c_id@filter fact.f_c<-b_c@semi_join"},
		{"a filter pushed into a scan counts in its estimate: the other side probes", func(b *builder) ir.NodeID {
			f := b.add("scan_parquet", ir.Attrs{"path": "fact", "filter": ir.Call("and", ir.Call("eq", ir.Col("f_amt"), ir.LitFloat(1)),
				ir.Call("eq", ir.Col("f_id"), ir.LitInt(2)))}) // 100000 x 1/100
			return b.sum(b.join("inner", f, b.scan("big"), "f_c", "b_c")) // 20000
		}, "big.b_c<-f_c@scan_parquet"},
		{"a computed key is not traced", func(b *builder) ir.NodeID {
			p := b.add("project", ir.Attrs{"exprs": []ir.NamedExpr{{Name: "k", Expr: ir.Call("add", ir.Col("f_c"), ir.LitInt(1))}, {Name: "f_amt", Expr: ir.Col("f_amt")}}}, b.scan("fact"))
			return b.sum(b.join("inner", p, b.eq(b.scan("cust"), "c_name", "x"), "k", "c_id"))
		}, "cust.c_id<-k@project"},
		{"float keys: none", func(b *builder) ir.NodeID {
			return b.sum(b.join("inner", b.scan("fact"), b.scan("fcust"), "f_amt", "c_id"))
		}, ""},
		{"string keys: none", func(b *builder) ir.NodeID {
			return b.join("inner", b.scan("scust"), b.eq(b.scan("cust"), "c_name", "x"), "c_id", "c_name")
		}, ""},
		{"a scan with another reader: none on it, the other side probes", func(b *builder) ir.NodeID {
			f := b.scan("fact")
			j := b.join("inner", f, b.eq(b.scan("cust"), "c_name", "x"), "f_c", "c_id")
			other := b.add("groupby_agg", ir.Attrs{"keys": []any{}, "sort": true, "as_index": false,
				"aggs": []any{map[string]any{"name": "t", "col": "f_amt", "fn": "nunique"}}}, f)
			return b.join("inner", b.sum(j), other, "t", "t")
		}, "cust.c_id<-f_c@scan_parquet"},
		{"a scan also read by a whole-frame aggregation (not streamed by default): none on it", func(b *builder) ir.NodeID {
			f := b.scan("fact")
			j := b.join("inner", f, b.eq(b.scan("cust"), "c_name", "x"), "f_c", "c_id")
			return b.join("inner", b.sum(j), b.sum(f), "t", "t")
		}, "cust.c_id<-f_c@scan_parquet"},
		{"a scan also read by an aggregation by a key the file stores sorted: a copy", func(b *builder) ir.NodeID {
			f := b.scan("fact")
			j := b.join("inner", f, b.eq(b.scan("cust"), "c_name", "x"), "f_c", "c_id")
			return b.join("inner", b.sum(j), b.keyedSum(f, "f_id"), "t", "t")
		}, "fact.f_c<-c_id@filter"},
		{"a scan also read by an aggregation by an unsorted key: none on it", func(b *builder) ir.NodeID {
			f := b.scan("fact")
			j := b.join("inner", f, b.eq(b.scan("cust"), "c_name", "x"), "f_c", "c_id")
			return b.join("inner", b.sum(j), b.keyedSum(f, "f_c"), "t", "t")
		}, "cust.c_id<-f_c@scan_parquet"},
		{"a scan read by two joins' chains (q21): each gets a copy with its filter", func(b *builder) ir.NodeID {
			f := b.scan("fact")
			j := b.join("inner", f, b.byName(b.scan("cust")), "f_c", "c_id")
			n := b.add("groupby_agg", ir.Attrs{"keys": []any{"f_id"}, "sort": true, "as_index": false,
				"aggs": []any{map[string]any{"name": "n", "col": "f_c", "fn": "nunique"}}}, f)
			return b.semi(false, j, n, "f_id", "f_id")
		}, "fact.f_c<-c_id@groupby_agg fact.f_id<-f_id@join"},
		{"a scan read by a join's chain and by another reader: none on it", func(b *builder) ir.NodeID {
			f := b.scan("fact")
			j := b.join("inner", f, b.byName(b.scan("cust")), "f_c", "c_id")
			other := b.add("groupby_agg", ir.Attrs{"keys": []any{}, "sort": true, "as_index": false,
				"aggs": []any{map[string]any{"name": "t", "col": "f_amt", "fn": "nunique"}}}, f)
			return b.join("inner", b.sum(j), other, "t", "t")
		}, ""},
		{"a probe chain that is also an output: none on it", func(b *builder) ir.NodeID {
			f := b.add("filter", ir.Attrs{"pred": ir.Call("gt", ir.Col("f_amt"), ir.LitFloat(1))}, b.scan("fact"))
			j := b.join("inner", f, b.eq(b.scan("cust"), "c_name", "x"), "f_c", "c_id")
			b.g.Outputs = append(b.g.Outputs, f)
			return j
		}, "cust.c_id<-f_c@filter"},
		{"two joins chain their filters", func(b *builder) ir.NodeID {
			j := b.join("inner", b.eq(b.scan("cust"), "c_name", "x"), b.scan("fact"), "c_id", "f_c")
			return b.join("inner", j, b.scan("fact"), "f_id", "f_id")
		}, "fact.f_c<-c_id@filter fact.f_id<-f_id@join"},
		{"observed index labels of the kept side: the lookup side probes", func(b *builder) ir.NodeID {
			return b.semi(false, b.scan("fact"), b.eq(b.scan("cust"), "c_name", "x"), "f_c", "c_id")
		}, "cust.c_id<-f_c@scan_parquet"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := &builder{g: &ir.Graph{}}
			out := tc.build(b)
			b.g.Outputs = append([]ir.NodeID{out}, b.g.Outputs...)
			b.g.Compact()
			if err := b.g.Verify(); err != nil {
				t.Fatal(err)
			}
			changed, err := Run(b.g)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.g.Verify(); err != nil {
				t.Fatalf("invalid plan after the pass: %v\n%s", err, b.g.Print())
			}
			if got := filters(b.g); got != tc.want || changed != (tc.want != "") {
				t.Errorf("key filters %q (changed %v), want %q\n%s", got, changed, tc.want, b.g.Print())
			}
			// a second run adds nothing
			if again, _ := Run(b.g); again {
				t.Errorf("second run changed the plan:\n%s", b.g.Print())
			}
		})
	}
}
