package joinorder

import (
	"math"
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
	"fact":   {[]ir.Field{{Name: "f_id", Type: ir.Int64}, {Name: "f_c", Type: ir.Int64}, {Name: "f_p", Type: ir.Int64}, {Name: "f_amt", Type: ir.Float64}}, 100000},
	"cust":   {[]ir.Field{{Name: "c_id", Type: ir.Int64}, {Name: "c_r", Type: ir.Int64}, {Name: "c_name", Type: ir.String}}, 1000},
	"region": {[]ir.Field{{Name: "r_id", Type: ir.Int64}, {Name: "r_name", Type: ir.String}}, 5},
	"prod":   {[]ir.Field{{Name: "p_id", Type: ir.Int64}, {Name: "p_cat", Type: ir.String}}, 2000},
	"fcust":  {[]ir.Field{{Name: "c_id", Type: ir.Float64}, {Name: "c_r", Type: ir.Int64}, {Name: "c_name", Type: ir.String}}, 1000},
	"dup":    {[]ir.Field{{Name: "r_id", Type: ir.Int64}, {Name: "f_amt", Type: ir.String}}, 5},
	"nosize": {[]ir.Field{{Name: "r_id", Type: ir.Int64}, {Name: "r_name", Type: ir.String}}, -1},
}

func init() {
	frame.SniffParquet = func(a ir.Attrs) (*ir.Schema, error) {
		return &ir.Schema{Fields: append([]ir.Field(nil), tables[a.Str("path")].fields...)}, nil
	}
	ScanRows["scan_parquet"] = func(a ir.Attrs) (int64, bool) {
		r := tables[a.Str("path")].rows
		return r, r >= 0
	}
}

type builder struct{ g *ir.Graph }

func (b *builder) add(op string, attrs ir.Attrs, in ...ir.NodeID) ir.NodeID {
	return b.g.Add(&ir.Node{Op: op, Inputs: in, Attrs: attrs})
}
func (b *builder) scan(t string) ir.NodeID { return b.add("scan_parquet", ir.Attrs{"path": t}) }
func (b *builder) join(l, r ir.NodeID, lon, ron string) ir.NodeID {
	return b.add("join", ir.Attrs{"how": "inner", "left_on": []any{lon}, "right_on": []any{ron}}, l, r)
}
func (b *builder) eq(in ir.NodeID, c, v string) ir.NodeID {
	return b.add("filter", ir.Attrs{"pred": ir.Call("eq", ir.Col(c), ir.LitString(v))}, in)
}
func (b *builder) groupby(in ir.NodeID, key, fn string, sorted bool) ir.NodeID {
	return b.add("groupby_agg", ir.Attrs{"keys": []any{key}, "sort": sorted, "as_index": false,
		"aggs": []any{map[string]any{"name": "t", "col": "f_amt", "fn": fn}}}, in)
}

// chain is fact ⋈ cust ⋈ (region filtered) as written: the selective join last.
func chain(b *builder, cust, region string) ir.NodeID {
	j := b.join(b.scan("fact"), b.scan(cust), "f_c", "c_id")
	return b.join(j, b.eq(b.scan(region), "r_name", "north"), "c_r", "r_id")
}

// joins lists the live joins of g in order, each as "left_on=right_on".
func joins(g *ir.Graph) []string {
	var out []string
	for _, n := range g.Nodes {
		if n.Op == "join" {
			out = append(out, strings.Join(n.Attrs.Strings("left_on"), ",")+"="+strings.Join(n.Attrs.Strings("right_on"), ","))
		}
	}
	return out
}

