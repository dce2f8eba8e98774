package go_tests

import (
	"context"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/engine"
	"github.com/flern/flern/golib/ir"
)

// End-to-end tests: wire plans in testdata/plans are compiled and run over
// in-memory frames and the small CSV files in testdata, with the optimizer
// on and off (the two runs must agree); results are compared as text with
// the sibling .want file (regenerate with `go test ./go_tests -update`,
// then check the diff against pandas). Plans that must fail are in
// testdata/errors, with the expected error in the table below.

var update = flag.Bool("update", false, "rewrite the .want files of testdata/plans")

// fmtFloat prints floats with 10 significant digits: results must match
// pandas within a tolerance, not to the last bit.
func fmtFloat(f float64) string {
	if math.IsNaN(f) {
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', 10, 64)
}

func cellText(c *col.Column, i int) string {
	if !c.IsValid(i) {
		return "None"
	}
	switch {
	case c.Type.IsInt(), c.Type.IsDatetime():
		return strconv.FormatInt(c.I64[i], 10)
	case c.Type.IsFloat():
		return fmtFloat(c.F64[i])
	case c.Type == ir.Bool:
		if c.B[i] {
			return "True"
		}
		return "False"
	case c.Type == ir.String:
		return strconv.Quote(c.Str(i))
	}
	return "?"
}

// frameText renders a frame as a header line (index levels in brackets,
// "[range]" for a RangeIndex) and one line per row.
func frameText(f *col.Frame) string {
	var b strings.Builder
	var head []string
	if f.Index == nil {
		head = append(head, "[range]")
	}
	for i, c := range f.Index {
		head = append(head, "["+f.IndexNames[i]+"]:"+c.Type.String())
	}
	for i, c := range f.Cols {
		head = append(head, f.Names[i]+":"+c.Type.String())
	}
	b.WriteString(strings.Join(head, " | ") + "\n")
	for r := 0; r < f.N; r++ {
		var row []string
		if f.Index == nil {
			row = append(row, strconv.Itoa(r))
		}
		for _, c := range f.Index {
			row = append(row, cellText(c, r))
		}
		for _, c := range f.Cols {
			row = append(row, cellText(c, r))
		}
		b.WriteString(strings.Join(row, " | ") + "\n")
	}
	return b.String()
}

func resultsText(fs []*col.Frame) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = "== output " + strconv.Itoa(i) + " ==\n" + frameText(f)
	}
	return strings.Join(parts, "")
}

func mask(bits string) []byte {
	b := col.NewBitmap(len(bits), false)
	for i, c := range bits {
		col.SetBit(b, i, c == '1')
	}
	return b
}

// people and teams are the in-memory inputs of the plans with sources.
func people() *col.Frame {
	return &col.Frame{N: 6, Names: []string{"id", "name", "score", "team"}, Cols: []*col.Column{
		col.NewInt64([]int64{1, 2, 3, 4, 5, 6}),
		col.NewStrings([]string{"ann", "", "bob", "cy", "dee", "eve"}, mask("101111")),
		col.NewFloat64([]float64{1.0, 2.0, 3.5, math.NaN(), 4.0, 1.5}),
		col.NewStrings([]string{"red", "blue", "red", "green", "blue", "pink"}, nil),
	}}
}

func teams() *col.Frame {
	return &col.Frame{N: 3, Names: []string{"team", "score", "city"}, Cols: []*col.Column{
		col.NewStrings([]string{"red", "blue", "gray"}, nil),
		col.NewInt64([]int64{10, 20, 30}),
		col.NewStrings([]string{"Oslo", "Rome", "Lima"}, nil),
	}}
}

var planCases = []struct {
	file    string
	inputs  func() []*col.Frame
	explain []string // lines the optimized plan (Explain(false)) must contain
}{
	{file: "csv_pipeline",
		explain: []string{
			// projection pushdown: only the columns the plan reads are parsed
			`%0 = scan_csv(columns=["mpg", "cyl", "origin"], path="testdata/cars.csv")  :: mpg:float64, cyl:int64, origin:str`,
			`scan_csv(columns=["origin", "continent"], path="testdata/origins.csv")`,
			// resolve + dce: assign became a project of the used columns (fused
			// with the filter into one select loop since 361ceab); late_project
			// computes kpl after the merge (the loop carries mpg through it)
			`kernel=select[filter project]`,
			`:: [<index>]:int64, cyl:int64, origin:str, mpg:float64`,
			`project(%3, exprs=["cyl", "kpl": mul(col("mpg"), 0.425), "continent"], late=true)`,
		}},
	{file: "memory_pipeline", inputs: func() []*col.Frame { return []*col.Frame{people(), teams()} },
		explain: []string{
			`%0 = source(input=0)  :: id:int64, name:str, score:float64, team:str`,
			`select`, // resolved away: must not appear (checked below)
		}},
	{file: "index_ops", inputs: func() []*col.Frame { return []*col.Frame{people()} },
		explain: []string{`value_counts(%0, column="team")`}},
}

