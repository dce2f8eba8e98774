package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/engine"
	"github.com/flern/flern/golib/exec"
	"github.com/flern/flern/golib/ir"
	"github.com/flern/flern/golib/opt"
	"github.com/flern/flern/golib/parquetio"
)

// plan wraps node JSON in a version-1 envelope.
func plan(outputs string, nodes ...string) []byte {
	return []byte(`{"magic": "flern-plan", "version": 1, "nodes": [` + strings.Join(nodes, ",\n") + `], "outputs": [` + outputs + `]}`)
}

// csvPlan reads a CSV file of five columns and uses two of them:
// scan -> filter(b > 1) -> select(a) ; pushdown narrows the scan to a, b.
func csvPlan(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(path, []byte("a,b,c,d,e\n1,2,x,4.5,True\n3,0,y,5.5,False\n5,7,z,,True\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return plan("2",
		`{"id": 0, "op": "scan_csv", "inputs": [], "loc": "t.py:1", "attrs": {"path": `+strconv.Quote(path)+`}}`,
		`{"id": 1, "op": "filter", "inputs": [0], "loc": "t.py:2", "attrs": {"pred": {"k": "call", "fn": "gt", "args": [{"k": "col", "name": "b"}, {"k": "lit", "t": "int64", "v": "1"}]}}}`,
		`{"id": 2, "op": "select", "inputs": [1], "loc": "t.py:3", "attrs": {"columns": ["a"]}}`)
}

func compile(t *testing.T, p []byte, o engine.Options) *engine.Program {
	t.Helper()
	prog, err := engine.Compile(p, o)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return prog
}

func TestExplainShowsPushdown(t *testing.T) {
	p := compile(t, csvPlan(t), engine.Options{})
	ex := p.Explain(false)
	if !regexp.MustCompile(`(?m)^%0 = scan_csv\(columns=\["a", "b"\], path=".*t\.csv"\)  :: a:int64, b:int64$`).MatchString(ex) {
		t.Errorf("explain does not show the pushed-down scan:\n%s", ex)
	}
	if ex != p.Graph.Print() {
		t.Errorf("Explain(false) is not the optimized plan's Print")
	}
	if strings.Contains(ex, "select(") || strings.Contains(ex, "== ") {
		t.Errorf("non-verbose explain has a select or section headers:\n%s", ex)
	}
	out, err := p.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(out[0].Names, out[0].Cols[0].I64, out[0].Index[0].I64); got != "[a] [1 5] [0 2]" {
		t.Errorf("result %s", got)
	}
}

var passLine = regexp.MustCompile(`^  (\S+)\s+(changed|unchanged|disabled)\s+\d+\.\d{3} ms$`)

// passTable parses the optimizer pass table of a verbose explain into
// "name=state" entries.
func passTable(t *testing.T, ex string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(ex, "== optimizer passes ==\n")
	if !ok {
		t.Fatalf("no pass table in:\n%s", ex)
	}
	var out []string
	for _, line := range strings.Split(rest, "\n") {
		m := passLine.FindStringSubmatch(line)
		if m == nil {
			break
		}
		out = append(out, m[1]+"="+m[2])
	}
	return out
}

// TestScanAttrsAgree: the attribute the scan-lookups stage sets is the one
// the Parquet reader reads (exec may not import parquetio).
func TestScanAttrsAgree(t *testing.T) {
	if exec.DropnaAttr != parquetio.DropnaAttr || exec.DropnaHowAttr != parquetio.DropnaHowAttr {
		t.Fatalf("exec's dropna attributes %q, %q, parquetio's %q, %q", exec.DropnaAttr, exec.DropnaHowAttr, parquetio.DropnaAttr, parquetio.DropnaHowAttr)
	}
	if exec.LookupsAttr != parquetio.LookupsAttr {
		t.Fatalf("exec.LookupsAttr %q, parquetio.LookupsAttr %q", exec.LookupsAttr, parquetio.LookupsAttr)
	}
}

func TestVerboseExplainAndDisabledPasses(t *testing.T) {
	cases := []struct {
		name      string
		opts      engine.Options
		table     string
		pushed    bool
		dumped    bool
		wantError string
	}{
		{name: "all passes", opts: engine.Options{},
			table: "autodiff=unchanged resolve=changed tensorprune=unchanged dce=unchanged fold=unchanged predicate=unchanged joinorder=unchanged cse=unchanged eageragg=unchanged late_project=unchanged foldnorm=unchanged onehot_embed=unchanged embed_fold=unchanged mlp_fuse=unchanged bias_fold=unchanged limit=unchanged pushdown=changed narrow=unchanged joinfilter=unchanged", pushed: true},
		{name: "all passes, dumped", opts: engine.Options{Dump: true},
			table: "autodiff=unchanged resolve=changed tensorprune=unchanged dce=unchanged fold=unchanged predicate=unchanged joinorder=unchanged cse=unchanged eageragg=unchanged late_project=unchanged foldnorm=unchanged onehot_embed=unchanged embed_fold=unchanged mlp_fuse=unchanged bias_fold=unchanged limit=unchanged pushdown=changed narrow=unchanged joinfilter=unchanged", pushed: true, dumped: true},
		{name: "pushdown disabled", opts: engine.Options{Disabled: map[string]bool{"pushdown": true}},
			table: "autodiff=unchanged resolve=changed tensorprune=unchanged dce=unchanged fold=unchanged predicate=unchanged joinorder=unchanged cse=unchanged eageragg=unchanged late_project=unchanged foldnorm=unchanged onehot_embed=unchanged embed_fold=unchanged mlp_fuse=unchanged bias_fold=unchanged limit=unchanged pushdown=disabled narrow=unchanged joinfilter=unchanged"},
		{name: "dce and fold disabled", opts: engine.Options{Disabled: map[string]bool{"dce": true, "fold": true}},
			table: "autodiff=unchanged resolve=changed tensorprune=unchanged dce=disabled fold=disabled predicate=unchanged joinorder=unchanged cse=unchanged eageragg=unchanged late_project=unchanged foldnorm=unchanged onehot_embed=unchanged embed_fold=unchanged mlp_fuse=unchanged bias_fold=unchanged limit=unchanged pushdown=changed narrow=unchanged joinfilter=unchanged", pushed: true},
		{name: "required pass cannot be disabled", opts: engine.Options{Disabled: map[string]bool{"resolve": true}},
			table: "autodiff=unchanged resolve=changed tensorprune=unchanged dce=unchanged fold=unchanged predicate=unchanged joinorder=unchanged cse=unchanged eageragg=unchanged late_project=unchanged foldnorm=unchanged onehot_embed=unchanged embed_fold=unchanged mlp_fuse=unchanged bias_fold=unchanged limit=unchanged pushdown=changed narrow=unchanged joinfilter=unchanged", pushed: true},
		{name: "NoOpt disables every optional pass", opts: engine.Options{NoOpt: true},
			table: "autodiff=unchanged resolve=changed tensorprune=disabled dce=disabled fold=disabled predicate=disabled joinorder=disabled cse=disabled eageragg=disabled late_project=disabled foldnorm=disabled onehot_embed=disabled embed_fold=disabled mlp_fuse=disabled bias_fold=disabled limit=disabled pushdown=disabled narrow=disabled joinfilter=disabled"},
		{name: "unknown pass name", opts: engine.Options{Disabled: map[string]bool{"pushdwn": true}},
			wantError: `unknown optimizer pass "pushdwn" (passes: autodiff, resolve, tensorprune, dce, fold, predicate, joinorder, cse, eageragg, late_project, foldnorm, onehot_embed, embed_fold, mlp_fuse, bias_fold, limit, pushdown, narrow, joinfilter)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := engine.Compile(csvPlan(t), c.opts)
			if c.wantError != "" {
				var fe *ir.Error
				if err == nil || !errors.As(err, &fe) || fe.Kind != "Value" || !strings.Contains(fe.Msg, c.wantError) {
					t.Fatalf("Compile error = %v, want Value error %q", err, c.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ex := p.Explain(true)
			if got := strings.Join(passTable(t, ex), " "); got != c.table {
				t.Errorf("pass table %q, want %q\n%s", got, c.table, ex)
			}
			for _, section := range []string{"== recorded plan ==\n", "== optimizer passes ==\n", "== optimized plan ==\n"} {
				if strings.Count(ex, section) != 1 {
					t.Errorf("verbose explain lacks section %q", section)
				}
			}
			recorded, _, _ := strings.Cut(strings.TrimPrefix(ex, "== recorded plan ==\n"), "== optimizer passes ==")
			if !strings.Contains(recorded, "select(%1, columns=[\"a\"])") || strings.Contains(recorded, "columns=[\"a\", \"b\"]") {
				t.Errorf("recorded plan is not the plan as recorded:\n%s", recorded)
			}
			_, optimized, _ := strings.Cut(ex, "== optimized plan ==\n")
			if optimized != p.Graph.Print() {
				t.Errorf("verbose explain's optimized plan differs from Print")
			}
			if pushed := strings.Contains(optimized, `scan_csv(columns=["a", "b"]`); pushed != c.pushed {
				t.Errorf("scan pushed down = %v, want %v:\n%s", pushed, c.pushed, optimized)
			}
			if dumped := strings.Contains(ex, "-- after pushdown --\n"); dumped != c.dumped {
				t.Errorf("per-pass dumps shown = %v, want %v", dumped, c.dumped)
			}
			if c.dumped && !strings.Contains(ex, "-- after resolve --\n%0 = scan_csv(path=") {
				t.Errorf("dump after resolve missing or wrong:\n%s", ex)
			}
			// Every configuration computes the same result.
			out, err := p.Run(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(out[0].Names, out[0].Cols[0].I64); got != "[a] [1 5]" {
				t.Errorf("result %s", got)
			}
		})
	}
	// The pass table lists every pass of opt.Passes, in order.
	p := compile(t, csvPlan(t), engine.Options{})
	var names []string
	for _, e := range passTable(t, p.Explain(true)) {
		names = append(names, strings.SplitN(e, "=", 2)[0])
	}
	if strings.Join(names, ",") != strings.Join(opt.Names(), ",") {
		t.Errorf("pass table lists %v, opt.Passes has %v", names, opt.Names())
	}
}

const sourceNode = `{"id": 0, "op": "source", "inputs": [], "loc": "s.py:1", "attrs": {"input": 0,
	"fields": [{"name": "v", "type": "int64"}, {"name": "s", "type": "str", "nullable": true}],
	"index": [{"name": "k", "type": "str"}, {"name": "", "type": "int64"}]}}`

func TestInputIndexLevelsAndSchemas(t *testing.T) {
	p := compile(t, plan("0, 1, 2",
		`{"id": 0, "op": "source", "inputs": [], "loc": "s.py:1", "attrs": {"input": 1, "fields": [{"name": "v", "type": "int64"}, {"name": "s", "type": "str", "nullable": true}],
			"index": [{"name": "k", "type": "str"}, {"name": "", "type": "int64"}]}}`,
		`{"id": 1, "op": "get_dummies", "inputs": [0], "loc": "s.py:2", "attrs": {"columns": ["s"]}}`,
		`{"id": 2, "op": "source", "inputs": [], "loc": "s.py:3", "attrs": {"input": 0, "fields": [{"name": "x", "type": "float64"}]}}`),
		engine.Options{})
	if got := fmt.Sprint(p.InputIndexLevels); got != "[0 2]" {
		t.Errorf("InputIndexLevels = %s, want [0 2]", got)
	}
	sc := p.Schemas()
	if len(sc) != 3 || sc[0] == nil || sc[0].String() != "[k]:str, [<index>]:int64, v:int64, s:str" || sc[1] != nil || sc[2].String() != "x:float64" {
		t.Errorf("Schemas() = %v", sc)
	}
}

func TestRunWithIndexedInput(t *testing.T) {
	p := compile(t, plan("1", sourceNode,
		`{"id": 1, "op": "reset_index", "inputs": [0], "loc": "s.py:2", "attrs": {}}`), engine.Options{})
	in := &col.Frame{N: 2, Names: []string{"v", "s"},
		Cols:  []*col.Column{col.NewInt64([]int64{1, 2}), col.NewStrings([]string{"a", "b"}, nil)},
		Index: []*col.Column{col.NewStrings([]string{"p", "q"}, nil), col.NewInt64([]int64{7, 8})},
		// names come from the plan's source node, whatever the input says
		IndexNames: []string{"ignored", "ignored"}}
	out, err := p.Run(context.Background(), []*col.Frame{in})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out[0].Names, ","); got != "k,level_1,v,s" {
		t.Errorf("reset_index names %s", got)
	}
	if in.IndexNames[0] != "ignored" {
		t.Errorf("Run modified the caller's frame: IndexNames %q", in.IndexNames)
	}
}

func TestCompileErrorsCarryKindAndLoc(t *testing.T) {
	src := `{"id": 0, "op": "source", "inputs": [], "loc": "m.py:1", "attrs": {"input": 0, "fields": [{"name": "a", "type": "int64"}, {"name": "s", "type": "str"}]}}`
	cases := []struct {
		name, node    string
		kind, op, loc string
		msg           string
	}{
		{"column not found", `{"id": 1, "op": "select", "inputs": [0], "loc": "m.py:7", "attrs": {"columns": ["a", "zz"]}}`,
			"ColumnNotFound", "select", "m.py:7", `column "zz" not found; columns are ["a", "s"]`},
		{"type error", `{"id": 1, "op": "filter", "inputs": [0], "loc": "m.py:8", "attrs": {"pred": {"k": "call", "fn": "or", "args": [{"k": "col", "name": "s"}, {"k": "col", "name": "s"}]}}}`,
			"Type", "filter", "m.py:8", "| needs bool operands, got str"},
		{"unknown op", `{"id": 1, "op": "pivot", "inputs": [0], "loc": "m.py:9", "attrs": {}}`,
			"Value", "pivot", "m.py:9", `unknown op "pivot"`},
		{"not implemented", `{"id": 1, "op": "sample", "inputs": [0], "loc": "m.py:10", "attrs": {"n": 1, "replace": true}}`,
			"NotImplemented", "sample", "m.py:10", "sample(replace=True)"},
		{"bad literal", `{"id": 1, "op": "filter", "inputs": [0], "loc": "m.py:11", "attrs": {"pred": {"k": "lit", "t": "bool", "v": "maybe"}}}`,
			"Value", "filter", "m.py:11", `invalid plan: attribute "pred": literal "maybe" of type bool`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := engine.Compile(plan("1", src, c.node), engine.Options{})
			var fe *ir.Error
			if !errors.As(err, &fe) {
				t.Fatalf("Compile error = %v (%T), want *ir.Error", err, err)
			}
			if fe.Kind != c.kind || fe.Op != c.op || fe.Loc != c.loc || !strings.Contains(fe.Msg, c.msg) {
				t.Errorf("error = %s/%s/%s %q\nwant    %s/%s/%s %q", fe.Kind, fe.Op, fe.Loc, fe.Msg, c.kind, c.op, c.loc, c.msg)
			}
			if want := " (at " + c.loc + ")"; !strings.HasSuffix(err.Error(), want) {
				t.Errorf("Error() = %q does not end with %q", err.Error(), want)
			}
		})
	}
}

// TestPanickingOp: exec/interp does not recover panics; Program.Run lets a
// panic in an op escape, and capi's guard (capi/capi.go) is what turns it
// into an Internal error for Python. This test pins that contract: if Run
// starts recovering, it must return an error naming the op and its line.
func TestPanickingOp(t *testing.T) {
	p := compile(t, plan("0", `{"id": 0, "op": "test_panic", "inputs": [], "loc": "boom.py:3", "attrs": {}}`), engine.Options{})
	var (
		out       []*col.Frame
		err       error
		recovered any
	)
	func() {
		defer func() { recovered = recover() }()
		out, err = p.Run(context.Background(), nil)
	}()
	switch {
	case recovered != nil:
		t.Errorf("a panic in an op escaped engine.Program.Run: %v", recovered)
	case err != nil:
		if !strings.Contains(err.Error(), "test_panic") || !strings.Contains(err.Error(), "boom.py:3") {
			t.Errorf("Run error %q does not name the op and the user's line", err)
		}
	default:
		t.Errorf("test_panic neither panicked nor failed: %v", out)
	}
	// The program (and the process) survive: the next run behaves the same.
	func() {
		defer func() { _ = recover() }()
		_, _ = p.Run(context.Background(), nil)
	}()
}

func TestRunCancelled(t *testing.T) {
	p := compile(t, csvPlan(t), engine.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Run(ctx, nil)
	var fe *ir.Error
	if !errors.As(err, &fe) || fe.Kind != "Cancelled" || !strings.Contains(fe.Msg, "context canceled") {
		t.Errorf("Run(cancelled) = %v, want a Cancelled error", err)
	}
	//lint:ignore SA1012 Run documents that a nil context means Background
	if _, err := p.Run(nil, nil); err != nil {
		t.Errorf("Run(nil ctx) = %v", err)
	}
}

// TestBig: a run is big (run off Python's thread by the C ABI) when its plan
// scans a file or a frame input has 64K rows or more; a big tensor input
// alone (a training loop's data, read a batch at a time) does not count.
func TestBig(t *testing.T) {
	src := plan("0", `{"id": 0, "op": "source", "inputs": [], "loc": "s.py:1", "attrs": {"input": 0, "fields": [{"name": "x", "type": "int64"}]}}`)
	tsrc := plan("0", `{"id": 0, "op": "source_tensor", "inputs": [], "loc": "s.py:1", "attrs": {"input": 0, "dtype": "float32", "shape": [65536, 2]}}`)
	frame := func(n int) *col.Frame {
		return &col.Frame{N: n, Names: []string{"x"}, Cols: []*col.Column{col.NewInt64(make([]int64, n))}}
	}
	tests := []struct {
		name string
		p    []byte
		in   []any
		want bool
	}{
		{"small frame", src, []any{frame(10)}, false},
		{"64K-row frame", src, []any{frame(1 << 16)}, true},
		{"scan", csvPlan(t), nil, true},
		{"64K-element tensor", tsrc, []any{col.NewTensor(ir.Float32, []int{1 << 16, 2})}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := compile(t, tc.p, engine.Options{}).Big(tc.in); got != tc.want {
				t.Fatalf("Big = %v, want %v", got, tc.want)
			}
		})
	}
}