func TestRun(t *testing.T) {
	cases := []struct {
		name  string
		build func(b *builder) ir.NodeID
		want  []string // the joins after the pass (nil: unchanged)
	}{
		{"a selective dimension joined last moves first", func(b *builder) ir.NodeID {
			return b.groupby(chain(b, "cust", "region"), "r_name", "sum", true)
		}, []string{"c_r=r_id", "f_c=c_id"}},
		{"through a filter and a project above the tree", func(b *builder) ir.NodeID {
			f := b.add("filter", ir.Attrs{"pred": ir.Call("gt", ir.Col("f_amt"), ir.LitFloat(0))}, chain(b, "cust", "region"))
			p := b.add("project", ir.Attrs{"exprs": []ir.NamedExpr{{Name: "r_name", Expr: ir.Col("r_name")}, {Name: "f_amt", Expr: ir.Col("f_amt")}}}, f)
			return b.groupby(p, "r_name", "mean", true)
		}, []string{"c_r=r_id", "f_c=c_id"}},
		{"a star around the fact table", func(b *builder) ir.NodeID {
			j := b.join(b.scan("fact"), b.scan("prod"), "f_p", "p_id")
			j = b.join(j, b.scan("cust"), "f_c", "c_id")
			j = b.join(j, b.eq(b.scan("region"), "r_name", "north"), "c_r", "r_id")
			return b.groupby(j, "p_cat", "sum", true)
		}, []string{"c_r=r_id", "f_c=c_id", "f_p=p_id"}},
		{"row order observed by the output: unchanged", func(b *builder) ir.NodeID {
			return chain(b, "cust", "region")
		}, nil},
		{"first observes the order: unchanged", func(b *builder) ir.NodeID {
			return b.groupby(chain(b, "cust", "region"), "r_name", "first", true)
		}, nil},
		{"groupby(sort=False) observes the order: unchanged", func(b *builder) ir.NodeID {
			return b.groupby(chain(b, "cust", "region"), "r_name", "sum", false)
		}, nil},
		{"a sort above the tree: unchanged", func(b *builder) ir.NodeID {
			return b.add("sort", ir.Attrs{"by": []any{"f_amt"}, "ascending": []any{true}}, chain(b, "cust", "region"))
		}, nil},
		{"float keys: unchanged", func(b *builder) ir.NodeID {
			return b.groupby(chain(b, "fcust", "region"), "r_name", "sum", true)
		}, nil},
		{"a clashing column name: unchanged", func(b *builder) ir.NodeID {
			j := b.join(b.scan("fact"), b.scan("cust"), "f_c", "c_id")
			return b.groupby(b.join(j, b.scan("dup"), "c_r", "r_id"), "c_name", "size", true)
		}, nil},
		{"an unknown row count: unchanged", func(b *builder) ir.NodeID {
			return b.groupby(chain(b, "cust", "nosize"), "r_name", "sum", true)
		}, nil},
		{"already the best order: unchanged", func(b *builder) ir.NodeID {
			j := b.join(b.eq(b.scan("region"), "r_name", "north"), b.scan("cust"), "r_id", "c_r")
			return b.groupby(b.join(j, b.scan("fact"), "c_id", "f_c"), "r_name", "sum", true)
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := &builder{g: &ir.Graph{}}
			b.g.Outputs = []ir.NodeID{tc.build(b)}
			if err := b.g.Verify(); err != nil {
				t.Fatal(err)
			}
			before, wantSchema := joins(b.g), b.g.Node(b.g.Outputs[0]).Schema.String()
			changed, err := Run(b.g)
			if err != nil {
				t.Fatal(err)
			}
			b.g.Compact()
			if err := b.g.Verify(); err != nil {
				t.Fatalf("invalid plan after the pass: %v\n%s", err, b.g.Print())
			}
			got := joins(b.g)
			if tc.want == nil {
				if changed || strings.Join(got, " ") != strings.Join(before, " ") {
					t.Fatalf("changed = %v, joins %v -> %v\n%s", changed, before, got, b.g.Print())
				}
				return
			}
			if !changed || strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("changed = %v, joins %v, want %v\n%s", changed, got, tc.want, b.g.Print())
			}
			if s := b.g.Node(b.g.Outputs[0]).Schema.String(); s != wantSchema {
				t.Fatalf("output schema %s, want %s", s, wantSchema)
			}
		})
	}
}

func TestSelectivity(t *testing.T) {
	c := ir.Col("a")
	lit := ir.LitInt(1)
	cases := []struct {
		name string
		e    *ir.Expr
		want float64
	}{
		{"nil", nil, 1},
		{"eq", ir.Call("eq", c, lit), 0.1},
		{"ne", ir.Call("ne", c, lit), 0.9},
		{"range", ir.Call("lt", c, lit), 1.0 / 3},
		{"and multiplies", ir.Call("and", ir.Call("eq", c, lit), ir.Call("ge", c, lit)), 0.1 / 3},
		{"or adds", ir.Call("or", ir.Call("eq", c, lit), ir.Call("eq", c, lit)), 0.19},
		{"not", ir.Call("not", ir.Call("eq", c, lit)), 0.9},
		{"string match", ir.Call("str_contains", c), 0.1},
		{"true", ir.LitBool(true), 1},
		{"false", ir.LitBool(false), 0},
		{"unknown", ir.Call("isin_frame", c), 0.5},
	}
	for _, tc := range cases {
		if got := dce.Selectivity(tc.e); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: selectivity %v, want %v", tc.name, got, tc.want)
		}
	}
}