func readPlan(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestPlans(t *testing.T) {
	for _, c := range planCases {
		t.Run(c.file, func(t *testing.T) {
			plan := readPlan(t, filepath.Join("testdata", "plans", c.file+".json"))
			var texts [2]string
			for k, o := range []engine.Options{{}, {NoOpt: true}} {
				p, err := engine.Compile(plan, o)
				if err != nil {
					t.Fatalf("Compile(%+v): %v", o, err)
				}
				var in []*col.Frame
				if c.inputs != nil {
					in = c.inputs()
				}
				out, err := p.Run(context.Background(), in)
				if err != nil {
					t.Fatalf("Run(%+v): %v", o, err)
				}
				if len(out) != len(p.Graph.Outputs) {
					t.Fatalf("%d results for %d outputs", len(out), len(p.Graph.Outputs))
				}
				for i, f := range out {
					if err := f.Validate(); err != nil {
						t.Errorf("output %d: %v", i, err)
					}
					if s := p.Schemas()[i]; s != nil && len(s.Fields) != len(f.Cols) {
						t.Errorf("output %d has %d columns, its schema %d", i, len(f.Cols), len(s.Fields))
					}
				}
				texts[k] = resultsText(out)
				if k == 0 {
					ex := p.Explain(false)
					for _, want := range c.explain {
						if want == "select" {
							if strings.Contains(ex, "select(") {
								t.Errorf("optimized plan still has a select:\n%s", ex)
							}
							continue
						}
						if !strings.Contains(ex, want) {
							t.Errorf("optimized plan lacks %q:\n%s", want, ex)
						}
					}
				}
			}
			if texts[0] != texts[1] {
				t.Errorf("optimizer changed the results:\noptimized:\n%s\nunoptimized:\n%s", texts[0], texts[1])
			}
			wantFile := filepath.Join("testdata", "plans", c.file+".want")
			if *update {
				if err := os.WriteFile(wantFile, []byte(texts[0]), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if texts[0] != string(want) {
				t.Errorf("results:\n%s\nwant (%s):\n%s", texts[0], wantFile, want)
			}
		})
	}
}

// TestPlansRunTwice: a Program is reusable; running it again (on fresh
// inputs) gives the same results and leaves the inputs untouched.
func TestPlansRunTwice(t *testing.T) {
	p, err := engine.Compile(readPlan(t, "testdata/plans/memory_pipeline.json"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := []*col.Frame{people(), teams()}
	before := frameText(in[0]) + frameText(in[1])
	a, err := p.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if resultsText(a) != resultsText(b) {
		t.Errorf("second run differs:\n%s\nvs\n%s", resultsText(a), resultsText(b))
	}
	if frameText(in[0])+frameText(in[1]) != before {
		t.Errorf("Run modified its inputs")
	}
}

var errorCases = []struct {
	file string
	// inputs: nil = compile error expected; otherwise run with these
	inputs  func() []*col.Frame
	kind    string
	op, loc string
	msg     string // substring of the message
}{
	{file: "bad_magic", kind: "Value", msg: `invalid plan: magic "flern-plam", want "flern-plan"`},
	{file: "unknown_op", kind: "Value", op: "frobnicate", loc: "err.py:2", msg: `unknown op "frobnicate"`},
	{file: "wrong_arity", kind: "", msg: "verify: node 1 (join) has 1 inputs, want 2"},
	{file: "unknown_column", kind: "ColumnNotFound", op: "filter", loc: "err.py:4",
		msg: `column "mgp" not found; columns are ["name", "mpg", "cyl", "origin", "year", "weight"]`},
	{file: "str_plus_int", kind: "Type", op: "assign", loc: "err.py:5", msg: "unsupported operand types for +: str and int64"},
	{file: "and_on_ints", kind: "NotImplemented", op: "filter", loc: "err.py:6", msg: "& with an integer operand"},
	{file: "str_accessor_on_number", kind: "Type", op: "assign", loc: "err.py:7",
		msg: "Can only use .str accessor with string values (str_lower on float64)"},
	{file: "bad_agg", kind: "NotImplemented", op: "groupby_agg", loc: "err.py:8", msg: `agg function "mode"`},
	{file: "join_key_types", kind: "Value", op: "join", loc: "err.py:9", msg: `You are trying to merge on str and float64 columns for key "origin"`},
	{file: "missing_csv", kind: "IO", op: "scan_csv", loc: "err.py:10", msg: "testdata/no_such_file.csv"},
	{file: "missing_input", inputs: func() []*col.Frame { return nil }, kind: "Value", op: "source", loc: "err.py:11",
		msg: "source reads input 0 but 0 inputs were given"},
	{file: "missing_input", inputs: func() []*col.Frame { return []*col.Frame{teams()} }, kind: "Value", op: "source", loc: "err.py:11",
		msg: "input 0 has 3 columns and 0 index levels, the plan expects 1 and 0"},
	{file: "missing_input", kind: "Value", op: "source", loc: "err.py:11",
		inputs: func() []*col.Frame {
			return []*col.Frame{{N: 1, Names: []string{"id"}, Cols: []*col.Column{col.NewStrings([]string{"1"}, nil)}}}
		},
		msg: `input 0 column 0 is "id":str, the plan expects "id":int64`},
}

func TestErrors(t *testing.T) {
	for _, c := range errorCases {
		name := c.file
		if c.inputs != nil {
			name += "/run"
		}
		t.Run(name, func(t *testing.T) {
			p, err := engine.Compile(readPlan(t, filepath.Join("testdata", "errors", c.file+".json")), engine.Options{})
			if c.inputs != nil {
				if err != nil {
					t.Fatalf("Compile: %v", err)
				}
				_, err = p.Run(context.Background(), c.inputs())
			}
			if err == nil {
				t.Fatalf("no error, want %s: %s", c.kind, c.msg)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not contain %q", err, c.msg)
			}
			var fe *ir.Error
			if c.kind == "" {
				if errors.As(err, &fe) {
					t.Errorf("error %#v: want a plain (internal) error", err)
				}
				return
			}
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not an *ir.Error", err, err)
			}
			if fe.Kind != c.kind || fe.Op != c.op || fe.Loc != c.loc {
				t.Errorf("kind/op/loc = %q/%q/%q, want %q/%q/%q", fe.Kind, fe.Op, fe.Loc, c.kind, c.op, c.loc)
			}
		})
	}
}
